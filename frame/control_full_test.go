package frame_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

// TestWriteControlOnAFullSocket: a control frame to a peer whose socket
// is full waits past its first, short try: it gives up when its context
// ends, sending nothing, and otherwise goes out once the peer reads, after
// the frames before it; the Conn writes on after both.
func TestWriteControlOnAFullSocket(t *testing.T) {
	cs := newControls()
	rawA, rawB := unixPair(t)
	fillers := fill(t, rawA)
	a, b := frame.New(rawA, frame.WithControl(func(byte, []byte) {})), frame.New(rawB, frame.WithControl(cs.handle))
	t.Cleanup(func() { a.Close(); b.Close() })

	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := within(t, 10*time.Second, "WriteControl", func() error { return a.WriteControl(ctx, 'x', []byte("canceled")) })
	gaveUp := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) || gaveUp < 100*time.Millisecond {
		t.Fatalf("WriteControl on a full socket: %v after %v, want context.DeadlineExceeded at its deadline", err, gaveUp)
	}

	sent := make(chan error, 1)
	go func() { sent <- a.WriteControl(t.Context(), 'y', []byte("waited")) }()
	time.Sleep(50 * time.Millisecond) // far past the first try
	drain(t, b, fillers)
	go a.Write([]byte("after"))
	if p, err := b.Read(); err != nil || string(p) != "after" {
		t.Fatalf("after the fillers: %q, %v", p, err)
	}
	if err := <-sent; err != nil {
		t.Fatalf("WriteControl once the peer read: %v", err)
	}
	if got := cs.list(); len(got) != 1 || got[0] != "y:waited" {
		t.Fatalf("control frames %q, want only the one that waited", got)
	}
	t.Logf("%d filler frames; the canceled control frame gave up after %v, sending nothing; the other went out once the peer read",
		fillers, gaveUp.Round(time.Millisecond))
}

package frame_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	. "github.com/release-daemon/release/frame"
)

// TestDetachHandsTheStreamOn: a Conn detached while a Read waits, with
// frames and half a frame buffered, gives them up; a new Conn on a
// duplicate of the socket with Pending reads every frame, in order, and
// the first Conn's reads and writes fail with ErrDetached.
func TestDetachHandsTheStreamOn(t *testing.T) {
	for _, c := range []struct{ control, blocked bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		control := c.control
		t.Run(fmt.Sprintf("control=%v,reader_waiting=%v", c.control, c.blocked), func(t *testing.T) {
			a, b := unixPair(t)
			var opts []Option
			var seen []byte
			if control {
				opts = append(opts, WithControl(func(kind byte, p []byte) { seen = append(seen, kind) }))
			}
			ca, cb := New(a, opts...), New(b)
			defer cb.Close()
			for i := range 3 {
				if err := cb.Write([]byte(fmt.Sprintf("frame %d", i))); err != nil {
					t.Fatal(err)
				}
			}
			half := AppendFrame(nil, []byte("frame 3"))
			b.Write(half[:6])
			if p, err := ca.Read(); err != nil || string(p) != "frame 0" {
				t.Fatalf("first read: %q, %v", p, err)
			}
			first := 1 // the next frame a new owner reads
			reading := make(chan error, 1)
			if c.blocked {
				first = 3
				go func() {
					for i := 1; i <= 2; i++ {
						if p, err := ca.Read(); err != nil || string(p) != fmt.Sprintf("frame %d", i) {
							reading <- fmt.Errorf("frame %d: %q, %v", i, p, err)
							return
						}
					}
					_, err := ca.Read() // waits in the middle of frame 3
					reading <- err
				}()
				time.Sleep(50 * time.Millisecond)
			} else {
				reading <- ErrDetached
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			pend, err := ca.Detach(ctx)
			if err != nil {
				t.Fatalf("Detach: %v", err)
			}
			if err := <-reading; !errors.Is(err, ErrDetached) && !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("the Read that waited: %v, want ErrDetached or the deadline", err)
			}
			if _, err := ca.Read(); !errors.Is(err, ErrDetached) {
				t.Errorf("Read after Detach: %v, want ErrDetached", err)
			}
			if err := ca.Write([]byte("x")); !errors.Is(err, ErrDetached) {
				t.Errorf("Write after Detach: %v, want ErrDetached", err)
			}
			f, err := a.File()
			if err != nil {
				t.Fatal(err)
			}
			ca.Close() // the peer must not see the end of the stream
			nc, err := net.FileConn(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			next := New(nc, append(opts, Pending(pend))...)
			defer next.Close()
			b.Write(half[6:])
			if control {
				b.Write([]byte{0xFF, 'k', 0, 0}) // a control frame, then frame 4
			}
			if err := cb.Write([]byte("frame 4")); err != nil {
				t.Fatal(err)
			}
			for i := first; i <= 4; i++ {
				p, err := next.Read()
				if want := fmt.Sprintf("frame %d", i); err != nil || string(p) != want {
					t.Fatalf("after the hand-on: %q, %v; want %q", p, err, want)
				}
			}
			if control && !bytes.Equal(seen, []byte{'k'}) {
				t.Errorf("control frames seen %q, want the one sent after", seen)
			}
			t.Logf("%d pending bytes handed on; frames %d-4 read by the next Conn", len(pend), first)
		})
	}
}

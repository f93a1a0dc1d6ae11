package frame_test

import (
	"bytes"
	"context"
	"errors"
	"golang.org/x/sys/unix"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

// within runs f and waits for it at most d: a call that ignores its
// context fails the test instead of hanging it.
func within(t *testing.T, d time.Duration, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("%s: still blocked %v later", what, d)
		return nil
	}
}

// fill writes 1-byte frames to c, whose peer does not read, until the
// socket takes no more: the stream then stops at a frame boundary, and a
// write that follows cannot send a byte. It returns how many frames went.
func fill(t *testing.T, c *net.UnixConn) int {
	t.Helper()
	f := frame.AppendFrame(nil, []byte{'f'})
	n := 0
	for {
		c.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
		k, err := c.Write(f)
		if err != nil {
			if k != 0 {
				t.Fatalf("a filler frame went out in part: %d bytes", k)
			}
			c.SetWriteDeadline(time.Time{})
			return n
		}
		n++
	}
}

// drain reads the n filler frames from c.
func drain(t *testing.T, c *frame.Conn, n int) {
	t.Helper()
	for i := range n {
		if p, err := c.Read(); err != nil || string(p) != "f" {
			t.Fatalf("filler frame %d: %q, %v", i, p, err)
		}
	}
}

// TestCallGivesUpWhileWriting: a peer that never reads leaves a large
// request half written; the Call returns ctx.Err() when its context ends
// (once bytes have reached the peer: a deadline counted from before the
// Call could pass before the write starts on a loaded machine, and a Call
// that sent nothing rightly leaves the Client usable), and the Client,
// whose stream is now cut inside a frame, fails every later Call with
// ErrClientClosed and ErrWriteCut.
func TestCallGivesUpWhileWriting(t *testing.T) {
	rawA, rawB := unixPair(t)
	a, peer := frame.New(rawA), frame.New(rawB)
	t.Cleanup(func() { a.Close(); peer.Close() })
	cl := frame.NewClient[[]byte, []byte](a, frame.Bytes{}, frame.Bytes{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		defer cancel()
		waitReadable(rawB, 10*time.Second)
		time.Sleep(50 * time.Millisecond)
	}()
	start := time.Now()
	err := within(t, 20*time.Second, "Call to a peer that does not read", func() error {
		_, err := cl.Call(ctx, make([]byte, 4<<20))
		return err
	})
	took := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Call canceled while writing: %v", err)
	}
	next, stop := context.WithTimeout(t.Context(), 10*time.Second)
	defer stop()
	_, err = cl.Call(next, []byte("next"))
	if !errors.Is(err, frame.ErrClientClosed) || !errors.Is(err, frame.ErrWriteCut) {
		t.Fatalf("Call after a cut request: %v, want ErrClientClosed and ErrWriteCut", err)
	}
	if _, err := peer.Read(); err != io.ErrUnexpectedEOF {
		t.Fatalf("the peer read %v, want io.ErrUnexpectedEOF", err)
	}
	t.Logf("Call canceled 50ms after its first bytes arrived returned after %v; the next Call: %v", took.Round(time.Millisecond), err)
}

// TestCallCanceledBeforeWritingSendsNothing: the socket is full at a frame
// boundary. Two callers whose deadlines pass while they wait to write
// (the first as the writer, the second handed the turn, with a third
// caller's request in its batch) return ctx.Err() and send nothing; the
// third caller, handed the turn in its turn, writes its request once the
// peer reads, and is answered; the Client is still usable.
func TestCallCanceledBeforeWritingSendsNothing(t *testing.T) {
	rawA, rawB := unixPair(t)
	fillers := fill(t, rawA)
	a, b := frame.New(rawA), frame.New(rawB)
	t.Cleanup(func() { a.Close(); b.Close() })
	cl := frame.NewClient[string, string](a, frame.String{}, frame.String{})

	// Each caller starts 100ms after the one before, so that they queue in
	// order: the first writes, the second and third queue behind it.
	call := func(req string, d time.Duration) chan error {
		done, started := make(chan error, 1), make(chan struct{})
		go func() {
			ctx, cancel := context.WithTimeout(t.Context(), d)
			defer cancel()
			close(started)
			got, err := cl.Call(ctx, req)
			if err == nil && got != strings.ToUpper(req) {
				err = errors.New("answered " + got)
			}
			done <- err
		}()
		<-started
		time.Sleep(100 * time.Millisecond)
		return done
	}
	first := call("first", 300*time.Millisecond)
	second := call("second", 500*time.Millisecond)
	third := call("third", 30*time.Second)
	for name, ch := range map[string]chan error{"first": first, "second": second} {
		err := within(t, 10*time.Second, name+" Call", func() error { return <-ch })
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s Call past its deadline, before writing: %v", name, err)
		}
	}
	drain(t, b, fillers)
	var seen []string
	var mu sync.Mutex
	go frame.Serve(t.Context(), b, frame.String{}, frame.String{}, func(_ context.Context, s string) (string, error) {
		mu.Lock()
		seen = append(seen, s)
		mu.Unlock()
		return strings.ToUpper(s), nil
	})
	if err := within(t, 10*time.Second, "third Call", func() error { return <-third }); err != nil {
		t.Fatalf("third Call: %v", err)
	}
	if got, err := cl.Call(t.Context(), "fourth"); err != nil || got != "FOURTH" {
		t.Fatalf("a Call after two canceled ones: %q, %v", got, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(seen, " ") != "third fourth" {
		t.Fatalf("the peer got %q, want only the requests of the callers still waiting", seen)
	}
	t.Logf("%d filler frames; two callers gave up before writing, the peer got %q", fillers, seen)
}

// writeForms are the three ways of writing a frame with a context.
var writeForms = map[string]func(c *frame.Conn, ctx context.Context, p []byte) error{
	"WriteContext": func(c *frame.Conn, ctx context.Context, p []byte) error { return c.WriteContext(ctx, p) },
	"WriteBatchContext": func(c *frame.Conn, ctx context.Context, p []byte) error {
		return c.WriteBatchContext(ctx, []byte("head"), p)
	},
	"WriteFilesContext": func(c *frame.Conn, ctx context.Context, p []byte) error {
		null, err := os.Open(os.DevNull)
		if err != nil {
			return err
		}
		defer null.Close()
		return c.WriteFilesContext(ctx, p, null)
	},
}

// TestWriteCanceledBeforeAnyByte: on a socket full at a frame boundary,
// each context form returns ctx.Err() at the deadline and leaves the Conn
// as it was: once the peer reads, the next frame follows the fillers.
func TestWriteCanceledBeforeAnyByte(t *testing.T) {
	for name, write := range writeForms {
		t.Run(name, func(t *testing.T) {
			rawA, rawB := unixPair(t)
			fillers := fill(t, rawA)
			a, b := frame.New(rawA, frame.AcceptFiles), frame.New(rawB, frame.AcceptFiles)
			t.Cleanup(func() { a.Close(); b.Close() })
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			err := within(t, 10*time.Second, name, func() error { return write(a, ctx, []byte("canceled")) })
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("%s on a full socket: %v", name, err)
			}
			go a.Write([]byte("after"))
			drain(t, b, fillers)
			if p, err := b.Read(); err != nil || string(p) != "after" {
				t.Fatalf("after the fillers: %q, %v; want the next frame", p, err)
			}
			t.Logf("%s: %d filler frames, then nothing of the canceled frame", name, fillers)
		})
	}
}

// TestWriteCutPartWay: a large frame to a peer that does not read is cut
// by its context, which ends once bytes have reached the peer; the call
// returns ctx.Err(), every later write ErrWriteCut, and the peer sees the
// stream end inside the frame.
func TestWriteCutPartWay(t *testing.T) {
	for name, write := range writeForms {
		t.Run(name, func(t *testing.T) {
			rawA, rawB := unixPair(t)
			opts := []frame.Option{frame.AcceptFiles, frame.MaxFrame(8 << 20)}
			a, b := frame.New(rawA, opts...), frame.New(rawB, opts...)
			t.Cleanup(func() { a.Close(); b.Close() })
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			go func() {
				defer cancel()
				waitReadable(rawB, 10*time.Second)
				time.Sleep(50 * time.Millisecond)
			}()
			err := within(t, 20*time.Second, name, func() error { return write(a, ctx, make([]byte, 4<<20)) })
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("%s cut by its context: %v", name, err)
			}
			if err := a.Write([]byte("more")); !errors.Is(err, frame.ErrWriteCut) {
				t.Fatalf("Write after a cut frame: %v, want ErrWriteCut", err)
			}
			if err := a.WriteBatch([]byte("more")); !errors.Is(err, frame.ErrWriteCut) {
				t.Fatalf("WriteBatch after a cut frame: %v, want ErrWriteCut", err)
			}
			var err2 error
			for err2 == nil {
				_, err2 = b.Read() // the head of a batch comes whole
			}
			if err2 != io.ErrUnexpectedEOF {
				t.Fatalf("the peer read %v, want io.ErrUnexpectedEOF", err2)
			}
			t.Logf("%s: %v", name, a.Write(nil))
		})
	}
}

// TestWriteContextWaitsForTheLock: while another goroutine's large Write
// is stuck on a peer that does not read, WriteContext gives up waiting for
// its turn at the deadline and sends nothing; the large frame, and the
// next one, arrive whole once the peer reads.
func TestWriteContextWaitsForTheLock(t *testing.T) {
	a, b := pair(t, frame.MaxFrame(8<<20))
	big := bytes.Repeat([]byte("b"), 4<<20)
	bigDone := make(chan error, 1)
	go func() { bigDone <- a.Write(big) }()
	time.Sleep(50 * time.Millisecond) // let it take the lock; the outcome is the same if not
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	waitedFor := "the lock"
	err := within(t, 10*time.Second, "WriteContext behind a stuck Write", func() error {
		err := a.WriteContext(ctx, []byte("canceled"))
		if len(bigDone) > 0 {
			waitedFor = "the socket"
		}
		return err
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WriteContext behind a stuck Write: %v", err)
	}
	if p, err := b.Read(); err != nil || !bytes.Equal(p, big) {
		t.Fatalf("the large frame: %d bytes, %v", len(p), err)
	}
	if err := <-bigDone; err != nil {
		t.Fatal(err)
	}
	go a.Write([]byte("after"))
	if p, err := b.Read(); err != nil || string(p) != "after" {
		t.Fatalf("after the large frame: %q, %v; want the next frame", p, err)
	}
	t.Logf("WriteContext gave up waiting for %s, and sent nothing", waitedFor)
}

// TestServeGivesUpWhileWriting: Serve answering a peer that sends but
// never reads returns ctx.Err() when its context ends, instead of staying
// blocked in a response's write.
func TestServeGivesUpWhileWriting(t *testing.T) {
	a, b := pair(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- frame.Serve(ctx, b, frame.Bytes{}, frame.Bytes{}, func(context.Context, []byte) ([]byte, error) {
			return make([]byte, 4<<20), nil
		})
	}()
	if err := a.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the answer fill the socket
	cancel()
	start := time.Now()
	err := within(t, 10*time.Second, "Serve writing to a peer that does not read", func() error { return <-done })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Serve canceled while writing: %v", err)
	}
	t.Logf("Serve returned %v after its context ended", time.Since(start).Round(time.Millisecond))
}

// waitReadable waits, at most d, until c has bytes to read.
func waitReadable(c *net.UnixConn, d time.Duration) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, int(d.Milliseconds()))
	})
}

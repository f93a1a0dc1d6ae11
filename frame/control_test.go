package frame_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/internal/testenv"
	"golang.org/x/sys/unix"
)

// controls records the control frames a Conn hands on, in order.
type controls struct {
	mu   sync.Mutex
	got  []string
	seen chan struct{}
}

func newControls() *controls { return &controls{seen: make(chan struct{}, 1024)} }

func (cs *controls) handle(kind byte, p []byte) {
	cs.mu.Lock()
	cs.got = append(cs.got, string(kind)+":"+string(p))
	cs.mu.Unlock()
	cs.seen <- struct{}{}
}

func (cs *controls) list() []string {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]string(nil), cs.got...)
}

// wait waits for n more control frames, failing after d.
func (cs *controls) wait(t *testing.T, n int, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for range n {
		select {
		case <-cs.seen:
		case <-timeout:
			t.Fatalf("control frames so far: %q; waited %v for %d more", cs.list(), d, n)
		}
	}
}

// watchUntilEnd runs c.WatchControl until the test ends, and waits for it
// to return then, so that its descriptor is closed before the next test.
func watchUntilEnd(t *testing.T, c *frame.Conn) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.WatchControl(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func controlPair(t *testing.T) (*frame.Conn, *frame.Conn, *controls) {
	t.Helper()
	cs := newControls()
	a, b := unixPair(t)
	ca, cb := frame.New(a, frame.WithControl(func(byte, []byte) {})), frame.New(b, frame.WithControl(cs.handle))
	t.Cleanup(func() { ca.Close(); cb.Close() })
	return ca, cb, cs
}

// TestControlBetweenFrames: control frames written between application
// frames reach the handler in order, and Read returns only the
// application frames, in order, whatever sizes they have.
func TestControlBetweenFrames(t *testing.T) {
	a, b, cs := controlPair(t)
	sizes := []int{0, 1, 300, 70 << 10, 5}
	go func() {
		for i, n := range sizes {
			a.WriteControl(context.Background(), 'c', []byte(strconv.Itoa(i)))
			a.Write(bytes.Repeat([]byte{byte(i)}, n))
		}
		a.WriteControl(context.Background(), 'e', bytes.Repeat([]byte("x"), frame.MaxControlPayload))
		a.Write([]byte("last"))
	}()
	for i, n := range sizes {
		p, err := b.Read()
		if err != nil || len(p) != n || (n > 0 && p[0] != byte(i)) {
			t.Fatalf("frame %d: %d bytes, %v; want %d bytes of %d", i, len(p), err, n, i)
		}
	}
	if p, err := b.Read(); err != nil || string(p) != "last" {
		t.Fatalf("last frame: %q, %v", p, err)
	}
	got := cs.list()
	want := []string{"c:0", "c:1", "c:2", "c:3", "c:4", "e:" + string(bytes.Repeat([]byte("x"), frame.MaxControlPayload))}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("control frames %.80q, want %.80q", got, want)
	}
}

// TestControlRefused: a control frame too large, or on a Conn without
// WithControl, is refused before anything is written; a peer without
// WithControl fails on one as a frame too large; a peer announcing a
// control payload over the limit fails the Conn.
func TestControlRefused(t *testing.T) {
	plain, _ := pair(t)
	if err := plain.WriteControl(context.Background(), 'x', nil); !errors.Is(err, frame.ErrControl) {
		t.Errorf("WriteControl without WithControl: %v", err)
	}
	a, _, _ := controlPair(t)
	if err := a.WriteControl(context.Background(), 'x', make([]byte, frame.MaxControlPayload+1)); !errors.Is(err, frame.ErrControl) {
		t.Errorf("WriteControl of %d bytes: %v", frame.MaxControlPayload+1, err)
	}

	x, y := unixPair(t)
	sender, receiver := frame.New(x, frame.WithControl(func(byte, []byte) {})), frame.New(y)
	defer sender.Close()
	defer receiver.Close()
	sender.WriteControl(context.Background(), 'p', []byte("ping"))
	if _, err := receiver.Read(); !errors.Is(err, frame.ErrTooLarge) {
		t.Errorf("a Conn without WithControl read a control frame: %v, want ErrTooLarge", err)
	}

	raw, z := unixPair(t)
	defer raw.Close()
	cs := newControls()
	bad := frame.New(z, frame.WithControl(cs.handle))
	defer bad.Close()
	raw.Write([]byte{0xFF, 'p', 0xFF, 0xFF})
	if _, err := bad.Read(); !errors.Is(err, frame.ErrControl) {
		t.Errorf("a control frame announcing 65535 bytes: %v, want ErrControl", err)
	}
	if len(cs.list()) != 0 {
		t.Errorf("handled %q", cs.list())
	}
}

// TestControlMaxFrameCapped: with control frames, no application frame
// may have a header that starts with 0xFF.
func TestControlMaxFrameCapped(t *testing.T) {
	x, y := unixPair(t)
	c := frame.New(x, frame.MaxFrame(1<<32-1), frame.WithControl(func(byte, []byte) {}))
	defer c.Close()
	defer y.Close()
	// A header of 0xFF000000 would read as a control frame: the frame
	// is refused as too large instead. Nothing that size is allocated:
	// the check comes first, and the slice is untouched address space.
	big, err := unix.Mmap(-1, 0, 0xFF000000, unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	if err != nil {
		t.Skipf("no 4 GiB of address space to map: %v", err)
	}
	defer unix.Munmap(big)
	if err := c.Write(big); !errors.Is(err, frame.ErrTooLarge) {
		t.Errorf("Write of 0xFF000000 bytes: %v, want ErrTooLarge", err)
	}
}

// TestWatchControlWhileNoOneReads: WatchControl hands on control frames
// while the application reads nothing; it stops at an application frame,
// which the next Read gets whole, and goes on after it.
func TestWatchControlWhileNoOneReads(t *testing.T) {
	a, b, cs := controlPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.WatchControl(ctx) }()
	ctl := func(s string) {
		if err := a.WriteControl(context.Background(), 'k', []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	ctl("1")
	ctl("2")
	cs.wait(t, 2, 5*time.Second)
	a.Write([]byte("app"))
	ctl("3") // behind an application frame no one reads: it waits
	time.Sleep(100 * time.Millisecond)
	if got := cs.list(); len(got) != 2 {
		t.Fatalf("control frames %q: the one behind an unread frame was taken", got)
	}
	if p, err := b.Read(); err != nil || string(p) != "app" {
		t.Fatalf("Read: %q, %v", p, err)
	}
	cs.wait(t, 1, 5*time.Second) // once the frame is read, the watcher goes on
	ctl("4")
	cs.wait(t, 1, 5*time.Second)
	if got := fmt.Sprint(cs.list()); got != "[k:1 k:2 k:3 k:4]" {
		t.Errorf("control frames %s", got)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("WatchControl returned %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WatchControl did not return after its context ended")
	}
	again, stop := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer stop()
	if err := b.WatchControl(again); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a second WatchControl after the first returned: %v, want to run until its context ends", err)
	}
}

// TestWatchControlWithReaderBlocked: while a Read waits, the Read handles
// control frames; the watcher does not spin meanwhile.
func TestWatchControlWithReaderBlocked(t *testing.T) {
	a, b, cs := controlPair(t)
	watchUntilEnd(t, b)
	read := make(chan string, 1)
	go func() {
		p, err := b.Read()
		read <- fmt.Sprintf("%s %v", p, err)
	}()
	for i := range 50 {
		a.WriteControl(context.Background(), 'h', []byte{byte(i)})
	}
	cs.wait(t, 50, 5*time.Second)
	before := cpuTime(t)
	time.Sleep(200 * time.Millisecond)
	if used := cpuTime(t) - before; used > 50*time.Millisecond {
		t.Errorf("%v of CPU in 200ms with a Read waiting and nothing arriving", used)
	}
	a.Write([]byte("x"))
	if got := <-read; got != "x <nil>" {
		t.Errorf("Read: %s", got)
	}
}

// TestWatchControlClose: Close ends WatchControl and the connection at
// once, for the peer too, leaving no descriptor or goroutine.
func TestWatchControlClose(t *testing.T) {
	fds, goroutines := testenv.FDs(t), runtime.NumGoroutine()
	x, y := unixPair(t)
	a := frame.New(x, frame.WithControl(func(byte, []byte) {}))
	peer := frame.New(y)
	done := make(chan error, 1)
	go func() { done <- a.WatchControl(context.Background()) }()
	time.Sleep(20 * time.Millisecond)
	a.Close()
	select {
	case err := <-done:
		if !errors.Is(err, frame.ErrClosed) {
			t.Errorf("WatchControl after Close: %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WatchControl did not return after Close")
	}
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := peer.Read(); !errors.Is(err, io.EOF) {
		t.Errorf("the peer read %v after Close, want io.EOF", err)
	}
	peer.Close()
	testenv.WaitFDs(t, 5*time.Second, fds)
	for end := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > goroutines; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("%d goroutines, want %d", runtime.NumGoroutine(), goroutines)
		}
	}
}

// TestControlWithClient: a Client and Serve pair keeps its answers right
// while control frames flow both ways on the same Conns, handled by the
// readers and by WatchControl.
func TestControlWithClient(t *testing.T) {
	var toServer, toClient sync.WaitGroup
	x, y := unixPair(t)
	cc := frame.New(x, frame.WithControl(func(byte, []byte) { toClient.Done() }))
	sc := frame.New(y, frame.WithControl(func(byte, []byte) { toServer.Done() }))
	defer cc.Close()
	defer sc.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watchUntilEnd(t, cc)
	watchUntilEnd(t, sc)
	go frame.Serve(ctx, sc, frame.String{}, frame.String{}, func(_ context.Context, s string) (string, error) {
		return s + "!", nil
	})
	cl := frame.NewClient(cc, frame.String{}, frame.String{})
	const n = 2000
	toServer.Add(n)
	toClient.Add(n)
	go func() {
		for i := range n {
			cc.WriteControl(ctx, 'p', []byte{byte(i)})
			sc.WriteControl(ctx, 'q', []byte{byte(i)})
		}
	}()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 500 {
				s := strconv.Itoa(g*1000 + i)
				got, err := cl.Call(ctx, s)
				if err != nil || got != s+"!" {
					t.Errorf("Call(%s) = %q, %v", s, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
	waited := make(chan struct{})
	go func() { toServer.Wait(); toClient.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("not every control frame arrived")
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestTakeControlAfterPeerLeft: the control frames a peer sent just
// before it closed are taken at once, up to its first application frame,
// which Read still returns.
func TestTakeControlAfterPeerLeft(t *testing.T) {
	a, b, cs := controlPair(t)
	a.WriteControl(context.Background(), 'R', nil)
	a.WriteControl(context.Background(), 'x', []byte("1"))
	a.Write([]byte("app"))
	a.WriteControl(context.Background(), 'y', []byte("behind"))
	a.Close()
	if err := b.TakeControl(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(cs.list()); got != "[R: x:1]" {
		t.Errorf("taken %s, want the two before the application frame", got)
	}
	if p, err := b.Read(); err != nil || string(p) != "app" {
		t.Errorf("Read: %q, %v", p, err)
	}
	if _, err := b.Read(); !errors.Is(err, io.EOF) {
		t.Errorf("Read at the end: %v", err)
	}
	if got := fmt.Sprint(cs.list()); got != "[R: x:1 y:behind]" {
		t.Errorf("after the reads: %s", got)
	}
}

// TestUnread: Unread tells whether anything the peer sent is still to be
// read, in the socket or in the read buffer.
func TestUnread(t *testing.T) {
	a, b, _ := controlPair(t)
	if b.Unread() {
		t.Error("Unread with nothing sent")
	}
	a.WriteBatch([]byte("one"), []byte("two"))
	for end := time.Now().Add(5 * time.Second); !b.Unread(); time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("Unread stayed false with two frames sent")
		}
	}
	b.Read() // both frames come in with one read: one stays buffered
	if !b.Unread() {
		t.Error("Unread false with a frame in the read buffer")
	}
	b.Read()
	if b.Unread() {
		t.Error("Unread true once every frame was read")
	}
	a.Close()
	b.Read() // EOF
	if b.Unread() {
		t.Error("Unread true at the end of the stream")
	}
}

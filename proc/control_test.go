package proc

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

// sockPath returns a short socket path in a fresh directory: t.TempDir's
// paths can pass the 108-byte limit of unix socket names.
func sockPath(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "rc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "s")
}

// echoControl answers "re:" and the request.
func echoControl(ctx context.Context, peer ControlPeer, req []byte) ([]byte, error) {
	return append([]byte("re:"), req...), nil
}

// startControl runs ControlSocket at path until the returned stop is
// called (or the test ends), and returns once the socket answers.
func startControl(t testing.TB, path string, h ControlHandler, opts ControlOptions) func() error {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = discardLogger()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ControlSocket(ctx, path, h, opts) }()
	var once sync.Once
	var err error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Error("ControlSocket did not return within 5s of cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("ControlSocket returned at start: %v", err)
		default:
		}
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return stop
		}
		if time.Now().After(end) {
			t.Fatal("the control socket does not answer")
		}
	}
}

// dialControl connects a frame client to the control socket at path.
func dialControl(t testing.TB, path string) *frame.Conn {
	t.Helper()
	nc, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	c := frame.New(nc)
	t.Cleanup(func() { c.Close() })
	return c
}

// call sends req on c and returns the response.
func call(c *frame.Conn, req string) (string, error) {
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if err := c.Write([]byte(req)); err != nil {
		return "", err
	}
	p, err := c.Read()
	return string(p), err
}

// closedByServer reads nc until the server closes it and returns how many
// bytes came; it fails the test if that takes longer than d.
func closedByServer(t testing.TB, nc net.Conn, d time.Duration) int {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(d))
	n, err := io.Copy(io.Discard, nc)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the server did not close the connection within %v", d)
	}
	return int(n) // a reset (unread bytes at close) counts as closed too
}

func TestControlRoundTrip(t *testing.T) {
	path := sockPath(t)
	var mu sync.Mutex
	var got ControlPeer
	h := func(ctx context.Context, peer ControlPeer, req []byte) ([]byte, error) {
		mu.Lock()
		got = peer
		mu.Unlock()
		if string(req) == "nil" {
			return nil, nil
		}
		return echoControl(ctx, peer, req)
	}
	stop := startControl(t, path, h, ControlOptions{})
	c := dialControl(t, path)
	for _, tc := range []struct{ req, want string }{
		{"hello", "re:hello"}, {"", "re:"}, {"nil", ""},
	} {
		if resp, err := call(c, tc.req); err != nil || resp != tc.want {
			t.Errorf("call(%q) = %q, %v; want %q", tc.req, resp, err, tc.want)
		}
	}
	want := ControlPeer{UID: os.Geteuid(), GID: os.Getegid(), PID: os.Getpid()}
	mu.Lock()
	defer mu.Unlock()
	if got != want {
		t.Errorf("peer %+v, want %+v", got, want)
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("ControlSocket returned %v, want context.Canceled", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the socket file is still there after return: %v", err)
	}
}

func TestControlConcurrentClients(t *testing.T) {
	path := sockPath(t)
	startControl(t, path, echoControl, ControlOptions{})
	var wg sync.WaitGroup
	for i := range 16 {
		c := dialControl(t, path)
		wg.Go(func() {
			for j := range 50 {
				req := fmt.Sprintf("%d/%d", i, j)
				if resp, err := call(c, req); err != nil || resp != "re:"+req {
					t.Errorf("call(%q) = %q, %v", req, resp, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// healthyClient calls the socket every 10ms until stop is closed and
// reports its errors and worst latency.
func healthyClient(t *testing.T, path string, stop <-chan struct{}) (errs *atomic.Int32, worst *atomic.Int64, done *sync.WaitGroup) {
	c := dialControl(t, path)
	errs, worst, done = new(atomic.Int32), new(atomic.Int64), new(sync.WaitGroup)
	done.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			start := time.Now()
			req := fmt.Sprint("ping", i)
			if resp, err := call(c, req); err != nil || resp != "re:"+req {
				errs.Add(1)
				t.Errorf("healthy client: %q, %v", resp, err)
				return
			}
			if d := int64(time.Since(start)); d > worst.Load() {
				worst.Store(d)
			}
		}
	})
	return errs, worst, done
}

func TestControlIdleAndSlowClientsClosed(t *testing.T) {
	path := sockPath(t)
	const idle = 300 * time.Millisecond
	startControl(t, path, echoControl, ControlOptions{IdleTimeout: idle})
	stopHealthy := make(chan struct{})
	errs, worst, done := healthyClient(t, path, stopHealthy)

	idleConn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer idleConn.Close()
	slow, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	start := time.Now()
	go func() { // slow loris: one byte of a 1 KiB frame every 50ms
		msg := append(binary.BigEndian.AppendUint32(nil, 1024), make([]byte, 1024)...)
		for _, b := range msg {
			if _, err := slow.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	for name, nc := range map[string]net.Conn{"idle": idleConn, "slow": slow} {
		wg.Go(func() {
			closedByServer(t, nc, 3*time.Second)
			if d := time.Since(start); d < idle*8/10 || d > idle+time.Second {
				t.Errorf("the %s client was closed after %v; IdleTimeout is %v", name, d, idle)
			}
		})
	}
	wg.Wait()
	close(stopHealthy)
	done.Wait()
	if errs.Load() != 0 {
		t.Errorf("the healthy client had %d errors", errs.Load())
	}
	// The flood tests hold the healthy client to p99 < 100 ms; here, with
	// idle and slow clients, the bar is generous, for a loaded 2-core
	// machine under -race, and the figure is logged.
	t.Logf(`{"test":"healthy control client","figures":{"worst_ms":%d}}`, time.Duration(worst.Load()).Milliseconds())
	if w := time.Duration(worst.Load()); w > time.Second {
		t.Errorf("the healthy client waited up to %v", w)
	}
}

func TestControlHandlerErrorAndPanic(t *testing.T) {
	path := sockPath(t)
	h := func(ctx context.Context, peer ControlPeer, req []byte) ([]byte, error) {
		switch string(req) {
		case "fail":
			return nil, errors.New("refused")
		case "panic":
			panic("boom")
		}
		return echoControl(ctx, peer, req)
	}
	startControl(t, path, h, ControlOptions{})
	healthy := dialControl(t, path)
	for _, req := range []string{"fail", "panic"} {
		c := dialControl(t, path)
		if resp, err := call(c, "ok"); err != nil || resp != "re:ok" {
			t.Fatalf("before %s: %q, %v", req, resp, err)
		}
		if resp, err := call(c, req); err == nil {
			t.Errorf("%s: got %q, want the connection closed", req, resp)
		}
		if resp, err := call(healthy, "still"); err != nil || resp != "re:still" {
			t.Errorf("after %s, another client got %q, %v", req, resp, err)
		}
	}
}

func TestControlMaxConns(t *testing.T) {
	path := sockPath(t)
	startControl(t, path, echoControl, ControlOptions{MaxConns: 2})
	// Fill both slots; the probe of startControl may hold one for a moment.
	for held, end := 0, time.Now().Add(2*time.Second); held < 2; {
		if _, err := call(dialControl(t, path), "x"); err == nil {
			held++
		} else if time.Now().After(end) {
			t.Fatalf("only %d connections served: %v", held, err)
		}
	}
	extra, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	if n := closedByServer(t, extra, DefaultSlotWait+2*time.Second); n != 0 { // after waiting for a slot
		t.Errorf("the connection past MaxConns got %d bytes", n)
	}
}

func TestControlShutdownClosesClients(t *testing.T) {
	path := sockPath(t)
	stop := startControl(t, path, echoControl, ControlOptions{})
	var conns []net.Conn
	for range 4 {
		c := dialControl(t, path)
		if _, err := call(c, "x"); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c.NetConn())
	}
	goroutines := goroutineBaseline()
	start := time.Now()
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("ControlSocket returned %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("shutdown took %v", d)
	}
	for _, nc := range conns {
		closedByServer(t, nc, time.Second)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the socket file is still there: %v", err)
	}
	waitFor(t, 2*time.Second, func() bool { return runtime.NumGoroutine() < goroutines })
}

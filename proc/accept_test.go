package proc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// runAccept runs AcceptLoop on a fresh loopback listener and returns its
// address and a stop function that cancels it and returns its error.
func runAccept(t *testing.T, handler func(context.Context, net.Conn), opts AcceptOptions) (string, func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln.Addr().String(), startAccept(t, ln, handler, opts)
}

// startAccept runs AcceptLoop on ln; the returned stop cancels it and
// returns its error. Cleanup stops it too.
func startAccept(t *testing.T, ln net.Listener, handler func(context.Context, net.Conn), opts AcceptOptions) func() error {
	t.Helper()
	return runInBackground(t, "AcceptLoop", func(ctx context.Context) error { return AcceptLoop(ctx, ln, handler, opts) })
}

// runInBackground runs run until the returned stop (or the test's end)
// cancels its context, and returns its error; it fails the test if run
// does not return within 5 s of the cancel.
func runInBackground(t *testing.T, what string, run func(context.Context) error) func() error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	var once sync.Once
	var err error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Errorf("%s did not return within 5s of cancel", what)
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// echoLine answers each line with the same line.
func echoLine(ctx context.Context, c net.Conn) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if _, err := io.WriteString(c, line); err != nil {
			return
		}
	}
}

// roundTrip sends a line on c and reads it back.
func roundTrip(t *testing.T, c net.Conn, r *bufio.Reader, msg string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c, msg+"\n"); err != nil {
		t.Fatal(err)
	}
	got, err := r.ReadString('\n')
	if err != nil || got != msg+"\n" {
		t.Fatalf("echo of %q: %q, %v", msg, got, err)
	}
}

// expectClosed checks that the server closes c within d, sending nothing.
func expectClosed(t *testing.T, c net.Conn, d time.Duration) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("connection not closed within %v: %v", d, err)
	}
	if len(b) != 0 {
		t.Fatalf("closed connection sent %q", b)
	}
}

func TestAcceptLoopConcurrentClients(t *testing.T) {
	addr, stop := runAccept(t, echoLine, AcceptOptions{})
	const clients, msgs = 16, 20
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			r := bufio.NewReader(c)
			for j := range msgs {
				c.SetDeadline(time.Now().Add(2 * time.Second))
				msg := strings.Repeat("x", i+j) + "\n"
				if _, err := io.WriteString(c, msg); err != nil {
					t.Error(err)
					return
				}
				if got, err := r.ReadString('\n'); err != nil || got != msg {
					t.Errorf("client %d: %q, %v", i, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("AcceptLoop returned %v, want context.Canceled", err)
	}
}

func TestAcceptLoopTimeout(t *testing.T) {
	ctxErr := make(chan error, 1)
	handler := func(ctx context.Context, c net.Conn) {
		io.Copy(io.Discard, c) // until the loop closes c
		<-ctx.Done()
		ctxErr <- ctx.Err()
	}
	addr, _ := runAccept(t, handler, AcceptOptions{Timeout: 200 * time.Millisecond})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	expectClosed(t, c, 2*time.Second)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("closed after %v, before the 200ms timeout", d)
	}
	if err := <-ctxErr; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the handler's ctx ended with %v, want DeadlineExceeded", err)
	}
}

func TestAcceptLoopPanicContained(t *testing.T) {
	var logBuf syncBuffer
	logger := slog.New(slog.NewTextHandler(&logBuf, nil))
	handler := func(ctx context.Context, c net.Conn) {
		r := bufio.NewReader(c)
		line, _ := r.ReadString('\n')
		if line == "panic\n" {
			panic("boom")
		}
		io.WriteString(c, line)
	}
	addr, _ := runAccept(t, handler, AcceptOptions{Logger: logger})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "panic\n")
	expectClosed(t, c, 2*time.Second)
	// The loop goes on serving.
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	roundTrip(t, c2, bufio.NewReader(c2), "still here")
	for _, want := range []string{`msg="handler panicked"`, "component=accept", "panic=boom", "stack="} {
		if !strings.Contains(logBuf.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logBuf.String())
		}
	}
}

func TestAcceptLoopMaxConns(t *testing.T) {
	release := make(chan struct{})
	var running atomic.Int32
	handler := func(ctx context.Context, c net.Conn) {
		running.Add(1)
		defer running.Add(-1)
		io.WriteString(c, "hi\n")
		select {
		case <-release:
		case <-ctx.Done():
		}
	}
	addr, _ := runAccept(t, handler, AcceptOptions{MaxConns: 2, Logger: discardLogger()})
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	expectClosed(t, extra, DefaultSlotWait+2*time.Second) // after waiting for a slot
	if n := running.Load(); n != 2 {
		t.Errorf("%d handlers running, want 2", n)
	}
	close(release)
	waitFor(t, 2*time.Second, func() bool { return running.Load() == 0 })
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
		t.Fatalf("served no more after the cap freed up: %v", err)
	}
}

// flakyListener fails its first n Accepts with err, recording when each
// Accept was called.
type flakyListener struct {
	net.Listener
	mu    sync.Mutex
	n     int
	err   error
	calls []time.Time
}

func (l *flakyListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	l.calls = append(l.calls, time.Now())
	fail := l.n > 0
	l.n--
	l.mu.Unlock()
	if fail {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: l.err}
	}
	return l.Listener.Accept()
}

func TestAcceptLoopPausesOnEMFILE(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE} {
		t.Run(errno.Error(), func(t *testing.T) {
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ln := &flakyListener{Listener: inner, n: 5, err: errno}
			const pause = 30 * time.Millisecond
			start := time.Now()
			startAccept(t, ln, echoLine, AcceptOptions{Pause: pause, Logger: discardLogger()})
			c, err := net.Dial("tcp", inner.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			roundTrip(t, c, bufio.NewReader(c), "after the pause")
			if d := time.Since(start); d < 5*pause {
				t.Errorf("served after %v: five failures should pause %v", d, 5*pause)
			}
			ln.mu.Lock()
			defer ln.mu.Unlock()
			for i := 1; i < 6 && i < len(ln.calls); i++ {
				if gap := ln.calls[i].Sub(ln.calls[i-1]); gap < pause*9/10 {
					t.Errorf("accept %d came %v after a failure: no pause", i, gap)
				}
			}
		})
	}
}

func TestAcceptLoopShutdown(t *testing.T) {
	started := make(chan struct{}, 4)
	var finished atomic.Int32
	handler := func(ctx context.Context, c net.Conn) {
		started <- struct{}{}
		<-ctx.Done()
		time.Sleep(50 * time.Millisecond) // the loop must wait for this
		finished.Add(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr, stop := ln.Addr().String(), startAccept(t, ln, handler, AcceptOptions{Timeout: -1})
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		<-started
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("AcceptLoop returned %v, want context.Canceled", err)
	}
	if n := finished.Load(); n != 3 {
		t.Errorf("AcceptLoop returned with %d of 3 handlers finished", n)
	}
	// Not a dial: another test may listen on the port once it is free.
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept on the listener after shutdown: %v, want net.ErrClosed", err)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// discardLogger drops everything, for tests that provoke warnings.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("condition not met within %v", d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitGoroutines waits up to d for the number of goroutines to fall back to
// at most n, and fails the test with every goroutine's stack if it does not.
func waitGoroutines(t *testing.T, d time.Duration, n int) {
	t.Helper()
	for end := time.Now().Add(d); runtime.NumGoroutine() > n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines %v later, want at most %d:\n%s", runtime.NumGoroutine(), d, n, buf)
		}
	}
}

// goroutineBaseline is the number of goroutines to come back to after a
// test, once os/signal's goroutine exists: the package starts it at the
// first signal.Notify (a Master's) and keeps it, which is no leak of the
// test that came first.
func goroutineBaseline() int {
	startSignalLoop()
	return runtime.NumGoroutine()
}

var startSignalLoop = sync.OnceFunc(func() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGWINCH)
	signal.Stop(ch)
})

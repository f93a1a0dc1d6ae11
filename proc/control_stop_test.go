package proc

import (
	"context"
	"errors"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/release-daemon/release/internal/testenv"
)

// bigResponse is the size of the answer a client never reads.
const bigResponse = 4 << 20

// bigOrStop answers "big" with bigResponse bytes (telling bigAsked), and
// "stop" by calling stop (telling when) and then answering "stopping".
func bigOrStop(stop context.CancelFunc, bigAsked chan<- struct{}, stopped chan<- time.Time) ControlHandler {
	return func(ctx context.Context, peer ControlPeer, req []byte) ([]byte, error) {
		switch string(req) {
		case "big":
			bigAsked <- struct{}{}
			return make([]byte, bigResponse), nil
		case "stop":
			stopped <- time.Now()
			stop()
			return []byte("stopping"), nil
		}
		return echoControl(ctx, peer, req)
	}
}

// TestControlStopWithClientNotReading: a control client asks for a big
// answer and never reads it; another asks for the stop. The stop gets its
// answer, and ControlSocket, or the Master serving it, returns within its
// bound whatever the first client does, leaving no goroutine or fd behind.
func TestControlStopWithClientNotReading(t *testing.T) {
	// MaxFrame bounds responses as well as requests.
	opts := ControlOptions{MaxFrame: 2 * bigResponse, Logger: discardLogger()}
	t.Run("ControlSocket", func(t *testing.T) {
		stopWithHog(t, DefaultStopGrace+stopBound, func(ctx context.Context, path string, h ControlHandler) error {
			return ControlSocket(ctx, path, h, opts)
		})
	})
	t.Run("Master", func(t *testing.T) {
		const grace = time.Second
		pids := make(chan int, 1)
		stopWithHog(t, grace+time.Second, func(ctx context.Context, path string, h ControlHandler) error {
			m := &Master{Workers: []Worker{testWorker(t, "worker-upper", 1, upperHandler(pids))},
				StopGrace: grace, Logger: quietLogger(), Control: Control{Path: path, Handler: h, Options: opts}}
			return m.Run(ctx)
		})
	})
}

// stopWithHog runs serve with a bigOrStop handler, a client that asks for
// the big answer and never reads, and another that asks for the stop; serve
// must return within bound of the stop.
func stopWithHog(t *testing.T, bound time.Duration, serve func(ctx context.Context, path string, h ControlHandler) error) {
	goroutines, fds := goroutineBaseline(), testenv.FDs(t)
	path := sockPath(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bigAsked, stopped := make(chan struct{}, 1), make(chan time.Time, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, path, bigOrStop(cancel, bigAsked, stopped)) }()
	waitConnectable(t, path, done)

	hog := dialControl(t, path)
	if err := hog.Write([]byte("big")); err != nil {
		t.Fatal(err)
	}
	<-bigAsked
	time.Sleep(50 * time.Millisecond) // the socket buffers fill up
	asker := dialControl(t, path)
	resp, err := call(asker, "stop")
	if err != nil || resp != "stopping" {
		t.Errorf("the stop request got %q, %v: want its answer", resp, err)
	}
	var took time.Duration
	select {
	case err = <-done:
		took = time.Since(<-stopped)
	case <-time.After(bound + 5*time.Second):
		hog.Close()
		t.Fatalf("still running %v after the stop, with a client not reading", bound+5*time.Second)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("returned %v after the stop", err)
	}
	if took > bound {
		t.Errorf("returned %v after the stop; the bound is %v", took, bound)
	}
	hog.Close()
	asker.Close()
	waitGoroutines(t, 5*time.Second, goroutines)
	testenv.WaitFDs(t, 5*time.Second, fds)
	t.Logf("returned %v (%v) %v after the stop (bound %v), goroutine delta %d, no new fd",
		err, resp, took, bound, runtime.NumGoroutine()-goroutines)
}

// waitConnectable waits until something accepts connections at path,
// failing the test if the server returns first (done) or 5s pass.
func waitConnectable(t *testing.T, path string, done <-chan error) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("the server returned at start: %v", err)
		default:
		}
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return
		}
		if time.Now().After(end) {
			t.Fatal("the control socket does not answer")
		}
	}
}

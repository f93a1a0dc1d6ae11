package proc

import (
	"context"
	"errors"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/release-daemon/release/internal/testenv"
)

// stopBound is how long past its grace a stop may take in the tests: a
// generous margin for a loaded 2-core machine under -race.
const stopBound = 2 * time.Second

// writeForever writes to c until a write fails for another reason than its
// deadline, pushing the deadline an hour away before each write: a handler
// that would outlast any write deadline the loop set.
func writeForever(ctx context.Context, c net.Conn) {
	buf := make([]byte, 1<<20)
	for {
		c.SetWriteDeadline(time.Now().Add(time.Hour))
		if _, err := c.Write(buf); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
	}
}

// TestAcceptLoopStopWithClientNotReading: a handler blocked writing to a
// client that never reads does not hold up the stop past StopGrace.
func TestAcceptLoopStopWithClientNotReading(t *testing.T) {
	handlers := map[string]func(context.Context, net.Conn){
		"one large write":      func(ctx context.Context, c net.Conn) { c.Write(make([]byte, 64<<20)) },
		"deadline pushed back": writeForever,
	}
	for name, handler := range handlers {
		for _, grace := range []time.Duration{0, 200 * time.Millisecond} {
			t.Run(name+"/grace="+grace.String(), func(t *testing.T) {
				stopWhileWriting(t, handler, grace)
			})
		}
	}
}

// stopWhileWriting runs AcceptLoop with handler and a client that never
// reads, stops it and checks it returns within grace plus stopBound,
// leaving no goroutine or fd behind.
func stopWhileWriting(t *testing.T, handler func(context.Context, net.Conn), grace time.Duration) {
	goroutines, fds := goroutineBaseline(), testenv.FDs(t)
	ln, err := net.Listen("unix", sockPath(t))
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{}, 1)
	stop := startAccept(t, ln, func(ctx context.Context, c net.Conn) {
		started <- struct{}{}
		handler(ctx, c)
	}, AcceptOptions{StopGrace: grace, Logger: discardLogger()})
	c, err := net.Dial("unix", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	<-started
	time.Sleep(50 * time.Millisecond) // the socket buffers fill up
	start := time.Now()
	err = stop()
	took := time.Since(start)
	want := max(grace, 0)
	if grace == 0 {
		want = DefaultStopGrace
	}
	if !errors.Is(err, context.Canceled) || took < want*8/10 || took > want+stopBound {
		t.Errorf("AcceptLoop returned %v after %v; StopGrace is %v", err, took, want)
	}
	c.Close()
	waitGoroutines(t, 2*time.Second, goroutines)
	testenv.WaitFDs(t, 2*time.Second, fds)
	t.Logf("stopped in %v (StopGrace %v), goroutine delta %d, no new fd",
		took, want, runtime.NumGoroutine()-goroutines)
}

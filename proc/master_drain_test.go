package proc

import (
	"context"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

func init() { helpers["worker-say-and-exit"] = helperWorkerSayAndExit }

// helperWorkerSayAndExit says it is ready, writes RELEASE_TEST_FRAMES
// frames and exits at once.
func helperWorkerSayAndExit() int {
	n, _ := strconv.Atoi(os.Getenv("RELEASE_TEST_FRAMES"))
	Me(context.Background(), MeOptions{AllowRoot: true, Logger: quietLogger()}, func(ctx context.Context, c *frame.Conn) error {
		Ready()
		for i := range n {
			c.Write([]byte(strconv.Itoa(i)))
		}
		return nil
	})
	return 0
}

// TestLastFramesOfAnExitingWorker: what a worker wrote just before it
// exited reaches its Handler, even one slower than the worker: the Master
// does not close the connection under a Handler still reading it.
func TestLastFramesOfAnExitingWorker(t *testing.T) {
	const workers, frames = 20, 50
	var got atomic.Int64
	log := newEventLog()
	w := testWorker(t, "worker-say-and-exit", workers, func(ctx context.Context, p Peer) error {
		for {
			if _, err := p.Conn.Read(); err != nil {
				return nil
			}
			got.Add(1)
			time.Sleep(time.Millisecond) // a handler with work to do per frame
		}
	})
	w.Restart = Temporary
	w.Env = append(w.Env, "RELEASE_TEST_FRAMES="+strconv.Itoa(frames))
	m := &Master{Workers: []Worker{w}, Events: log.record, Logger: quietLogger()}
	m.Main = func(ctx context.Context, _ func() []Peer) error {
		log.waitFor(t, 30*time.Second, workers, "every exit", func(e Event) bool { return e.Kind == Exited })
		return nil
	}
	if err := m.Run(t.Context()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got.Load() != workers*frames {
		t.Errorf("the handlers read %d frames of the %d the workers wrote before exiting", got.Load(), workers*frames)
	}
	t.Logf("%d of %d frames written just before exit were read", got.Load(), workers*frames)
}

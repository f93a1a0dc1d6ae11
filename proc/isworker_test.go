package proc_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/proc"
)

func init() {
	proc.AddHelper("sum-worker", func() int {
		if !proc.IsWorker() {
			return 3
		}
		sumWorker(context.Background(), proc.MeOptions{AllowRoot: true})
		return 0
	})
	proc.AddHelper("isworker-after-me", func() int {
		before := proc.IsWorker()
		proc.Me(context.Background(), proc.MeOptions{AllowRoot: true}, func(ctx context.Context, c *frame.Conn) error {
			proc.Ready()
			report := fmt.Sprintf("before Me %v, after %v, marker %q", before, proc.IsWorker(), os.Getenv("RELEASE_WORKER_FD"))
			if err := c.Write([]byte(report)); err != nil {
				return err
			}
			_, err := c.Read() // until the master stops
			return err
		})
		return 0
	})
}

// TestMasterAndWorkerInOneBinary runs ExampleIsWorker's master and worker
// for real: this test binary is the master, and is started again as each
// worker, where IsWorker holds.
func TestMasterAndWorkerInOneBinary(t *testing.T) {
	if proc.IsWorker() {
		t.Fatal("IsWorker in a process no Master started")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	w := proc.Worker{Name: "summer", Path: exe, Args: []string{"-test.run=^$"}, Count: 2,
		Env: []string{proc.HelperEnv + "=sum-worker", "GORACE=atexit_sleep_ms=0"}}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var out strings.Builder
	start := time.Now()
	if err := sumMaster(ctx, w, &out); err != nil {
		t.Fatalf("the master: %v; printed %q", err, out.String())
	}
	want := strings.Repeat("a worker says 1+2+3+4 = 10\n", 2)
	if out.String() != want {
		t.Fatalf("the master printed %q, want %q", out.String(), want)
	}
	t.Logf("2/2 workers answered, master done in %v", time.Since(start).Round(time.Millisecond))
}

// TestIsWorkerAfterMe: in a worker, IsWorker holds before Me and still
// once Me has removed the marker from the environment.
func TestIsWorkerAfterMe(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	reports := make(chan string, 1) // the first worker's only
	w := proc.Worker{Name: "isworker", Path: exe, Args: []string{"-test.run=^$"},
		Env: []string{proc.HelperEnv + "=isworker-after-me", "GORACE=atexit_sleep_ms=0"},
		Handler: func(ctx context.Context, p proc.Peer) error {
			b, err := p.Conn.ReadCopy()
			if err != nil {
				return err
			}
			select {
			case reports <- string(b):
			default:
			}
			<-ctx.Done()
			return nil
		}}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var got string
	m := &proc.Master{Workers: []proc.Worker{w}, Logger: slog.New(slog.DiscardHandler),
		Main: func(ctx context.Context, _ func() []proc.Peer) error {
			select {
			case got = <-reports:
				return nil
			case <-ctx.Done():
				return fmt.Errorf("the worker sent no report within 30 s: %w", ctx.Err())
			}
		}}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if want := `before Me true, after true, marker ""`; got != want {
		t.Fatalf("the worker reported %q, want %q", got, want)
	}
	t.Logf("worker: %s", got)
}

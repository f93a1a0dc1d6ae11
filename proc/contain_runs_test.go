package proc

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestTwoRunsInOneProcess: two Masters running at once in one process
// each keep their own cgroup directory and workers; the first to stop
// leaves the other's worker alone, and the process stays a subreaper
// until the last one returns.
func TestTwoRunsInOneProcess(t *testing.T) {
	pidsA, pidsB := make(chan int, 1), make(chan int, 1)
	stopA, _ := runMaster(t, &Master{Workers: []Worker{testWorker(t, "worker-upper", 1, upperHandler(pidsA))}, Logger: quietLogger()})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- (&Master{Workers: []Worker{testWorker(t, "worker-upper", 1, upperHandler(pidsB))}, Logger: quietLogger()}).Run(ctx)
	}()
	waitPIDs(t, pidsA, 1)
	b := waitPIDs(t, pidsB, 1)[0]
	if err := stopA(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if !alive(b) {
		t.Fatalf("the second Master's worker %d died when the first Master stopped", b)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the second Master did not stop")
	}
	t.Logf("worker %d of the second Master outlived the first Master's stop", b)
}

// TestStaleRunsAreThoseNobodyLocks: a Run directory is stale when no live
// Run holds its lock, whatever PID its name carries (a master in another
// PID namespace may have a PID that means nothing here).
func TestStaleRunsAreThoseNobodyLocks(t *testing.T) {
	parent := t.TempDir()
	live, stale := filepath.Join(parent, "release.1-live"), filepath.Join(parent, "release.1-stale")
	for _, d := range []string{live, stale, live + "/w1", stale + "/w1"} {
		must(t, os.Mkdir(d, 0o755))
	}
	lock, err := lockDir(live)
	must(t, err)
	defer lock.Close()
	removeStaleRuns(parent)
	if _, err := os.Stat(live + "/w1"); err != nil {
		t.Errorf("a locked Run's directory was touched: %v", err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("an unlocked Run's directory is still there: %v", err)
	}
}

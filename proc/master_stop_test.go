package proc

import (
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestIntentionalStopsAreInfo: workers the Master stops on purpose, in a
// rolling restart (SIGHUP) and when Run ends, are logged at INFO as
// stopped, with the reason, and their Exited events carry it; a worker
// killed by someone else is still a warning with no reason.
func TestIntentionalStopsAreInfo(t *testing.T) {
	var logs syncBuffer
	var mu sync.Mutex
	var exits []Event
	pids := make(chan int, 8)
	m := &Master{Workers: []Worker{testWorker(t, "worker-upper", 2, upperHandler(pids))},
		HandleSignals: true, StopGrace: 2 * time.Second,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Events: func(e Event) {
			if e.Kind == Exited {
				mu.Lock()
				exits = append(exits, e)
				mu.Unlock()
			}
		}}
	stop, _ := runMaster(t, m)
	old := waitPIDs(t, pids, 2)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	fresh := waitPIDs(t, pids, 2)
	// The old workers go once their replacements are ready.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(exits)
		mu.Unlock()
		if n >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the old workers did not exit within 30 s of SIGHUP")
		}
	}
	syscall.Kill(fresh[0], syscall.SIGKILL) // not the master's doing
	waitPIDs(t, pids, 1)
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}

	var warns, reload, stopped, killed int
	for line := range strings.Lines(logs.String()) {
		switch {
		case strings.Contains(line, `msg="worker stopped"`) && strings.Contains(line, "reason=reload"):
			reload++
		case strings.Contains(line, `msg="worker stopped"`) && strings.Contains(line, "reason=stop"):
			stopped++
		case strings.Contains(line, `msg="worker killed by signal"`):
			killed++
		}
		if strings.Contains(line, "level=WARN") && !strings.Contains(line, "signal=killed") {
			t.Errorf("a warning for an intentional stop: %s", line)
			warns++
		}
	}
	if reload != 2 || stopped != 2 || killed != 1 {
		t.Errorf("INFO stopped lines: %d reload, %d stop; WARN killed lines: %d; want 2, 2, 1\n%s", reload, stopped, killed, logs.String())
	}
	mu.Lock()
	defer mu.Unlock()
	why := map[int]StopReason{}
	for _, e := range exits {
		why[e.PID] = e.Stop
	}
	for _, pid := range old {
		if why[pid] != StopReload {
			t.Errorf("worker %d, replaced by SIGHUP: Exited event with Stop %q, want %q", pid, why[pid], StopReload)
		}
	}
	if why[fresh[1]] != StopRun {
		t.Errorf("worker %d, live when Run ended: Exited event with Stop %q, want %q", fresh[1], why[fresh[1]], StopRun)
	}
	if why[fresh[0]] != StopNone {
		t.Errorf("worker %d, killed by the test: Exited event with Stop %q, want none", fresh[0], why[fresh[0]])
	}
	t.Logf("%d reload and %d stop lines at INFO, %d kill warned, %d exit events, %d unexpected warnings", reload, stopped, killed, len(exits), warns)
}

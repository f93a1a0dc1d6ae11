package proc

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestRestartBackoff: a worker that always fails is restarted after
// delays that double from Backoff up to MaxBackoff (FT-3, shortened), and
// each restart is an Event.
func TestRestartBackoff(t *testing.T) {
	var mu sync.Mutex
	var starts []time.Time
	var delays []time.Duration
	m := &Master{Workers: []Worker{testWorker(t, "worker-crash", 1, nil)}, Logger: quietLogger(),
		Restart: RestartPolicy{Burst: 6, Interval: time.Minute, Backoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond},
		Events: func(e Event) {
			mu.Lock()
			defer mu.Unlock()
			switch e.Kind {
			case Started:
				starts = append(starts, e.Time)
			case Restarting:
				delays = append(delays, e.Delay)
			}
		}}
	err := m.Run(t.Context())
	if !errors.Is(err, ErrRestartLimit) {
		t.Fatalf("Run = %v, want ErrRestartLimit after 7 deaths", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []time.Duration{50, 100, 200, 200, 200, 200}
	if len(delays) != len(want) || len(starts) != len(want)+1 {
		t.Fatalf("%d restarts announced, %d starts; want %d and %d", len(delays), len(starts), len(want), len(want)+1)
	}
	for i, d := range delays {
		gap := starts[i+1].Sub(starts[i])
		if d != want[i]*time.Millisecond || gap < d {
			t.Errorf("restart %d: delay %v, started %v after the last start; want a delay of %v",
				i, d, gap, want[i]*time.Millisecond)
		}
	}
}

// TestDoNotRestartCode: a worker exiting with the policy's DoNotRestart
// code stays down, and the Master keeps running.
func TestDoNotRestartCode(t *testing.T) {
	var mu sync.Mutex
	var kinds []EventKind
	m := &Master{Workers: []Worker{testWorker(t, "worker-exit2", 1, nil)}, Logger: quietLogger(),
		Restart: RestartPolicy{DoNotRestart: 2},
		Events: func(e Event) {
			mu.Lock()
			kinds = append(kinds, e.Kind)
			mu.Unlock()
		}}
	stop, done := runMaster(t, m)
	select {
	case err := <-done:
		t.Fatalf("the master stopped: %v", err)
	case <-time.After(time.Second):
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(kinds) != 2 || kinds[0] != Started || kinds[1] != Exited {
		t.Fatalf("events %v, want one start and one exit, no restart", kinds)
	}
}

// TestManySpawnsHoldOnlyTheirFDs: with 25 decoy fds opened without
// close-on-exec in the master, 200 workers started in 25 rounds of 8 each
// hold only 0-2 and their socket (TESTPLAN PV-6, with the master's own
// listeners left out).
func TestManySpawnsHoldOnlyTheirFDs(t *testing.T) {
	for range 25 {
		fd, err := unix.Open("/dev/null", unix.O_RDWR, 0) // no O_CLOEXEC
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
	}
	bad, spawned := 0, 0
	for round := range 25 {
		pids := make(chan int, 8)
		m := &Master{Workers: []Worker{testWorker(t, "worker-upper", 8, upperHandler(pids))}, Logger: quietLogger()}
		stop, _ := runMaster(t, m)
		for _, pid := range waitPIDs(t, pids, 8) {
			spawned++
			if extra := extraFDs(pid); len(extra) != 1 || !strings.Contains(extra[0], "socket:") {
				bad++
				t.Errorf("round %d: worker %d holds %v beyond 0-2", round, pid, extra)
			}
		}
		stop()
	}
	t.Logf(`{"test":"PV-6 no inherited fds","figures":{"clean":%d,"spawned":%d}}`, spawned-bad, spawned)
}

// extraFDs lists a process's fds above 2 that are not the Go runtime's.
func extraFDs(pid int) []string {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd/"
	ents, _ := os.ReadDir(dir)
	var extra []string
	for _, e := range ents {
		target, _ := os.Readlink(dir + e.Name())
		n, _ := strconv.Atoi(e.Name())
		if n > 2 && !strings.HasPrefix(target, "anon_inode:") && !strings.HasPrefix(target, "/sys/fs/cgroup/") {
			extra = append(extra, e.Name()+" -> "+target)
		}
	}
	return extra
}

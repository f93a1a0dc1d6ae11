package proc

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestDoNotRestartCode: a worker exiting with the policy's DoNotRestart
// code stays down, and the Master keeps running.
func TestDoNotRestartCode(t *testing.T) {
	var mu sync.Mutex
	var kinds []EventKind
	m := &Master{Workers: []Worker{testWorker(t, "worker-exit2", 1, nil)}, Logger: quietLogger(),
		Restart: RestartPolicy{DoNotRestart: 2},
		Events: func(e Event) {
			if e.Kind == WorkerReady { // it never reports: ready at once
				return
			}
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
// hold only 0-2 and their two sockets, the connection and the hand-over
// one (the master's own listeners are not looked at).
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
			if extra := extraFDs(pid); len(extra) != 2 || !strings.Contains(extra[0], "socket:") || !strings.Contains(extra[1], "socket:") {
				bad++
				t.Errorf("round %d: worker %d holds %v beyond 0-2", round, pid, extra)
			}
		}
		stop()
	}
	t.Logf(`{"test":"no inherited fds","figures":{"clean":%d,"spawned":%d}}`, spawned-bad, spawned)
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

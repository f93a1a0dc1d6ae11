package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// threadsResult is what the threads helper prints.
type threadsResult struct {
	Before  []int          // thread IDs before Apply
	Locked  []threadProbe  // one per goroutine locked to a thread after Apply
	Status  map[int]string // every thread's Seccomp and Seccomp_filters lines, after
	Report  string
	ApplyOK bool
}

// threadProbe is what one locked goroutine saw on its thread.
type threadProbe struct {
	TID          int
	OutsideErrno int    // opening the file outside the unveil
	InsideErrno  int    // opening the unveiled file
	Seccomp      string // the Seccomp lines of /proc/thread-self/status
}

// helperThreads records the threads, applies the spec, then locks more
// goroutines to threads than existed before (so that new threads start
// under the sandbox), and has each open a file outside the unveil and one
// inside; then it reads every thread's seccomp state.
func helperThreads() int {
	var res threadsResult
	res.Before = tids()
	res.Report = applyFromEnv().String()
	n := len(res.Before) + 4
	var wg sync.WaitGroup
	probes := make([]threadProbe, n)
	var all sync.WaitGroup
	all.Add(n)
	for i := range n {
		wg.Go(func() {
			runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
			all.Done()
			all.Wait() // every goroutine holds its own thread now
			probes[i] = threadProbe{
				TID:          unix.Gettid(),
				OutsideErrno: openErrno(os.Getenv("OUTSIDE")),
				InsideErrno:  openErrno(os.Getenv("INSIDE")),
				Seccomp:      seccompLines("/proc/thread-self/status"),
			}
		})
	}
	wg.Wait()
	res.Locked = probes
	res.Status = map[int]string{}
	for _, tid := range tids() {
		res.Status[tid] = seccompLines("/proc/self/task/" + strconv.Itoa(tid) + "/status")
	}
	return writeJSON(res)
}

// seccompLines returns the lines of a status file that start with Seccomp.
func seccompLines(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		return "read: " + err.Error()
	}
	var s string
	for line := range strings.Lines(string(b)) {
		if strings.HasPrefix(line, "Seccomp") {
			s += line
		}
	}
	return s
}

// tids lists the calling process's threads.
func tids() []int {
	ents, _ := os.ReadDir("/proc/self/task")
	var ids []int
	for _, e := range ents {
		if id, err := strconv.Atoi(e.Name()); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// openErrno opens name for reading and returns the errno, 0 on success.
func openErrno(name string) int {
	fd, err := unix.Open(name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return int(err.(syscall.Errno))
	}
	unix.Close(fd)
	return 0
}

// TestEveryThread applies a spec with an unveil, from the Spec and from
// its encoded Program (the shim's input), then checks that every
// thread of the process shows "Seccomp: 2" and one filter, and that
// goroutines locked to threads started after Apply are refused a file
// outside the unveil (EACCES) and can read the unveiled one. In a cgo
// build, where the Landlock part is refused with ErrThreads, it checks
// the seccomp part with a spec without unveil.
func TestEveryThread(t *testing.T) {
	t.Run("spec", func(t *testing.T) { testEveryThread(t) })
	t.Run("encoded", func(t *testing.T) { testEveryThread(t, "SANDBOX_TEST_BYTES=1") })
}

// testEveryThread is TestEveryThread with extra helper environment.
func testEveryThread(t *testing.T, env ...string) {
	dir := t.TempDir()
	inside, outside := filepath.Join(dir, "in", "file"), filepath.Join(dir, "outside")
	os.Mkdir(filepath.Dir(inside), 0o755)
	for _, f := range []string{inside, outside} {
		if err := os.WriteFile(f, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spec := "stdio rpath; unveil /proc r; unveil " + filepath.Dir(inside) + " r"
	if cgoBuild {
		spec = "stdio rpath"
	}
	r := runHelper(t, "threads", spec, append(env, "INSIDE="+inside, "OUTSIDE="+outside)...)
	if !r.status.Exited() || r.status.ExitStatus() != 0 {
		t.Fatalf("helper: %v", r)
	}
	var res threadsResult
	if err := json.Unmarshal(r.out, &res); err != nil {
		t.Fatalf("%v in %q", err, r.out)
	}
	fresh := 0
	for _, p := range res.Locked {
		if !slices.Contains(res.Before, p.TID) {
			fresh++
		}
		res.Status[p.TID] = p.Seccomp
		wantOutside := syscall.EACCES
		if cgoBuild {
			wantOutside = 0
		}
		if syscall.Errno(p.OutsideErrno) != wantOutside || p.InsideErrno != 0 {
			t.Errorf("thread %d: outside %v, inside %v; want %v and success", p.TID,
				syscall.Errno(p.OutsideErrno), syscall.Errno(p.InsideErrno), wantOutside)
		}
	}
	if fresh == 0 {
		t.Errorf("no locked goroutine ran on a thread started after Apply (before: %v)", res.Before)
	}
	// One filter more than this process has: a container's runtime (Docker's
	// default profile) may have put one on every process already.
	filters := fmt.Sprintf("Seccomp_filters:\t%d\n", outerFilters()+1)
	for tid, st := range res.Status {
		if !strings.Contains(st, "Seccomp:\t2\n") || !strings.Contains(st, filters) {
			t.Errorf("thread %d: %q", tid, st)
		}
	}
	t.Logf("%d threads before Apply, %d locked goroutines on %d threads started after it; %d threads seen, all in seccomp mode 2; %s",
		len(res.Before), len(res.Locked), fresh, len(res.Status), res.Report)
}

// outerFilters is how many seccomp filters this process is under, from
// its status; 0 if the kernel does not say.
func outerFilters() int {
	b, _ := os.ReadFile("/proc/self/status")
	for l := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(l, "Seccomp_filters:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

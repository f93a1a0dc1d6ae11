package proc

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/release-daemon/release/proc/sandbox"
	"golang.org/x/sys/unix"
)

// violation is one attempt of the proof list in a sandboxed worker: the
// command the worker runs, the system call it makes, and its result
// under "stdio" alone.
type violation struct {
	cmd, call string
	want      syscall.Errno
	event     bool // the master hears of it: a probe's ENOSYS stays silent
}

// violations are the proof list's attempts, made under "stdio": each one
// refused, each but io_uring_setup (a probe) reported.
var violations = []violation{
	{"open", "openat", unix.EACCES, true}, // no rpath: no path is visible at all
	{"socket", "socket", unix.EPERM, true},
	{"exec", "execve", unix.EPERM, true},
	{"ptrace", "ptrace", unix.EPERM, true},
	{"mount", "mount", unix.EPERM, true},
	{"unshare", "unshare", unix.EPERM, true},
	{"setns", "setns", unix.EPERM, true},
	{"bpf", "bpf", unix.EPERM, true},
	{"io_uring_setup", "io_uring_setup", unix.ENOSYS, false},
	{"userfaultfd", "userfaultfd", unix.EPERM, true},
	{"keyctl", "keyctl", unix.EPERM, true},
	{"perf_event_open", "perf_event_open", unix.EPERM, true},
	{"mprotect_exec", "mprotect", unix.EPERM, true},
}

// allowingSpec is a spec that lets every attempt but exec through the filter.
const allowingSpec = "stdio rpath inet prot_exec; allow ptrace mount unshare setns bpf io_uring_setup userfaultfd keyctl perf_event_open"

// violationAttempt makes the attempt cmd names; arg is a path, or a PID
// to ptrace.
func violationAttempt(cmd, arg string) error {
	switch cmd {
	case "ptrace":
		pid, _ := strconv.Atoi(arg)
		return rawErr(unix.SYS_PTRACE, unix.PTRACE_SEIZE, uintptr(pid), 0)
	case "mount":
		return unix.Mount("none", "/nonexistent-sandbox-test", "tmpfs", 0, "")
	case "unshare":
		return unix.Unshare(unix.CLONE_NEWUTS)
	case "setns": // no descriptor: EBADF once past the filter
		return unix.Setns(-1, unix.CLONE_NEWUTS)
	case "bpf":
		var attr [128]byte
		return rawErr(unix.SYS_BPF, 0, uintptr(unsafe.Pointer(&attr[0])), uintptr(len(attr)))
	case "io_uring_setup":
		var params [120]byte
		return rawErr(unix.SYS_IO_URING_SETUP, 1, uintptr(unsafe.Pointer(&params[0])), 0)
	case "userfaultfd":
		return rawErr(unix.SYS_USERFAULTFD, unix.O_CLOEXEC|1, 0, 0)
	case "keyctl":
		spec := -3 // KEY_SPEC_SESSION_KEYRING
		return rawErr(unix.SYS_KEYCTL, unix.KEYCTL_GET_KEYRING_ID, uintptr(spec), 0)
	case "perf_event_open":
		attr := unix.PerfEventAttr{Type: unix.PERF_TYPE_SOFTWARE, Config: unix.PERF_COUNT_SW_TASK_CLOCK,
			Size: uint32(unsafe.Sizeof(unix.PerfEventAttr{})), Bits: unix.PerfBitExcludeKernel | unix.PerfBitExcludeHv}
		fd, err := unix.PerfEventOpen(&attr, 0, -1, -1, unix.PERF_FLAG_FD_CLOEXEC)
		unix.Close(fd)
		return err
	case "mprotect_exec":
		page, err := unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
		if err != nil {
			return err
		}
		defer unix.Munmap(page)
		return unix.Mprotect(page, unix.PROT_READ|unix.PROT_EXEC)
	}
	return errors.New("unknown command " + strconv.Quote(cmd))
}

// rawErr makes a raw system call, closes a descriptor it returns, and
// returns its error.
func rawErr(nr, a1, a2, a3 uintptr) error {
	r, _, e := unix.Syscall(nr, a1, a2, a3)
	if e != 0 {
		return e
	}
	if nr != unix.SYS_PTRACE && nr != unix.SYS_KEYCTL {
		unix.Close(int(r))
	}
	return nil
}

// boxedRun is what one sandboxed worker answered and what the master
// reported of it.
type boxedRun struct {
	pid     int
	answers map[string]string               // by command
	events  map[string][]*sandbox.Violation // by command: the violations reported during it
	exited  Event                           // the worker's Exited event, with a kill
}

// runBoxed starts one worker under spec, runs each command (with its
// argument) and collects the answers and the SandboxViolation events
// reported while each ran; with kill, the last command must kill it.
func runBoxed(t *testing.T, spec string, cmds [][2]string, kill bool) boxedRun {
	t.Helper()
	var mu sync.Mutex
	var current string
	res := boxedRun{answers: map[string]string{}, events: map[string][]*sandbox.Violation{}}
	done, exited := make(chan error, 1), make(chan Event, 4)
	handler := func(ctx context.Context, p Peer) error {
		mu.Lock()
		res.pid = p.PID
		mu.Unlock()
		for _, c := range cmds {
			mu.Lock()
			current = c[0]
			mu.Unlock()
			ans, err := sandboxCall(ctx, p.Conn, strings.TrimSpace(c[0]+" "+c[1]))
			if kill && c == cmds[len(cmds)-1] {
				break // it is being killed: no answer
			}
			if err != nil {
				done <- err
				return err
			}
			mu.Lock()
			res.answers[c[0]] = ans
			mu.Unlock()
		}
		done <- nil
		<-ctx.Done()
		return nil
	}
	w := testWorker(t, "worker-sandboxed", 1, handler)
	w.Sandbox = spec
	m := &Master{Workers: []Worker{w}, Logger: quietLogger(), StopGrace: time.Second,
		Restart: RestartPolicy{Burst: 5, Interval: time.Minute},
		Events: func(e Event) {
			mu.Lock()
			defer mu.Unlock()
			switch e.Kind {
			case SandboxViolation:
				v, ok := errors.AsType[*sandbox.Violation](e.Err)
				if !ok || e.Worker != w.Name || e.PID != res.pid {
					t.Errorf("a violation event %+v", e)
					return
				}
				res.events[current] = append(res.events[current], v)
			case Exited:
				if e.PID == res.pid {
					exited <- e
				}
			}
		}}
	stop, _ := runMaster(t, m)
	defer stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("spec %q: %v", spec, err)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("spec %q: the worker did not answer within 60 s", spec)
	}
	if kill {
		select {
		case res.exited = <-exited:
		case <-time.After(20 * time.Second):
			t.Fatalf("spec %q: the worker did not exit within 20 s of its violation", spec)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return res
}

// TestSandboxViolationEvents: in a worker under "stdio", each attempt of
// the proof list fails with the documented errno, and the master gets a
// SandboxViolation event naming the system call before the call returns
// (but io_uring_setup, whose ENOSYS stays in the filter); under a spec
// that allows them, each gets the same result as without a sandbox, and
// no event. An open outside an unveiled directory, which Landlock
// refuses, fails with EACCES without an event.
func TestSandboxViolationEvents(t *testing.T) {
	exe, _ := os.Executable()
	dir := t.TempDir()
	file := filepath.Join(dir, "readable")
	os.WriteFile(file, []byte("x"), 0o644)
	sleeper := exec.Command(exe, "-test.run=^$")
	sleeper.Env = append(os.Environ(), helperEnv+"=sleeper")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleeper.Process.Kill(); sleeper.Wait() }()
	arg := map[string]string{"open": file, "exec": exe, "ptrace": strconv.Itoa(sleeper.Process.Pid)}
	var cmds [][2]string
	for _, v := range violations {
		cmds = append(cmds, [2]string{v.cmd, arg[v.cmd]})
	}
	// Without a sandbox first: a call that fails so already was refused by
	// a filter outside ours (a container's: Docker's default profile
	// refuses mount, unshare, setns, bpf, keyctl, ...), which wins over
	// a notification: no event for it.
	ref := runBoxed(t, "", slicesDelete(cmds, "exec"), false)
	denied := runBoxed(t, "stdio", cmds, false)
	reported, outer := 0, 0
	for _, v := range violations {
		got, ev := denied.answers[v.cmd], find(denied.events[v.cmd], v.call, arg[v.cmd])
		if got != v.want.Error() {
			t.Errorf("stdio: %s: %q, want %q", v.cmd, got, v.want.Error())
		}
		if ref.answers[v.cmd] == v.want.Error() && v.event {
			outer++
			continue
		}
		switch {
		case v.event && ev == nil:
			t.Errorf("stdio: %s: no violation event for %s among %v", v.cmd, v.call, denied.events[v.cmd])
		case v.event && ev.Errno != v.want:
			t.Errorf("stdio: %s: event %v, want %s refused with %v", v.cmd, ev, v.call, v.want)
		case !v.event && ev != nil:
			t.Errorf("stdio: %s: event %v, want none", v.cmd, ev)
		case v.event:
			reported++
		}
	}
	// The same attempts, allowed (but exec, which would replace the
	// worker), against a worker without a sandbox.
	cmds = slicesDelete(cmds, "exec")
	sleeper2 := exec.Command(exe, "-test.run=^$")
	sleeper2.Env = sleeper.Env
	if err := sleeper2.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleeper2.Process.Kill(); sleeper2.Wait() }()
	for i := range cmds {
		if cmds[i][0] == "ptrace" {
			cmds[i][1] = strconv.Itoa(sleeper2.Process.Pid)
		}
	}
	allowed := runBoxed(t, allowingSpec, cmds, false)
	for _, c := range cmds {
		if allowed.answers[c[0]] != ref.answers[c[0]] || len(allowed.events[c[0]]) != 0 {
			t.Errorf("allowed: %s: %q (event %v); without a sandbox %q, and no event",
				c[0], allowed.answers[c[0]], allowed.events[c[0]], ref.answers[c[0]])
		}
	}
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	veiled := runBoxed(t, "stdio rpath; unveil "+sub+" r; best-effort", [][2]string{{"open", file}}, false)
	if veiled.answers["open"] != unix.EACCES.Error() || find(veiled.events["open"], "openat", file) != nil {
		t.Errorf("open outside the unveiled directory: %q (event %v); want %q, no event",
			veiled.answers["open"], veiled.events["open"], unix.EACCES.Error())
	}
	t.Logf("under stdio: %d/%d attempts refused as documented with an event, %d refused by an outer filter first, %d silent probe; allowed: %d/%d as unsandboxed, 0 events; open outside unveil: %s, no event",
		reported, len(violations), outer, len(violations)-reported-outer, len(cmds), len(cmds), veiled.answers["open"])
}

// find returns the violation of call among vs, on path if the call has
// one (the C library opens files of its own), or nil.
func find(vs []*sandbox.Violation, call, path string) *sandbox.Violation {
	for _, v := range vs {
		if v.Name == call && (v.Path == "" || v.Path == path) {
			return v
		}
	}
	return nil
}

// slicesDelete returns cmds without the command named name.
func slicesDelete(cmds [][2]string, name string) [][2]string {
	var out [][2]string
	for _, c := range cmds {
		if c[0] != name {
			out = append(out, c)
		}
	}
	return out
}

// TestSandboxViolationKills: under action kill, a refused socket(AF_INET)
// is reported, and the worker is killed: its exit says StopSandbox.
func TestSandboxViolationKills(t *testing.T) {
	res := runBoxed(t, "stdio; action kill", [][2]string{{"ping", ""}, {"socket", ""}}, true)
	ev := find(res.events["socket"], "socket", "")
	if ev == nil || ev.Name != "socket" || !ev.Kill {
		t.Fatalf("event %v; want socket, killed", ev)
	}
	if res.exited.Stop != StopSandbox || res.exited.Code != -1 {
		t.Fatalf("exit: stop %q, code %d; want %q, killed", res.exited.Stop, res.exited.Code, StopSandbox)
	}
	t.Logf("event: %v; exit: stop %q, code %d", ev, res.exited.Stop, res.exited.Code)
}

// TestSandboxSupervisionLeaksNothing: a Master that ran sandboxed workers
// through 3 lives each, with violations, holds as many descriptors and
// goroutines after Run as before.
func TestSandboxSupervisionLeaksNothing(t *testing.T) {
	fds := func() int { e, _ := os.ReadDir("/proc/self/fd"); return len(e) }
	fd0, g0 := fds(), runtime.NumGoroutine()
	lives := make(chan int, 16)
	handler := func(ctx context.Context, p Peer) error {
		if _, err := sandboxCall(ctx, p.Conn, "socket"); err != nil {
			return err
		}
		lives <- p.PID
		return p.Conn.Write([]byte("exit"))
	}
	w := testWorker(t, "worker-sandboxed", 2, handler)
	w.Sandbox = "stdio"
	var seen sync.Map
	m := &Master{Workers: []Worker{w}, Logger: quietLogger(), StopGrace: time.Second,
		Restart: RestartPolicy{Burst: 10, Interval: time.Minute},
		Events: func(e Event) {
			if e.Kind == SandboxViolation {
				seen.Store(e.PID, true)
			}
		}}
	stop, _ := runMaster(t, m)
	for i := range 6 {
		select {
		case <-lives:
		case <-time.After(30 * time.Second):
			t.Fatalf("%d of 6 sandboxed lives within 30 s", i)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	n := 0
	seen.Range(func(any, any) bool { n++; return true })
	g1 := runtime.NumGoroutine()
	for deadline := time.Now().Add(10 * time.Second); g1 > g0 && time.Now().Before(deadline); g1 = runtime.NumGoroutine() {
		time.Sleep(10 * time.Millisecond)
	}
	if fd1 := fds(); fd1 != fd0 || g1 > g0 || n < 6 {
		t.Fatalf("fds %d → %d, goroutines %d → %d, workers with a violation %d; want no change, 6", fd0, fd1, g0, g1, n)
	}
	t.Logf("6 sandboxed lives, %d with a violation event: fd delta 0, goroutine delta %d", n, g1-g0)
}

package sandbox

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// An attempt is one thing a compromised worker might try. run makes the
// call, after prepare ran before the sandbox was applied, and returns its
// error (nil: it succeeded). execve succeeds by replacing the helper with
// a shell that exits 7.
type attempt struct {
	name    string
	denied  string        // a spec that refuses it
	allowed string        // the same with the promise or allow clause that lets it through
	want    syscall.Errno // the documented result under the default action
	landlck bool          // refused by Landlock, not by the filter: no SIGSYS under action kill
	run     func(prep) error
}

// prep holds what a helper prepared before applying its spec.
type prep struct {
	nsFD    int    // /proc/self/ns/uts, for setns
	page    []byte // a read-write anonymous page, for mprotect
	target  int    // a sibling process, for ptrace
	outside string // a readable file outside the unveiled directory
}

// The attempts of the proof list, with {dir} and {file} standing for a
// directory to unveil and a readable file outside it.
var attempts = []attempt{
	{"open-outside-unveil", "stdio rpath; unveil {dir} r", "stdio rpath; unveil {dir} r; unveil {file} r",
		syscall.EACCES, true, func(p prep) error {
			fd, err := unix.Open(p.outside, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			unix.Close(fd)
			return err
		}},
	{"socket-inet", "stdio unix", "stdio unix inet", syscall.EPERM, false, func(prep) error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		unix.Close(fd)
		return err
	}},
	{"execve-sh", "stdio rpath prot_exec", "stdio rpath prot_exec exec", syscall.EPERM, false, func(prep) error {
		return syscall.Exec("/bin/sh", []string{"sh", "-c", "exit 7"}, nil)
	}},
	{"ptrace-sibling", "stdio", "stdio; allow ptrace", syscall.EPERM, false, func(p prep) error {
		return sys(unix.SYS_PTRACE, unix.PTRACE_SEIZE, uintptr(p.target), 0, 0)
	}},
	{"mount", "stdio", "stdio; allow mount", syscall.EPERM, false, func(prep) error {
		return unix.Mount("none", "/nonexistent-sandbox-test", "tmpfs", 0, "")
	}},
	{"unshare", "stdio", "stdio; allow unshare", syscall.EPERM, false, func(prep) error {
		return unix.Unshare(unix.CLONE_NEWUTS)
	}},
	{"setns", "stdio", "stdio; allow setns", syscall.EPERM, false, func(p prep) error {
		return unix.Setns(p.nsFD, unix.CLONE_NEWUTS)
	}},
	{"bpf", "stdio", "stdio; allow bpf", syscall.EPERM, false, func(prep) error {
		var attr [128]byte
		return closeFD(unix.SYS_BPF, 0 /* BPF_MAP_CREATE */, uintptr(unsafe.Pointer(&attr[0])), uintptr(len(attr)))
	}},
	{"io_uring_setup", "stdio", "stdio; allow io_uring_setup", syscall.ENOSYS, false, func(prep) error {
		var params [120]byte
		return closeFD(unix.SYS_IO_URING_SETUP, 1, uintptr(unsafe.Pointer(&params[0])), 0)
	}},
	{"userfaultfd", "stdio", "stdio; allow userfaultfd", syscall.EPERM, false, func(prep) error {
		return closeFD(unix.SYS_USERFAULTFD, unix.O_CLOEXEC|1 /* UFFD_USER_MODE_ONLY */, 0, 0)
	}},
	{"keyctl", "stdio", "stdio; allow keyctl", syscall.EPERM, false, func(prep) error {
		spec := -3 // KEY_SPEC_SESSION_KEYRING
		return sys(unix.SYS_KEYCTL, unix.KEYCTL_GET_KEYRING_ID, uintptr(spec), 0, 0)
	}},
	{"perf_event_open", "stdio", "stdio; allow perf_event_open", syscall.EPERM, false, func(prep) error {
		attr := unix.PerfEventAttr{Type: unix.PERF_TYPE_SOFTWARE, Config: unix.PERF_COUNT_SW_TASK_CLOCK,
			Size: uint32(unsafe.Sizeof(unix.PerfEventAttr{})), Bits: unix.PerfBitExcludeKernel | unix.PerfBitExcludeHv}
		fd, err := unix.PerfEventOpen(&attr, 0, -1, -1, unix.PERF_FLAG_FD_CLOEXEC)
		unix.Close(fd)
		return err
	}},
	{"mprotect-exec", "stdio", "stdio prot_exec", syscall.EPERM, false, func(p prep) error {
		return unix.Mprotect(p.page, unix.PROT_READ|unix.PROT_EXEC)
	}},
}

// sys makes a raw system call and returns its error.
func sys(nr, a1, a2, a3, a4 uintptr) error {
	if _, _, e := unix.Syscall6(nr, a1, a2, a3, a4, 0, 0); e != 0 {
		return e
	}
	return nil
}

// closeFD makes a system call that returns a descriptor, and closes it.
func closeFD(nr, a1, a2, a3 uintptr) error {
	fd, _, e := unix.Syscall(nr, a1, a2, a3)
	if e != 0 {
		return e
	}
	unix.Close(int(fd))
	return nil
}

// attemptResult is what the attempt helper prints.
type attemptResult struct {
	Errno  int    // 0: the call succeeded
	Report string // what Apply enforced, "" without a spec
}

// helperAttempt prepares, applies the spec in its environment (none when
// empty: the unfiltered reference), and makes the named attempt.
func helperAttempt() int {
	var a *attempt
	for i := range attempts {
		if attempts[i].name == os.Getenv("ATTEMPT") {
			a = &attempts[i]
		}
	}
	var p prep
	var err error
	if p.nsFD, err = unix.Open("/proc/self/ns/uts", unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
		return 6
	}
	if p.page, err = unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS); err != nil {
		return 6
	}
	p.target, _ = strconv.Atoi(os.Getenv("TARGET"))
	p.outside = os.Getenv("OUTSIDE")
	var res attemptResult
	if os.Getenv(specEnv) != "" {
		res.Report = applyFromEnv().String()
	}
	if err := a.run(p); err != nil {
		res.Errno = int(err.(syscall.Errno))
	}
	return writeJSON(res)
}

// TestAttempts runs each attempt of the proof list in a child four
// times: with no sandbox (the reference result), under a spec without the
// promise that allows it (it must fail with the documented errno), under
// the same spec with action kill (a filter refusal must kill the child
// with SIGSYS), and under the spec with the promise and action kill (it
// must get past the filter: the same result as with no sandbox, and the
// child alive). In a cgo build, the unveil attempt checks that Apply
// refuses with ErrThreads instead.
func TestAttempts(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "unveiled")
	outside := filepath.Join(dir, "outside.txt")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(outside, []byte("secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sleeper := startSleeper(t)
	env := []string{"OUTSIDE=" + outside, "TARGET=" + strconv.Itoa(sleeper)}
	expand := strings.NewReplacer("{dir}", in, "{file}", outside).Replace
	for _, a := range attempts {
		t.Run(a.name, func(t *testing.T) {
			if _, err := os.Stat("/bin/sh"); err != nil && a.name == "execve-sh" {
				t.Skip("no /bin/sh to execute")
			}
			env := append(env, "ATTEMPT="+a.name)
			run := func(spec string) (attemptResult, childResult) {
				r := runHelper(t, "attempt", expand(spec), env...)
				var res attemptResult
				if r.status.Exited() && r.status.ExitStatus() == 0 {
					if err := json.Unmarshal(r.out, &res); err != nil {
						t.Fatalf("spec %q: %v in %q", spec, err, r.out)
					}
				}
				return res, r
			}
			if a.landlck && cgoBuild {
				_, r := run(a.denied)
				if r.status.ExitStatus() != 4 || !strings.Contains(string(r.stderr), ErrThreads.Error()) {
					t.Fatalf("cgo build: Apply of %q: %v; want ErrThreads", a.denied, r)
				}
				t.Logf("cgo build: Apply refuses Landlock with ErrThreads (the shim applies it)")
				return
			}
			ref, r0 := run("")
			denied, r1 := run(a.denied)
			_, r2 := run(a.denied + "; action kill")
			allowed, r3 := run(a.allowed + "; action kill")
			check := func(what string, r childResult, res attemptResult, wantErrno syscall.Errno) {
				t.Helper()
				if a.name == "execve-sh" && wantErrno == 0 {
					if !r.status.Exited() || r.status.ExitStatus() != 7 {
						t.Errorf("%s: %v; want the shell's exit 7", what, r)
					}
					return
				}
				if !r.status.Exited() || r.status.ExitStatus() != 0 {
					t.Fatalf("%s: %v", what, r)
				}
				if syscall.Errno(res.Errno) != wantErrno {
					t.Errorf("%s: errno %v, want %v", what, syscall.Errno(res.Errno), wantErrno)
				}
			}
			check("unfiltered", r0, ref, syscall.Errno(ref.Errno))
			check("refused", r1, denied, a.want)
			if a.landlck || a.want == syscall.ENOSYS {
				var killed attemptResult
				json.Unmarshal(r2.out, &killed)
				check("refused, action kill", r2, killed, a.want)
			} else if !r2.status.Signaled() || r2.status.Signal() != syscall.SIGSYS {
				t.Errorf("refused, action kill: %v; want killed by SIGSYS", r2)
			}
			check("allowed, action kill", r3, allowed, syscall.Errno(ref.Errno))
			t.Logf("unfiltered: %s; refused: %v; action kill: %s; allowed: %s (%s)",
				errnoText(ref.Errno, r0), syscall.Errno(denied.Errno), r2, errnoText(allowed.Errno, r3), allowed.Report)
		})
	}
}

// errnoText describes an attempt's outcome.
func errnoText(e int, r childResult) string {
	if !r.status.Exited() || r.status.ExitStatus() != 0 {
		return r.String()
	}
	if e == 0 {
		return "ok"
	}
	return syscall.Errno(e).Error()
}

// startSleeper starts a sibling for the ptrace attempt and stops it at
// the test's end.
func startSleeper(t *testing.T) int {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p, err := os.StartProcess(exe, []string{exe, "-test.run=^$"}, &os.ProcAttr{
		Env: append(os.Environ(), helperEnv+"=sleep"), Files: []*os.File{nil, nil, os.Stderr}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Kill(); p.Wait() })
	return p.Pid
}

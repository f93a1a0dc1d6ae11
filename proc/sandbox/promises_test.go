package sandbox

import (
	_ "embed"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// verdict runs the compiled filter of spec text for one call.
func verdict(t *testing.T, text, name string, args ...uint64) uint32 {
	t.Helper()
	s, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	nr, ok := sysnums[name]
	if !ok {
		t.Fatalf("no system call %s", name)
	}
	d := &seccompData{nr: nr, arch: auditArch}
	copy(d.args[:], args)
	v, _, err := runBPF(p.Filter, d)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const (
	allow = unix.SECCOMP_RET_ALLOW
	eperm = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
	enosy = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
	eacce = unix.SECCOMP_RET_ERRNO | uint32(unix.EACCES)
	kill  = unix.SECCOMP_RET_KILL_PROCESS
)

// TestPromiseDecisions checks what each promise is for: the calls and
// arguments it lets through, and the ones it keeps out.
func TestPromiseDecisions(t *testing.T) {
	var n, wrong int
	for _, c := range []struct {
		spec, call string
		args       []uint64
		want       uint32
	}{
		{"stdio", "socket", []uint64{unix.AF_INET}, eperm},
		{"stdio inet", "socket", []uint64{unix.AF_INET}, allow},
		{"stdio inet", "socket", []uint64{unix.AF_INET6}, allow},
		{"stdio inet", "socket", []uint64{unix.AF_UNIX}, eperm},
		{"stdio inet", "socket", []uint64{unix.AF_NETLINK}, eperm},
		{"stdio unix", "socket", []uint64{unix.AF_UNIX}, allow},
		{"stdio unix", "socket", []uint64{unix.AF_INET}, eperm},
		{"stdio", "socketpair", []uint64{unix.AF_UNIX}, allow},
		{"stdio", "socketpair", []uint64{unix.AF_INET}, eperm},
		{"stdio", "accept4", nil, allow},
		{"", "accept4", nil, eperm},
		{"stdio", "mprotect", []uint64{0, 4096, unix.PROT_READ | unix.PROT_EXEC}, eperm},
		{"stdio", "mprotect", []uint64{0, 4096, unix.PROT_READ | unix.PROT_WRITE}, allow},
		{"stdio prot_exec", "mprotect", []uint64{0, 4096, unix.PROT_READ | unix.PROT_EXEC}, allow},
		{"stdio", "mmap", []uint64{0, 4096, unix.PROT_EXEC, unix.MAP_PRIVATE | unix.MAP_ANONYMOUS}, eperm},
		{"stdio", "pkey_mprotect", []uint64{0, 4096, unix.PROT_EXEC, 0}, eperm},
		{"", "clone", []uint64{unix.CLONE_VM | unix.CLONE_THREAD | unix.CLONE_SIGHAND}, allow},
		{"", "clone", []uint64{unix.CLONE_VM | unix.CLONE_VFORK | uint64(unix.SIGCHLD)}, eperm},
		{"proc", "clone", []uint64{unix.CLONE_VM | unix.CLONE_VFORK | uint64(unix.SIGCHLD)}, allow},
		{"proc", "clone", []uint64{unix.CLONE_NEWUSER | uint64(unix.SIGCHLD)}, eperm},
		{"proc", "clone", []uint64{unix.CLONE_THREAD | unix.CLONE_NEWNET}, eperm},
		{"proc", "clone3", nil, enosy},
		{"stdio; action kill", "clone3", nil, enosy},
		{"stdio; action kill", "io_uring_setup", nil, enosy},
		{"stdio; allow io_uring_setup", "io_uring_setup", nil, allow},
		{"stdio rpath", "openat2", nil, enosy},
		{"stdio", "openat", []uint64{0, 0, unix.O_RDONLY}, eacce},
		{"stdio rpath", "openat", []uint64{0, 0, unix.O_RDONLY | unix.O_CLOEXEC}, allow},
		{"stdio rpath", "openat", []uint64{0, 0, unix.O_WRONLY}, eacce},
		{"stdio rpath", "openat", []uint64{0, 0, unix.O_RDONLY | unix.O_TRUNC}, eacce},
		{"stdio rpath", "openat", []uint64{0, 0, unix.O_RDONLY | unix.O_CREAT}, eacce},
		{"stdio rpath", "openat", []uint64{0, 0, unix.O_TMPFILE | unix.O_RDWR}, eacce},
		{"stdio wpath", "openat", []uint64{0, 0, unix.O_WRONLY | unix.O_TRUNC}, allow},
		{"stdio wpath", "openat", []uint64{0, 0, unix.O_RDWR}, eacce},
		{"stdio rpath wpath", "openat", []uint64{0, 0, unix.O_RDWR}, allow},
		{"stdio rpath wpath", "openat", []uint64{0, 0, unix.O_RDWR | unix.O_CREAT}, eacce},
		{"stdio rpath wpath cpath", "openat", []uint64{0, 0, unix.O_RDWR | unix.O_CREAT | unix.O_EXCL}, allow},
		{"stdio rpath", "open", []uint64{0, unix.O_RDONLY}, allow},
		{"stdio; action kill", "openat", []uint64{0, 0, unix.O_RDONLY}, eacce},
		{"stdio; action kill", "newfstatat", nil, eacce},
		{"stdio; action log", "openat", []uint64{0, 0, unix.O_RDONLY}, unix.SECCOMP_RET_LOG},
		{"stdio; action log", "clone3", nil, unix.SECCOMP_RET_LOG},
		{"stdio rpath", "open", []uint64{0, unix.O_WRONLY}, eacce},
		{"stdio", "ioctl", []uint64{0, fionread}, allow},
		{"stdio", "ioctl", []uint64{0, unix.TCGETS}, eperm},
		{"stdio tty", "ioctl", []uint64{0, unix.TCGETS}, allow},
		{"stdio tty", "ioctl", []uint64{0, unix.TIOCSTI}, eperm},
		{"", "prctl", []uint64{unix.PR_SET_VMA, unix.PR_SET_VMA_ANON_NAME}, allow},
		{"", "prctl", []uint64{unix.PR_SET_DUMPABLE, 1}, eperm},
		{"", "prctl", []uint64{unix.PR_SET_NO_NEW_PRIVS, 1}, eperm},
		{"stdio", "prlimit64", []uint64{0, unix.RLIMIT_NOFILE, 0, 0xc000}, allow},
		{"stdio", "prlimit64", []uint64{0, unix.RLIMIT_NOFILE, 0xc000, 0}, eperm},
		{"stdio", "prlimit64", []uint64{0, unix.RLIMIT_NOFILE, 0xc000 << 32, 0}, eperm},
		{"stdio", "prlimit64", []uint64{1, unix.RLIMIT_NOFILE, 0, 0xc000}, eperm},
		{"stdio proc", "prlimit64", []uint64{0, unix.RLIMIT_NOFILE, 0xc000, 0}, allow},
		{"stdio proc", "prlimit64", []uint64{1, unix.RLIMIT_NOFILE, 0xc000, 0}, eperm},
		{"stdio", "execve", nil, eperm},
		{"stdio exec", "execve", nil, allow},
		{"stdio proc exec prot_exec id", "ptrace", nil, eperm},
		{"stdio; allow ptrace", "ptrace", nil, allow},
		{"stdio rpath wpath cpath fattr inet unix proc exec prot_exec id tty", "mount", nil, eperm},
		{"stdio; action kill", "mount", nil, kill},
		{"stdio; action eacces", "bpf", nil, eacce},
		{"stdio; action trap", "keyctl", nil, unix.SECCOMP_RET_TRAP},
		{"stdio; action log", "perf_event_open", nil, unix.SECCOMP_RET_LOG},
		{"stdio id", "setuid", nil, allow},
		{"stdio", "setuid", nil, eperm},
		{"stdio", "unshare", nil, eperm},
		{"stdio", "setns", nil, eperm},
		{"stdio", "userfaultfd", nil, eperm},
	} {
		n++
		if got := verdict(t, c.spec, c.call, c.args...); got != c.want {
			t.Errorf("%q: %s(%#x) = %#x, want %#x", c.spec, c.call, c.args, got, c.want)
			wrong++
		}
	}
	t.Logf("%d decisions, %d wrong", n, wrong)
}

// TestFilterArchitecture checks the filter's prologue: a foreign
// architecture and x32 numbers kill the process.
func TestFilterArchitecture(t *testing.T) {
	p, err := Compile(Spec{Promises: Stdio, Action: Action{Kind: Errno}})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []seccompData{
		{nr: sysnums["read"], arch: unix.AUDIT_ARCH_I386},
		{nr: sysnums["read"], arch: unix.AUDIT_ARCH_AARCH64 ^ unix.AUDIT_ARCH_X86_64 ^ auditArch},
		{nr: sysnums["read"] | x32Bit, arch: auditArch},
	} {
		if x32Bit == 0 && d.arch == auditArch {
			continue
		}
		if v, _, err := runBPF(p.Filter, &d); err != nil || v != kill {
			t.Errorf("nr %#x arch %#x: %#x %v, want kill", d.nr, d.arch, v, err)
		}
	}
	if v, _, _ := runBPF(p.Filter, &seccompData{nr: sysnums["read"], arch: auditArch}); v != allow {
		t.Errorf("read on the right architecture: %#x", v)
	}
}

// TestTablesName checks that every name in the baseline, the promise
// tables, the argument rules and the probes is a system call of this
// architecture or of the other supported one, so that a typo cannot
// silently allow or refuse nothing.
func TestTablesName(t *testing.T) {
	otherArch := map[string]bool{ // names that exist on amd64 only, or arm64 only
		"open": true, "stat": true, "lstat": true, "access": true, "pipe": true, "dup2": true,
		"fork": true, "vfork": true, "poll": true, "select": true, "epoll_wait": true,
		"creat": true, "mkdir": true, "rmdir": true, "unlink": true, "rename": true, "link": true,
		"symlink": true, "readlink": true, "chmod": true, "chown": true, "lchown": true,
		"utime": true, "utimes": true, "futimesat": true, "time": true, "alarm": true,
		"pause": true, "getdents": true, "arch_prctl": true, "getpgrp": true,
	}
	var names []string
	names = append(names, baseline...)
	for _, calls := range promiseCalls {
		names = append(names, calls...)
	}
	for n := range argRules(allPromises) {
		names = append(names, n)
	}
	names = append(names, probes...)
	names = append(names, hot...)
	missing := 0
	for _, n := range names {
		if _, ok := sysnums[n]; !ok && !otherArch[n] {
			t.Errorf("%s is no system call here", n)
			missing++
		}
	}
	t.Logf("%d names, %d unknown", len(names), missing)
}

// docSource is the package documentation, embedded so that the test
// binary can run from any directory.
//
//go:embed doc.go
var docSource []byte

// TestDocListsPromises checks that the package documentation's table has
// a row for every promise, in table order.
func TestDocListsPromises(t *testing.T) {
	at := 0
	for _, name := range promiseNames {
		i := strings.Index(string(docSource[at:]), "//\t"+name+" ")
		if i < 0 {
			t.Errorf("doc.go has no row for %s after offset %d", name, at)
			continue
		}
		at += i
	}
	t.Logf("%d promises in the documentation's table", len(promiseNames))
}

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// seccompNotif and seccompNotifResp are struct seccomp_notif and
// struct seccomp_notif_resp.
type seccompNotif struct {
	id    uint64
	pid   uint32
	flags uint32
	nr    int32
	arch  uint32
	ip    uint64
	args  [6]uint64
}

type seccompNotifResp struct {
	id    uint64
	val   int64
	error int32
	flags uint32
}

// sysnames are the names of sysnums by number.
var sysnames = func() map[uint32]string {
	m := map[uint32]string{}
	for n, v := range sysnums {
		m[v] = n
	}
	return m
}()

// sysname is the name of number nr on this architecture, or "".
func sysname(nr uint32) string { return sysnames[nr] }

// Violation is a system call that a supervised process made and its
// spec refuses, as its [Supervisor] saw it. It is an error that wraps
// [ErrViolation].
type Violation struct {
	PID   int           // the thread that made it
	Name  string        // the system call's name ("syscall 1234" for a number without one)
	Args  [6]uint64     // its arguments
	Path  string        // the path it names, for open, stat, access, readlink and exec calls, if readable
	Errno syscall.Errno // what the call got, 0 when it was allowed (learn mode)
	Kill  bool          // the spec's action is kill: the process was killed for it
}

// Error describes the call and what it got, as
// "sandbox: socket(AF_INET, 0x80001) refused: operation not permitted".
func (v *Violation) Error() string {
	switch {
	case v.Kill:
		return "sandbox: " + v.Call() + " refused: process killed"
	case v.Errno == 0:
		return "sandbox: " + v.Call() + " allowed and recorded"
	}
	return "sandbox: " + v.Call() + " refused: " + v.Errno.Error()
}

// Unwrap returns [ErrViolation].
func (v *Violation) Unwrap() error { return ErrViolation }

// pathArg is which argument of a call is the path it names.
var pathArg = map[string]int{
	"open": 0, "stat": 0, "lstat": 0, "access": 0, "readlink": 0, "execve": 0, "creat": 0,
	"openat": 1, "newfstatat": 1, "statx": 1, "faccessat": 1, "faccessat2": 1, "readlinkat": 1,
	"execveat": 1,
}

// families are the socket families a description names.
var families = map[uint64]string{
	unix.AF_UNIX: "AF_UNIX", unix.AF_INET: "AF_INET", unix.AF_INET6: "AF_INET6",
	unix.AF_NETLINK: "AF_NETLINK", unix.AF_PACKET: "AF_PACKET",
}

// Call describes the call: its name and its first arguments, the path
// and open flags for calls on paths, the family for socket.
func (v *Violation) Call() string {
	switch i, ok := pathArg[v.Name]; {
	case v.Name == "open" || v.Name == "openat":
		return fmt.Sprintf("%s(%q, %s)", v.Name, v.Path, openFlags(v.Args[i+1]))
	case ok:
		return fmt.Sprintf("%s(%q)", v.Name, v.Path)
	case v.Name == "socket":
		fam, ok := families[v.Args[0]&0xffffffff]
		if !ok {
			fam = fmt.Sprint(v.Args[0])
		}
		return fmt.Sprintf("socket(%s, %#x)", fam, v.Args[1])
	}
	return fmt.Sprintf("%s(%#x, %#x, %#x)", v.Name, v.Args[0], v.Args[1], v.Args[2])
}

// openFlags names an open's access mode and its creating flags.
func openFlags(f uint64) string {
	s := [...]string{"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"}[f&unix.O_ACCMODE]
	for _, b := range []struct {
		bit  uint64
		name string
	}{{unix.O_CREAT, "O_CREAT"}, {unix.O_TRUNC, "O_TRUNC"}, {oTmpfile, "O_TMPFILE"}} {
		if f&b.bit != 0 {
			s += "|" + b.name
		}
	}
	return s
}

// Supervisor answers the notifications of a supervised filter (see
// [CompileSupervised]) with the verdict of the spec it was compiled from,
// and reports each.
type Supervisor struct {
	spec  Spec
	learn learner // under action learn
}

// NewSupervisor returns the supervisor of processes under spec s,
// compiled with [CompileSupervised].
func NewSupervisor(s Spec) *Supervisor { return &Supervisor{spec: s} }

// Learned returns, under action learn, the tightest spec that would have
// let through every call the supervisor has seen: the fewest promises
// that allow them (a call no promise allows, by name), and the paths the
// process opened or executed, unveiled with the rights it used them with
// (relative paths resolved against its working directory or the
// directory descriptor). It is best-effort if the learning spec was.
func (sv *Supervisor) Learned() Spec { return sv.learn.spec(sv.spec.BestEffort) }

// Serve takes the listener of a supervised filter and answers its
// notifications until every process under the filter has exited (it
// returns nil) or ctx ends (ctx.Err()); it closes the listener, after
// which the kernel fails the notified calls of any process left under
// the filter with ENOSYS. For each notification it calls report with the
// [Violation], then, if the spec's action is kill, kills the process
// with SIGKILL, else answers the call with the spec's errno. It waits in
// the runtime's poller, without a thread of its own.
func (sv *Supervisor) Serve(ctx context.Context, listener int, report func(*Violation)) error {
	if err := unix.SetNonblock(listener, true); err != nil {
		unix.Close(listener)
		return os.NewSyscallError("fcntl O_NONBLOCK", err)
	}
	f := os.NewFile(uintptr(listener), "seccomp listener")
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	err = rc.Read(func(fd uintptr) bool {
		for {
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			if n, err := unix.Poll(pfd, 0); n <= 0 {
				return err != nil && err != unix.EINTR // nothing yet: wait in the poller
			}
			if pfd[0].Revents&unix.POLLIN == 0 {
				return true // POLLHUP: no process is under the filter any more
			}
			sv.answer(int(fd), report)
		}
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil
	}
	return err
}

// answer receives one notification, reports it and answers it.
func (sv *Supervisor) answer(fd int, report func(*Violation)) {
	var n seccompNotif // the kernel wants it zeroed
	if ioctl(fd, unix.SECCOMP_IOCTL_NOTIF_RECV, unsafe.Pointer(&n)) != nil {
		return // the caller is gone (ENOENT), or a signal
	}
	v, fresh := sv.violation(fd, &n)
	if report != nil && fresh {
		report(v)
	}
	resp := seccompNotifResp{id: n.id, error: -int32(v.Errno)}
	if v.Errno == 0 {
		resp.flags = unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE
	}
	if v.Kill && notifValid(fd, n.id) {
		unix.Kill(int(n.pid), unix.SIGKILL) // the thread's whole process
	}
	ioctl(fd, unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(&resp)) // ENOENT if it died meanwhile
}

// violation describes notification n, with the spec's verdict; under
// action learn it records the call, and fresh is false for a call it had
// seen already.
func (sv *Supervisor) violation(fd int, n *seccompNotif) (v *Violation, fresh bool) {
	v = &Violation{PID: int(n.pid), Name: sysname(uint32(n.nr)), Args: n.args}
	if v.Name == "" {
		v.Name = fmt.Sprintf("syscall %d", n.nr)
	}
	abs := ""
	if i, ok := pathArg[v.Name]; ok {
		v.Path = readPath(int(n.pid), n.args[i])
		abs = absPath(int(n.pid), v.Path, i, n.args[0])
		if !notifValid(fd, n.id) { // the thread died: its PID may name another
			v.Path, abs = "", ""
		}
	}
	own := slices.Contains(quiet, v.Name) && ownRead(v.Path)
	switch r := refusal(v.Name, sv.spec.Action); {
	case sv.spec.Action.Kind == Learn:
		return v, !own && sv.learn.record(v, uint32(n.nr), abs)
	case r == unix.SECCOMP_RET_KILL_PROCESS:
		v.Kill, v.Errno = true, unix.EPERM
	default:
		v.Errno = syscall.Errno(r & unix.SECCOMP_RET_DATA)
	}
	return v, !own
}

// ownReads are the files the Go runtime and the C library read on their
// own, which code does not ask for: the runtime's start (auxv, the
// cgroup CPU limit, the huge page size, /dev/urandom), the C library's
// thread stacks (/proc/self/maps) and CPU count (/sys/devices/system/cpu,
// /proc/stat), the time package's zone and zone database. A supervisor
// refuses them as the filter would (EACCES: they cope) but neither
// reports nor learns them: they would be noise at every start.
var ownReads = []string{
	"/proc/self/", "/proc/thread-self/", "/sys/fs/cgroup/", "/sys/kernel/mm/transparent_hugepage/",
	"/sys/devices/system/cpu/", "/proc/stat", "/dev/urandom", "/etc/localtime", "/usr/share/zoneinfo/",
}

// ownRead reports whether path is one of ownReads, or the Go
// distribution's zone database.
func ownRead(path string) bool {
	return strings.HasSuffix(path, "/lib/time/zoneinfo.zip") || slices.ContainsFunc(ownReads, func(p string) bool {
		return path == p || strings.HasSuffix(p, "/") && strings.HasPrefix(path, p)
	})
}

// absPath makes path absolute, as thread tid resolves it: against its
// working directory, or the directory descriptor dirfd when the path is
// the second argument; "" if it cannot.
func absPath(tid int, path string, arg int, dirfd uint64) string {
	switch {
	case path == "":
		return ""
	case filepath.IsAbs(path):
		return filepath.Clean(path)
	}
	dir := fmt.Sprintf("/proc/%d/cwd", tid)
	if arg == 1 && int32(dirfd) != unix.AT_FDCWD {
		dir = fmt.Sprintf("/proc/%d/fd/%d", tid, int32(dirfd))
	}
	base, err := os.Readlink(dir)
	if err != nil || !filepath.IsAbs(base) {
		return ""
	}
	return filepath.Join(base, path)
}

// readPath reads the NUL-terminated path at addr in thread tid's memory,
// up to PATH_MAX bytes, a page at a time; "" if it cannot.
func readPath(tid int, addr uint64) string {
	f, err := os.Open(fmt.Sprintf("/proc/%d/mem", tid))
	if err != nil {
		return ""
	}
	defer f.Close()
	var b []byte
	page := uint64(os.Getpagesize())
	for len(b) < unix.PathMax {
		chunk := make([]byte, page-addr%page)
		n, _ := f.ReadAt(chunk, int64(addr))
		if n <= 0 {
			return ""
		}
		if i := strings.IndexByte(string(chunk[:n]), 0); i >= 0 {
			return string(append(b, chunk[:i]...))
		}
		b, addr = append(b, chunk[:n]...), addr+uint64(n)
	}
	return ""
}

// notifValid reports whether notification id still waits: its thread
// has not died since.
func notifValid(fd int, id uint64) bool {
	return ioctl(fd, unix.SECCOMP_IOCTL_NOTIF_ID_VALID, unsafe.Pointer(&id)) == nil
}

func ioctl(fd int, req uint, arg unsafe.Pointer) error {
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg)); e != 0 {
		return e
	}
	return nil
}

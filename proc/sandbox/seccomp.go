package sandbox

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// setNoNewPrivs sets no-new-privileges on the calling thread, which
// seccomp and Landlock require of an unprivileged caller, and on every
// other thread where the runtime can reach them (not with cgo, where
// seccomp's TSYNC copies the flag to every thread it filters).
func setNoNewPrivs() error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return os.NewSyscallError("prctl PR_SET_NO_NEW_PRIVS", err)
	}
	_, _, errno := syscall.AllThreadsSyscall(syscall.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0)
	if errno != 0 && errno != syscall.ENOTSUP {
		return os.NewSyscallError("prctl PR_SET_NO_NEW_PRIVS on all threads", errno)
	}
	return nil
}

// errNoSeccomp means the kernel has no seccomp filters.
var errNoSeccomp = errors.New("no seccomp filters")

// InstallTSYNC installs the seccomp filter f on every thread of the process with
// SECCOMP_FILTER_FLAG_TSYNC, including threads the Go runtime did not
// start; threads made later inherit it. The calling thread must have
// no-new-privileges. A positive return of seccomp(2) with TSYNC is the ID
// of a thread it could not synchronise.
func InstallTSYNC(f []unix.SockFilter) error {
	prog := unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]}
	r, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(f)
	switch {
	case errno == unix.ENOSYS || errno == unix.EINVAL && !seccompAvailable():
		return errNoSeccomp
	case errno != 0:
		return os.NewSyscallError("seccomp SECCOMP_SET_MODE_FILTER", errno)
	case r != 0:
		return fmt.Errorf("seccomp TSYNC: thread %d could not be synchronised", r)
	}
	return nil
}

// installSupervised installs f on every thread, as InstallTSYNC does,
// and returns its listener for the supervisor. Seccomp takes TSYNC with
// NEW_LISTENER only with TSYNC_ESRCH (Linux 5.7), which reports a thread
// it could not synchronise as ESRCH instead of by its ID.
func installSupervised(f []unix.SockFilter) (int, error) {
	prog := unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]}
	flags := unix.SECCOMP_FILTER_FLAG_TSYNC | unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH | unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	fd, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(flags),
		uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(f)
	switch {
	case errno == unix.ENOSYS || errno == unix.EINVAL && !seccompAvailable():
		return -1, errNoSeccomp
	case errno != 0:
		return -1, os.NewSyscallError("seccomp SECCOMP_SET_MODE_FILTER with a listener", errno)
	}
	return int(fd), nil
}

// seccompAvailable reports whether the kernel has seccomp filters, by
// asking whether it knows the ALLOW action.
func seccompAvailable() bool {
	action := uint32(unix.SECCOMP_RET_ALLOW)
	_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_ACTION_AVAIL, 0, uintptr(unsafe.Pointer(&action)))
	return errno == 0
}

package proc

import (
	"errors"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// setNoNewPrivs sets no-new-privileges on every thread of the process.
// prctl sets it on the calling thread only; a seccomp filter installed
// with SECCOMP_FILTER_FLAG_TSYNC is synchronised to every thread, and the
// kernel copies the caller's no-new-privileges along with it. The filter
// is one instruction that allows everything. Where seccomp is missing,
// pure-Go builds fall back to the runtime's all-threads system call; the
// caller verifies the outcome on every thread either way.
func setNoNewPrivs() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return os.NewSyscallError("prctl PR_SET_NO_NEW_PRIVS", err)
	}
	err := syncAllowAllFilter()
	if err == nil {
		return nil
	}
	_, _, errno := syscall.AllThreadsSyscall(syscall.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0)
	if errno != 0 {
		return os.NewSyscallError("seccomp TSYNC", err)
	}
	return nil
}

// allowAll is a seccomp program of one instruction: allow.
var allowAll = [1]unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW}}

// syncAllowAllFilter installs allowAll on every thread. A positive return
// of seccomp(2) with TSYNC is the ID of a thread it could not synchronise.
func syncAllowAllFilter() error {
	prog := unix.SockFprog{Len: uint16(len(allowAll)), Filter: &allowAll[0]}
	r, _, errno := syscall.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&prog)))
	switch {
	case errno != 0:
		return errno
	case r != 0:
		return errors.New("a thread could not be synchronised")
	}
	return nil
}

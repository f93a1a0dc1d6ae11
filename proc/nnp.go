package proc

import (
	"os"
	"runtime"
	"syscall"

	"github.com/release-daemon/release/proc/sandbox"
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
	err := sandbox.InstallTSYNC(allowAll)
	if err == nil {
		return nil
	}
	_, _, errno := syscall.AllThreadsSyscall(syscall.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0)
	if errno != 0 {
		return os.NewSyscallError("seccomp TSYNC", err)
	}
	return nil
}

// allowAll is a seccomp program of one instruction: allow. Installed on
// every thread (sandbox.InstallTSYNC), it copies the caller's
// no-new-privileges to all of them.
var allowAll = []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW}}

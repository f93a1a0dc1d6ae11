package proc

import (
	"errors"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// workerDeathSignal is the parent-death signal a Master starts its workers
// with. Me records it in workerDeathSig, the one piece of process state
// this package keeps: it describes the process (a worker of a Master), so
// that a later DropPrivileges in the worker arms the signal again.
const workerDeathSignal = syscall.SIGKILL

var workerDeathSig atomic.Int32

// inheritedDeathSignal is the parent-death signal to arm again after a
// credential change when none was asked for: a worker's, or the calling
// thread's own. Linux keeps the setting per thread; a process started with
// one (by os/exec's Pdeathsig, say) has it on its first thread only, which
// is why workers remember theirs.
func inheritedDeathSignal() syscall.Signal {
	if s := workerDeathSig.Load(); s != 0 {
		return syscall.Signal(s)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return syscall.Signal(prctlGet(unix.PR_GET_PDEATHSIG))
}

// armDeathSignal sets the parent-death signal again and checks that the
// parent did not die before it was set. The kernel sends it when the
// parent dies if any thread of the process has it, and a thread keeps it
// until it exits: pure-Go builds set it on every thread; with cgo it is
// set on the calling thread and from a new goroutine, which never runs on
// a thread a goroutine has locked, and only such threads ever exit.
func armDeathSignal(sig syscall.Signal, ppid int) error {
	if sig == 0 {
		return nil
	}
	_, _, errno := syscall.AllThreadsSyscall(syscall.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(sig), 0)
	if errno != 0 {
		set := func() error { return unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(sig), 0, 0, 0) }
		done := make(chan error, 1)
		go func() { done <- set() }()
		if err := errors.Join(set(), <-done); err != nil {
			return os.NewSyscallError("prctl PR_SET_PDEATHSIG", err)
		}
	}
	if os.Getppid() != ppid {
		return ErrParentDied
	}
	return nil
}

// watchParent kills this process with sig once the process ppid exits,
// which a pidfd tells the netpoller: no thread or timer is spent on it. It
// returns the function that stops watching. A kernel without pidfds
// (before Linux 5.3) leaves the parent-death signal alone on guard.
func watchParent(ppid int, sig syscall.Signal) (stop func(), err error) {
	fd, err := unix.PidfdOpen(ppid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return func() {}, nil
	}
	if os.Getppid() != ppid { // the pidfd may name another process
		unix.Close(fd)
		return nil, ErrParentDied
	}
	f := os.NewFile(uintptr(fd), "parent pidfd")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return func() {}, nil
	}
	go func() {
		exited := false
		err := rc.Read(func(fd uintptr) bool {
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			n, _ := unix.Poll(pfd, 0)
			exited = n > 0
			return exited // false: wait in the netpoller
		})
		if err == nil && exited {
			syscall.Kill(os.Getpid(), sig)
		}
	}()
	return func() { f.Close() }, nil
}

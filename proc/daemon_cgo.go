//go:build cgo

// Built with cgo: Daemon re-executes the program for csrc's constructor.

package proc

import (
	"os"
	"syscall"

	"github.com/release-daemon/release/csrc"
)

// shimFDs returns the readiness and lock fds the shim left, or -1s.
func shimFDs() (ready, lock int) { return csrc.ReadyFD(), csrc.LockFD() }

// daemonize re-executes the program with the marker set; the shim does the
// rest before the Go runtime of the new image starts. It returns only on
// failure.
func daemonize(cfg daemonConfig) error {
	if inherited.err != nil {
		return inherited.err
	}
	var lock *LockFile
	if cfg.pidFile != "" {
		l, err := Lock(cfg.pidFile)
		if err != nil {
			return err
		}
		lock = l
	}
	// The pipe and the lock fd must survive exec: create and clear
	// close-on-exec under ForkLock so that no concurrent child inherits them.
	syscall.ForkLock.Lock()
	m, err := inheritableFDs(lock, uint32(cfg.umask))
	if err == nil {
		err = syscall.Exec("/proc/self/exe", os.Args, withMarker(os.Environ(), m))
		err = &os.PathError{Op: "exec", Path: "/proc/self/exe", Err: err}
		syscall.Close(m.readFD)
		syscall.Close(m.writeFD)
	}
	syscall.ForkLock.Unlock()
	if lock != nil {
		lock.Unlock()
	}
	return err
}

// inheritableFDs makes the readiness pipe without close-on-exec and clears
// it on the lock's fd.
func inheritableFDs(lock *LockFile, umask uint32) (marker, error) {
	var p [2]int
	if err := syscall.Pipe2(p[:], 0); err != nil {
		return marker{}, os.NewSyscallError("pipe2", err)
	}
	m := marker{readFD: p[0], writeFD: p[1], lockFD: -1, umask: umask}
	if lock != nil {
		m.lockFD = int(lock.f.Fd())
		if _, err := fcntl(m.lockFD, syscall.F_SETFD, 0); err != nil {
			syscall.Close(p[0])
			syscall.Close(p[1])
			return marker{}, os.NewSyscallError("fcntl", err)
		}
	}
	return m, nil
}

// threadsAtFork is what the shim measured, for tests.
func threadsAtFork() int { return csrc.ThreadsAtFork() }

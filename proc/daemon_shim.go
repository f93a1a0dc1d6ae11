package proc

import "github.com/release-daemon/release/csrc"

// shimFDs returns the fds the shim left: the readiness pipe's write end,
// the lock, and the read ends of the daemon's stdout and stderr; -1s when
// it did not run.
func shimFDs() (ready, lock, out, errs int) {
	return csrc.ReadyFD(), csrc.LockFD(), csrc.OutFD(), csrc.ErrFD()
}

// threadsAtFork is the thread count the shim saw before it forked, for
// tests; -1 without cgo.
func threadsAtFork() int { return csrc.ThreadsAtFork() }

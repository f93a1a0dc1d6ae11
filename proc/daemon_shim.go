package proc

import "github.com/release-daemon/release/csrc"

// shimFDs returns the readiness and lock fds the shim left, or -1s.
func shimFDs() (ready, lock int) { return csrc.ReadyFD(), csrc.LockFD() }

// threadsAtFork is the thread count the shim saw before it forked, for
// tests; -1 without cgo.
func threadsAtFork() int { return csrc.ThreadsAtFork() }

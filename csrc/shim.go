//go:build cgo

// Built with cgo: the C constructor (daemonize.c, then sandbox.c) runs
// before the Go runtime.

package csrc

// #cgo CFLAGS: -Wall -Wextra -O2
// #include "daemonize.h"
// #include "sandbox.h"
// __attribute__((constructor)) static void release_ctor(void) { release_daemonize(); release_sandbox(); }
import "C"

// Enabled reports whether the constructor is compiled into this binary.
const Enabled = true

// ReadyFD is the write end of the readiness pipe the constructor left open
// in the daemon, or -1 when this process is not a daemon made by the shim.
func ReadyFD() int { return int(C.release_ready_fd()) }

// LockFD is the lock file's fd the daemon inherited, or -1.
func LockFD() int { return int(C.release_lock_fd()) }

// OutFD is the read end of the pipe that is the daemon's stdout, or -1.
func OutFD() int { return int(C.release_out_fd()) }

// ErrFD is the read end of the pipe that is the daemon's stderr, or -1.
func ErrFD() int { return int(C.release_err_fd()) }

// ThreadsAtFork is the number of threads the process had when the shim
// forked, or -1 when it did not fork.
func ThreadsAtFork() int { return int(C.release_threads_at_fork()) }

// Sandbox says what the constructor did with a worker's sandbox program
// (see proc.Worker.Sandbox): state 0 when none was asked for, 1 when it
// applied it, with what it applied, and -1 when it failed, with why.
func Sandbox() (state int, message string) {
	return int(C.release_sandbox_state()), C.GoString(C.release_sandbox_message())
}

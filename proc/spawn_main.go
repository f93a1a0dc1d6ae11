package proc

import (
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// A worker's parent-death signal fires when the thread that forked it
// ends, not the process; and execve ends every thread but its caller,
// which becomes the new image's main thread. So after an upgrade, the
// workers the new image takes over are children of its main thread, and
// everything that must outlive a later exec, new workers and the exec
// itself, has to happen on that same thread. An image started by an
// upgrade therefore locks its main goroutine to the main thread from its
// first instruction of Go (this package's init), and a Run called on it
// serves its spawner there, between its other waits, instead of on a
// thread of its own. A Run called from another goroutine in such an image
// works, but an exec from its spawner's thread would take down the
// workers the image adopted with it: the program should call Run from
// main, as masters do.

// lockedMain is set when init locked the main goroutine to the main
// thread.
var lockedMain bool

func init() {
	if _, ok := os.LookupEnv(upgradeEnv); ok {
		runtime.LockOSThread()
		lockedMain = true
	}
}

// onLockedMainThread reports whether the caller is the main goroutine,
// locked to the main thread by init.
func onLockedMainThread() bool {
	return lockedMain && unix.Gettid() == unix.Getpid()
}

// serveUntil serves the spawner's requests on the calling thread until
// done is closed, when it is inline; otherwise it only waits.
func (s *spawner) serveUntil(done <-chan struct{}) {
	if !s.inline {
		<-done
		return
	}
	unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) // as loop does for its thread
	for {
		select {
		case req := <-s.reqs:
			s.serve(req)
		case <-done:
			return
		}
	}
}

// serveWhile runs wait and, when inline, serves requests until it
// returns: the workers' supervision may still ask for a start as the Run
// ends.
func (s *spawner) serveWhile(wait func()) {
	if !s.inline {
		wait()
		return
	}
	done := make(chan struct{})
	go func() { wait(); close(done) }()
	s.serveUntil(done)
}

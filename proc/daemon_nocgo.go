//go:build !cgo

// Built without cgo: the documented fallback, a single setsid child.

package proc

import (
	"io"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// shimFDs: there is no shim without cgo.
func shimFDs() (ready, lock int) { return -1, -1 }

// daemonize starts the program again as one child in a new session, with the
// readiness pipe as fd 3 and the lock as fd 4, waits for its verdict and
// exits with it. It returns only on failure.
func daemonize(cfg daemonConfig) error {
	var lock *LockFile
	if cfg.pidFile != "" {
		l, err := Lock(cfg.pidFile)
		if err != nil {
			return err
		}
		lock = l
		defer lock.f.Close() // the child holds the lock from here on
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		w.Close()
		return err
	}
	files := []*os.File{null, null, null, w}
	m := marker{readFD: -1, writeFD: 3, lockFD: -1, umask: uint32(cfg.umask)}
	if lock != nil {
		files, m.lockFD = append(files, lock.f), 4
	}
	// Inherited fds without close-on-exec would pass into the daemon: mark
	// them all (this process exits anyway); StartProcess's dup2 of files
	// into 0-4 clears the flag on those.
	unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	old := syscall.Umask(int(cfg.umask))
	p, err := os.StartProcess("/proc/self/exe", os.Args, &os.ProcAttr{
		Dir: "/", Env: withMarker(os.Environ(), m), Files: files,
		Sys: &syscall.SysProcAttr{Setsid: true},
	})
	syscall.Umask(old)
	null.Close()
	w.Close()
	if err != nil {
		return err
	}
	p.Release()
	os.Exit(waitVerdict(r))
	return nil
}

// threadsAtFork: the fallback forks from a running runtime; there is no
// single-threaded fork to report.
func threadsAtFork() int { return -1 }

// waitVerdict reads the daemon's verdict from the readiness pipe, as the
// shim's wait_ready does in C, prints a failure on stderr and returns the
// exit code for the starting process: "R" is ready (0), "E" and a message
// is a failure (1), end of file with neither means the daemon died (1).
func waitVerdict(r io.Reader) int {
	buf := make([]byte, maxFailText+1)
	n, _ := io.ReadAtLeast(r, buf, 1)
	if n > 0 && buf[0] == 'R' {
		return 0
	}
	if n > 0 && buf[0] == 'E' {
		rest, _ := io.ReadFull(r, buf[n:])
		os.Stderr.Write(append(buf[1:n+rest], '\n'))
		return 1
	}
	os.Stderr.WriteString("release: the daemon exited before it was ready\n")
	return 1
}

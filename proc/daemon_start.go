package proc

import (
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/release-daemon/release/csrc"
	"golang.org/x/sys/unix"
)

// daemonize starts the program again with the marker set, waits for the
// daemon's verdict on the readiness pipe and exits with it. With cgo, csrc's
// constructor in the new process calls setsid and forks the daemon; without,
// the new process is started in its own session and is the daemon. It
// returns only if no daemon could be started.
func daemonize(cfg daemonConfig) error {
	if inherited.err != nil {
		return inherited.err
	}
	var lock *LockFile
	if cfg.pidFile != "" {
		abs, err := filepath.Abs(cfg.pidFile) // the daemon runs in "/"
		if err != nil {
			return err
		}
		cfg.pidFile = abs
		l, err := Lock(cfg.pidFile)
		if err != nil {
			return err
		}
		lock = l
	}
	p, r, err := startChild(cfg, lock)
	if lock != nil {
		lock.f.Close() // the daemon holds the lock from here on
	}
	if err != nil {
		if lock != nil {
			os.Remove(lock.path)
		}
		return err
	}
	if csrc.Enabled {
		p.Wait() // the session leader, which exits once it has forked
	} else {
		p.Release()
	}
	os.Exit(waitVerdict(r))
	return nil
}

// startChild starts /proc/self/exe with the readiness pipe as fd 3 and the
// lock as fd 4, and returns the process and the pipe's read end.
func startChild(cfg daemonConfig, lock *LockFile) (*os.Process, *os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	defer w.Close()
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	defer null.Close()
	files := []*os.File{null, null, null, w}
	m := marker{writeFD: 3, lockFD: -1, umask: uint32(cfg.umask)}
	if lock != nil {
		files, m.lockFD = append(files, lock.f), 4
	}
	env := withMarker(os.Environ(), m, cfg.pidFile)
	// Fds this process inherited without close-on-exec would pass into the
	// child: mark them all (this process only waits and exits from here);
	// StartProcess's dup2 into 0-4 clears the flag on the ones passed on.
	unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	old := syscall.Umask(int(cfg.umask))
	p, err := os.StartProcess("/proc/self/exe", os.Args, &os.ProcAttr{
		Dir: "/", Env: env, Files: files,
		Sys: &syscall.SysProcAttr{Setsid: !csrc.Enabled}, // with cgo, the shim does it
	})
	syscall.Umask(old)
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	return p, r, nil
}

// waitVerdict reads the daemon's verdict from the readiness pipe, prints a
// failure on stderr and returns the exit code for the starting process: "R"
// is ready (0), "E" and a message is a failure (1), end of file with
// neither means the daemon died before it was ready (1).
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

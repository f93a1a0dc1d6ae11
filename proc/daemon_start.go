package proc

import (
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
	p, st, err := startChild(cfg, lock)
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
	os.Exit(st.wait())
	return nil
}

// startChild starts /proc/self/exe with the readiness pipe as fd 3, the lock
// as fd 4, /dev/null as fd 0 and pipes as fds 1 and 2, whose read ends it
// passes too, for the daemon to read once this process is gone. It returns
// the process and this process's read ends.
func startChild(cfg daemonConfig, lock *LockFile) (_ *os.Process, _ *starter, err error) {
	var st starter
	var ours [3]*os.File // write ends: the child's copies are the ones that count
	defer func() {
		for _, f := range ours {
			if f != nil {
				f.Close()
			}
		}
		if err != nil {
			st.close()
		}
	}()
	for i, r := range []**os.File{&st.ready, &st.out, &st.errs} {
		if *r, ours[i], err = os.Pipe(); err != nil {
			return nil, nil, err
		}
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	defer null.Close()
	files := []*os.File{null, ours[1], ours[2], ours[0]}
	m := marker{writeFD: 3, lockFD: -1, umask: uint32(cfg.umask)}
	if lock != nil {
		files, m.lockFD = append(files, lock.f), 4
	}
	m.outFD, m.errFD = len(files), len(files)+1
	files = append(files, st.out, st.errs)
	env := withMarker(os.Environ(), m, cfg.pidFile)
	// Fds this process inherited without close-on-exec would pass into the
	// child: mark them all (this process only waits and exits from here);
	// StartProcess's dup2 into 0-6 clears the flag on the ones passed on.
	unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	old := syscall.Umask(int(cfg.umask))
	p, err := os.StartProcess("/proc/self/exe", os.Args, &os.ProcAttr{
		Env: env, Files: files, // the daemon changes to "/" in Daemon
		Sys: &syscall.SysProcAttr{Setsid: !csrc.Enabled}, // with cgo, the shim does it
	})
	syscall.Umask(old)
	if err != nil {
		return nil, nil, err
	}
	return p, &st, nil
}

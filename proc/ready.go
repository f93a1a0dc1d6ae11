package proc

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/release-daemon/release/proc/sdnotify"
	"golang.org/x/sys/unix"
)

// maxFailText bounds the error text sent to the starting process, so that
// it fits one atomic pipe write.
const maxFailText = 4000

// Ready says that start-up succeeded to whoever waits for it.
//
// In a daemon, it tells the process that started it: that process prints
// what the daemon wrote on stdout and stderr so far and exits 0, and the
// terminal or init system moves on. Ready returns once that process is gone
// (or after 10 seconds), so what the daemon writes after Ready goes to
// syslog (see [Daemon]). When NOTIFY_SOCKET is set, Ready also sends
// READY=1 there (systemd's Type=notify), whether or not the process is a
// daemon.
//
// In a worker, while [Me] runs, it tells the master that the worker is
// ready to serve: the Master counts a worker as started only then (see
// [Worker.StartTimeout]), and is itself ready once every worker is.
//
// After the first call, and in any other process, it does nothing.
func Ready() error {
	if worker, err := reportWorker(msgReady, ""); worker {
		return err
	}
	return errors.Join(sdnotify.Notify("READY=1"), inherited.verdict("R"))
}

// Fail says that start-up failed, and why, to whoever waits for it.
//
// In a daemon, it tells the process that started it, which prints what
// the daemon wrote so far, then err, on its stderr and exits 1. Fail
// returns once that process is gone, as Ready does; the daemon should exit
// then.
//
// In a worker, while [Me] runs, it tells the master, which logs err's text
// at error priority and stops the worker; during the Master's own start,
// Run then fails with a [*StartError] carrying that text (and a Background
// Master's starting command prints it). Me sends the same when main
// returns an error before Ready. In a worker, Fail waits (up to a second)
// until the master has read the message, so that a worker exiting right
// after it does not lose it.
//
// After Ready or Fail, and in any other process, it does nothing.
func Fail(err error) {
	text := "daemon failed"
	if err != nil {
		text = err.Error()
	}
	if worker, _ := reportWorker(msgFailed, text); worker {
		return
	}
	if len(text) > maxFailText {
		text = text[:maxFailText]
	}
	inherited.verdict("E" + text)
}

// handoverWait bounds how long Ready and Fail wait for the starting process
// to exit: one that is stopped must not hold the daemon up.
const handoverWait = 10 * time.Second

// verdict writes msg to the readiness pipe once, then waits until the
// starting process is gone, so that what the daemon writes from then on
// goes to syslog rather than to a terminal about to close.
func (s *daemonState) verdict(msg string) error {
	s.mu.Lock()
	if !s.adopted && s.daemon {
		s.adoptLocked()
	}
	err := s.writeVerdictLocked(msg)
	gone := s.gone
	s.mu.Unlock()
	if gone == nil {
		return err
	}
	t := time.NewTimer(handoverWait)
	defer t.Stop()
	select {
	case <-gone:
	case <-t.C:
		s.relay() // read the output beside the stuck starter: no writer blocks
	}
	return err
}

// writeVerdictLocked writes msg to the readiness pipe, if no verdict went
// there before and the starting process is still there to hear it.
func (s *daemonState) writeVerdictLocked(msg string) error {
	if s.ready == nil || s.sent {
		return nil
	}
	s.sent = true
	_, err := s.ready.WriteString(msg)
	return err
}

// adopt takes over what the daemon inherited: the working directory
// becomes "/", the lock file gets the daemon's PID, and the fds become
// close-on-exec so that no child sees them. A failure goes to the
// starting process too.
func (s *daemonState) adopt() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.adoptLocked()
	if err == nil {
		err = s.err
	}
	if err != nil { // tell the starting process too, and give up
		s.writeVerdictLocked("E" + err.Error())
	}
	return err
}

func (s *daemonState) adoptLocked() error {
	if s.adopted {
		return nil
	}
	s.adopted = true
	signal.Ignore(syscall.SIGHUP) // as the shim does, for the fallback's child
	if s.readyFD >= 0 {
		syscall.CloseOnExec(s.readyFD)
		s.ready = os.NewFile(uintptr(s.readyFD), "readiness pipe")
		s.gone = make(chan struct{})
		go s.watchStarter(s.readyFD)
	}
	for _, fd := range []int{s.outFD, s.errFD} {
		if fd >= 0 {
			syscall.CloseOnExec(fd)
		}
	}
	if err := os.Chdir("/"); err != nil {
		return fmt.Errorf("proc: daemon: %w", err)
	}
	if s.lockFD < 0 {
		return nil
	}
	syscall.CloseOnExec(s.lockFD)
	s.lock = &LockFile{path: s.lockPath, f: os.NewFile(uintptr(s.lockFD), s.lockPath)}
	return s.lock.writePID(os.Getpid())
}

// watchStarter waits until the starting process is gone: the readiness
// pipe then has no reader, which poll reports as POLLERR on its write end.
// It closes the pipe and sends the daemon's stdout and stderr to syslog:
// until then, that process alone reads them.
func (s *daemonState) watchStarter(fd int) {
	poll([]unix.PollFd{{Fd: int32(fd)}}, -1)
	s.mu.Lock()
	s.ready.Close()
	s.ready = nil
	s.mu.Unlock()
	s.relay()
	close(s.gone)
}

// relay starts copying the daemon's stdout and stderr to syslog, once.
func (s *daemonState) relay() {
	s.relayOnce.Do(func() {
		sink := &syslogSink{path: s.syslogPath, tag: filepath.Base(os.Args[0]), pid: os.Getpid()}
		for _, fd := range []int{s.outFD, s.errFD} {
			if fd >= 0 {
				go sink.copyLines(fd)
			}
		}
	})
}

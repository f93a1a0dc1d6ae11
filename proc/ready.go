package proc

import (
	"errors"
	"net"
	"os"
	"os/signal"
	"syscall"
)

// maxFailText bounds the error text sent to the starting process, so that
// it fits one atomic pipe write.
const maxFailText = 4000

// Ready tells the process that started the daemon that start-up succeeded:
// it exits 0, and the terminal or init system moves on. When NOTIFY_SOCKET
// is set, Ready also sends READY=1 there (systemd's Type=notify), whether
// or not the process is a daemon. Outside a daemon, and after the first
// call, it does nothing else.
func Ready() error {
	var err error
	if sock := os.Getenv("NOTIFY_SOCKET"); sock != "" {
		err = notify(sock, "READY=1")
	}
	return errors.Join(err, inherited.verdict("R"))
}

// Fail tells the process that started the daemon that start-up failed: it
// prints err on its stderr and exits 1. The daemon should exit after Fail.
// Outside a daemon, and after Ready or Fail, it does nothing.
func Fail(err error) {
	text := "daemon failed"
	if err != nil {
		text = err.Error()
	}
	if len(text) > maxFailText {
		text = text[:maxFailText]
	}
	inherited.verdict("E" + text)
}

// verdict writes msg to the readiness pipe once, and closes it.
func (s *daemonState) verdict(msg string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.adopted && s.daemon {
		s.adoptLocked()
	}
	return s.writeVerdictLocked(msg)
}

// writeVerdictLocked writes msg to the readiness pipe, if it is still
// open, and closes it: the starting process hears one verdict only.
func (s *daemonState) writeVerdictLocked(msg string) error {
	if s.ready == nil {
		return nil
	}
	_, err := s.ready.WriteString(msg)
	err = errors.Join(err, s.ready.Close())
	s.ready = nil
	return err
}

// adopt takes over what the daemon inherited: the lock file gets the
// daemon's PID, and both fds become close-on-exec so that no child sees
// them.
func (s *daemonState) adopt() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.adoptLocked(); err != nil {
		return err
	}
	if s.err != nil { // tell the starting process too, and give up
		s.writeVerdictLocked("E" + s.err.Error())
		return s.err
	}
	return nil
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
	}
	if s.lockFD < 0 {
		return nil
	}
	syscall.CloseOnExec(s.lockFD)
	s.lock = &LockFile{path: s.lockPath, f: os.NewFile(uintptr(s.lockFD), s.lockPath)}
	return s.lock.writePID(os.Getpid())
}

// notify sends one state line to systemd's notification socket. A name
// starting with '@' is an abstract socket, which package net understands.
func notify(sock, state string) error {
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write([]byte(state))
	return err
}

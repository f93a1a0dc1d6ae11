package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/release-daemon/release/proc/sandbox"
	"golang.org/x/sys/unix"
)

// The socket on which a sandboxed worker hands its master the listener
// of its filter: fd 5, after the program's 4, named in its environment.
const (
	sandboxNotifyEnv = "RELEASE_SANDBOX_NOTIFY"
	sandboxNotifyFD  = 5
)

// StopSandbox: the worker's sandbox refused a system call under action
// kill, and the Master killed it.
const StopSandbox StopReason = "sandbox"

// sandboxLink is the master's side of a sandboxed worker's start: its
// copy of the program's memfd, and both ends of the listener's socket.
type sandboxLink struct {
	prog, mine, theirs *os.File
}

// sandboxSockets are the master's ends of started workers' listener
// sockets, by PID, until their supervision takes them.
var sandboxSockets sync.Map

// closeWorkers closes the master's copies of the worker's files, once it
// has started (or not).
func (l *sandboxLink) closeWorkers() {
	if l != nil {
		l.prog.Close()
		l.theirs.Close()
	}
}

// abandon closes the master's end: the worker did not start.
func (l *sandboxLink) abandon() {
	if l != nil {
		l.mine.Close()
	}
}

// started keeps the master's end for the supervision of worker pid.
func (l *sandboxLink) started(pid int) {
	if l != nil {
		sandboxSockets.Store(pid, l.mine)
	}
}

// superviseSandbox, for a sandboxed worker, takes its filter's listener
// and answers its notifications on a goroutine until the worker is gone
// or ctx ends: each refused call is an SandboxViolation event, and one
// under action kill stops the worker with StopSandbox. It returns the
// function that waits for that goroutine.
func (r *run) superviseSandbox(ctx context.Context, s *slot, pid int, stop chan<- StopReason) (wait func()) {
	v, ok := sandboxSockets.LoadAndDelete(pid)
	if !ok {
		return func() {}
	}
	sock := v.(*os.File)
	spec, err := sandbox.Parse(s.w.Sandbox) // checked when Run began
	if err != nil {
		sock.Close()
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		listener, err := receiveListener(ctx, sock)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, io.EOF) {
				r.log.Warn("sandbox listener not received: refused calls fail with ENOSYS",
					"worker", s.w.Name, "slot", s.n, "pid", pid, "err", err)
			}
			return
		}
		report := func(v *sandbox.Violation) { r.sandboxViolation(s, pid, v, stop) }
		sup := sandbox.NewSupervisor(spec)
		if err := sup.Serve(ctx, listener, report); err != nil && ctx.Err() == nil {
			r.log.Warn("sandbox supervision ended", "worker", s.w.Name, "slot", s.n, "pid", pid, "err", err)
		}
		if spec.Action.Kind == sandbox.Learn {
			r.sandboxLearned(s, pid, sup.Learned())
		}
	}()
	return func() { <-done }
}

// receiveListener reads the listener the worker sends on sock, which it
// closes, until ctx ends; io.EOF if the worker closed its end first.
func receiveListener(ctx context.Context, sock *os.File) (int, error) {
	nc, err := net.FileConn(sock)
	sock.Close()
	if err != nil {
		return -1, err
	}
	defer nc.Close()
	uc, ok := nc.(*net.UnixConn)
	if !ok {
		return -1, fmt.Errorf("listener socket is a %T", nc)
	}
	stop := context.AfterFunc(ctx, func() { uc.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	buf, oob := make([]byte, 1), make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := uc.ReadMsgUnix(buf, oob)
	if err != nil {
		return -1, err
	}
	if n == 0 {
		return -1, io.EOF
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return -1, fmt.Errorf("no listener in the message: %v", err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return -1, fmt.Errorf("%d descriptors for the listener: %v", len(fds), err)
	}
	return fds[0], nil
}

// sandboxViolation logs and reports a call the worker's sandbox refused;
// under action kill it asks the worker's stop with StopSandbox first
// (the supervisor then kills it), unless it is being stopped already.
func (r *run) sandboxViolation(s *slot, pid int, v *sandbox.Violation, stop chan<- StopReason) {
	if v.Kill && s.status().State != Draining {
		select {
		case stop <- StopSandbox:
		default: // already being stopped
		}
	}
	level := slog.LevelWarn
	if v.Errno == 0 { // learning: allowed
		level = slog.LevelInfo
	}
	r.log.Log(context.Background(), level, "sandbox violation", "worker", s.w.Name, "slot", s.n, "pid", pid,
		"thread", v.PID, "call", v.Call(), "err", v.Error())
	r.event(Event{Kind: SandboxViolation, Worker: s.w.Name, Slot: s.n, PID: pid, Err: v, State: s.status().State})
}

// SandboxPolicy is what a worker under "action learn" did, as the
// tightest spec that would have let it: a SandboxLearned event's Err.
type SandboxPolicy struct {
	Spec sandbox.Spec // the tightest spec that would have passed
}

// Error returns the policy in the spec's text form, after
// "sandbox: learned: ".
func (p *SandboxPolicy) Error() string { return "sandbox: learned: " + p.Spec.String() }

// sandboxLearned logs and reports the policy learned from a worker once
// it is gone.
func (r *run) sandboxLearned(s *slot, pid int, spec sandbox.Spec) {
	r.log.Info("sandbox learned", "worker", s.w.Name, "slot", s.n, "pid", pid, "policy", spec.String())
	r.event(Event{Kind: SandboxLearned, Worker: s.w.Name, Slot: s.n, PID: pid, Err: &SandboxPolicy{spec},
		State: s.status().State})
}

// handListener sends the listener of this worker's supervised filter to
// its master over the socket sandboxNotifyEnv names, and closes both.
func handListener(listener int) error {
	defer unix.Close(listener)
	v, ok := os.LookupEnv(sandboxNotifyEnv)
	os.Unsetenv(sandboxNotifyEnv)
	if !ok || v != fmt.Sprint(sandboxNotifyFD) {
		return fmt.Errorf("%w: %s=%q for the filter's listener", ErrSandbox, sandboxNotifyEnv, v)
	}
	defer unix.Close(sandboxNotifyFD)
	if err := unix.Sendmsg(sandboxNotifyFD, []byte{0}, unix.UnixRights(listener), nil, unix.MSG_NOSIGNAL); err != nil {
		return fmt.Errorf("%w: sending the filter's listener: %w", ErrSandbox, err)
	}
	return nil
}

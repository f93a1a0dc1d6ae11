package proc

import (
	"context"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/release-daemon/release/frame"
	"golang.org/x/sys/unix"
)

// supervise keeps one slot running: start, serve, wait, and restart
// under the policy, until the Run ends.
func (r *run) supervise(s *slot) {
	w, pol := s.w, r.cfg.Restart
	var deaths []time.Time // monotonic readings
	bo := newBackoff(pol)
	env := workerEnviron(r.cfg.KeepEnv, w.Env)
	if w.Heartbeat > 0 {
		env = append(env, heartbeatEnv+"="+w.Heartbeat.String())
	}
	defer s.release() // whoever waits for this slot to be ready waits no more
	for r.ctx.Err() == nil {
		if !s.awaitHold(r.ctx) {
			return
		}
		start := time.Now()
		end, replaced := r.runOnce(s, env)
		code, pid, signalled := end.code, end.pid, end.signalled
		if r.ctx.Err() != nil {
			return
		}
		if replaced || r.retired(pid) { // a reload, an upgrade, a group restart: start again at once
			continue
		}
		if g := r.gen.Load(); g != nil && !g.over() { // an upgrade's new worker failed: it decides
			g.fail(fmt.Sprintf("worker %q slot %d: %s", w.Name, s.n, s.status().Reason))
			if !g.wait(r.ctx) {
				return
			}
			continue
		}
		if reason := doneReason(w, pol, code, pid, signalled); reason != "" {
			r.log.Info("worker not restarted", "worker", w.Name, "slot", s.n, "code", code, "why", reason)
			s.set(Stopped, 0, reason)
			r.tellStatus()
			return
		}
		now := time.Now()
		deaths = append(deaths, now)
		for len(deaths) > 0 && now.Sub(deaths[0]) > pol.Interval {
			deaths = deaths[1:]
		}
		if len(deaths) > pol.Burst {
			err := fmt.Errorf("%w: %q died %d times within %v", ErrRestartLimit, w.Name, len(deaths), pol.Interval)
			s.set(SlotFailed, 0, err.Error())
			r.event(Event{Kind: Failed, Worker: w.Name, Slot: s.n, Err: err, State: SlotFailed})
			if pol.OnLimit == StopMaster {
				r.log.Error("worker restarted too often: stopping", "worker", w.Name, "slot", s.n, "err", err)
				r.finish(err)
			} else {
				r.log.Error("worker failed", "worker", w.Name, "slot", s.n, "err", err)
			}
			r.tellStatus()
			return
		}
		delay := bo.died(now.Sub(start))
		r.event(Event{Kind: Restarting, Worker: w.Name, Slot: s.n, Delay: delay, State: Stopped})
		r.restartGroup(s)
		if !sleepCtx(r.ctx, delay) {
			return
		}
	}
}

// doneReason says why a worker that exited is not restarted, or "" if it
// is: its Worker's RestartMode, or the policy's DoNotRestart code.
func doneReason(w *Worker, pol RestartPolicy, code, pid int, signalled bool) string {
	switch {
	case pid == 0: // it did not start: a failure
		return ""
	case w.Restart == Temporary:
		return "temporary: it runs once"
	case w.Restart == Transient && code == 0 && !signalled:
		return "transient: it exited 0"
	case pol.DoNotRestart != 0 && code == pol.DoNotRestart:
		return fmt.Sprintf("it exited %d, the policy's DoNotRestart", code)
	}
	return ""
}

// runOnce starts one worker and serves it until it exits, and returns how
// it ended; or, when a reload or an upgrade gave its slot to a new worker
// while it ran, replaced is true and it runs on beside the slot.
func (r *run) runOnce(s *slot, env []string) (end exitResult, replaced bool) {
	if a := s.takeAdopted(); a != nil { // taken over from the previous image
		return r.await(s, a.t, a.res)
	}
	w := s.w
	t := newTenure(newPeerHealth())
	s.begin(t)
	s.set(Starting, 0, "")
	r.spawnGate.RLock() // an upgrade's exec waits until the worker is on record
	res := r.sp.start(w, workerTitle(w, s.n), env, t.health.control)
	if res.err != nil {
		r.spawnGate.RUnlock()
		r.log.Error("worker did not start", "worker", w.Name, "slot", s.n, "err", res.err)
		s.setBy(t, Stopped, 0, res.err.Error())
		r.event(Event{Kind: StartFailed, Worker: w.Name, Slot: s.n, Err: res.err, State: Stopped})
		return exitResult{code: -1}, false
	}
	s.mu.Lock()
	t.pid = res.p.Pid
	s.mu.Unlock()
	r.enlist(s, t, res)
	r.spawnGate.RUnlock()
	return r.await(s, t, res)
}

// await serves a started worker and waits until it exits, or leaves its
// slot to another.
func (r *run) await(s *slot, t *tenure, res spawnResult) (end exitResult, replaced bool) {
	go func() { t.result <- r.serve(s, t, res) }()
	select {
	case end = <-t.result:
		return end, false
	case <-t.replaced:
		return exitResult{pid: t.pid}, true
	}
}

// enlist records a started worker, so that peers, Slots and an upgrade
// know it.
func (r *run) enlist(s *slot, t *tenure, res spawnResult) {
	t.conn, t.hand, t.tree, t.slot = res.conn, res.hand, res.tree, s
	r.mu.Lock()
	r.live[res.p.Pid] = Peer{Worker: s.w.Name, PID: res.p.Pid, Conn: res.conn}
	r.tens[res.p.Pid] = t
	r.mu.Unlock()
}

// serve runs one started worker's tenure until it exits: its Handler, its
// health, its stop requests; then it reaps it and says how it ended.
func (r *run) serve(s *slot, t *tenure, res spawnResult) exitResult {
	w, h := s.w, t.health
	p, conn := res.p, res.conn
	handDone := make(chan struct{})
	go func() { defer close(handDone); r.serveHandover(s, t) }()
	peer := Peer{Worker: w.Name, PID: p.Pid, Conn: conn}
	s.setBy(t, Starting, p.Pid, "")
	r.log.Info("worker started", "worker", w.Name, "slot", s.n, "pid", p.Pid)
	r.event(Event{Kind: Started, Worker: w.Name, Slot: s.n, PID: p.Pid, State: Starting})

	ctx, cancel := context.WithCancel(r.ctx)
	var tasks sync.WaitGroup
	tasks.Go(func() { conn.WatchControl(ctx) }) // the worker's messages, when the Handler does not read
	handled := make(chan struct{})
	tasks.Go(func() {
		defer close(handled)
		if w.Handler == nil {
			return
		}
		if err := w.Handler(ctx, peer); err != nil && ctx.Err() == nil {
			r.log.Warn("worker handler", "worker", w.Name, "pid", p.Pid, "err", err)
		}
	})
	stopped := make(chan StopReason, 1)
	tasks.Go(func() { r.watchHealth(ctx, s, t, conn) })
	go func() { stopped <- r.stopper(s, t, p) }()
	// The tree is ended while the worker is still an unreaped zombie: its
	// PID, and so its process group, cannot be reused by another process
	// until Wait reaps it.
	waitExited(p.Pid)
	r.drain(conn, h, handled)
	r.contain.end(res.tree) // what the worker started dies with it
	select {                // what it handed over before it went, read to the end
	case <-handDone:
	case <-time.After(r.cfg.StopGrace):
	}
	t.hand.Close()
	st, err := p.Wait()
	r.contain.reaped(p.Pid)
	if err != nil || st == nil { // reaped by someone else: nothing to tell
		st = &os.ProcessState{}
	}
	close(t.exited)
	cancel()
	awaitHandler(w, handled, r.cfg.StopGrace)
	conn.Close()
	tasks.Wait()
	r.mu.Lock()
	delete(r.live, p.Pid)
	delete(r.tens, p.Pid)
	_, reloaded := r.retiring[p.Pid] // forgotten by supervise, through retired
	r.mu.Unlock()
	why := <-stopped // at once now that exited is closed
	if why == StopNone && reloaded {
		why = StopReload
	}
	logExit(r, w.Name, p.Pid, st, why)
	s.setBy(t, Stopped, 0, exitReason(st, why))
	r.event(Event{Kind: Exited, Worker: w.Name, Slot: s.n, PID: p.Pid, Code: st.ExitCode(), Stop: why, State: Stopped})
	if !h.isReady() && (why == StopNone || why == StopStartFailed) && r.ctx.Err() == nil {
		r.startFailed(s, t, p.Pid, st)
	}
	r.tellStatus()
	ws, _ := st.Sys().(syscall.WaitStatus)
	return exitResult{code: st.ExitCode(), pid: p.Pid, signalled: ws.Signaled()}
}

// drain, once the worker has exited, lets the Handler read the frames the
// worker sent before it went, until it has read them all, returned, or
// StopGrace passed, and takes the control frames left at the head of the
// stream (a ready message sent just before the exit): nothing the worker
// said is lost to the Master's closing of the connection.
func (r *run) drain(conn *frame.Conn, h *peerHealth, handled <-chan struct{}) {
	deadline := time.Now().Add(r.cfg.StopGrace)
	for conn.Unread() && time.Now().Before(deadline) {
		select {
		case <-handled:
			deadline = time.Now() // no one reads now
		case <-time.After(2 * time.Millisecond):
		}
	}
	if !h.isReady() {
		take, stop := context.WithTimeout(r.ctx, r.cfg.StopGrace)
		conn.TakeControl(take)
		stop()
	}
}

// startFailed reports a worker that ended before it was ready: in its own
// words if it said why. During the Master's start, the Run fails with it.
func (r *run) startFailed(s *slot, t *tenure, pid int, st *os.ProcessState) {
	reason := t.health.startFailure()
	if reason == "" {
		reason = "exited before it was ready (" + exitReason(st, StopNone) + ")"
	}
	err := &StartError{Worker: s.w.Name, Slot: s.n, PID: pid, Reason: reason}
	r.log.Error("worker failed to start", "worker", s.w.Name, "slot", s.n, "pid", pid, "err", reason)
	s.setBy(t, Stopped, 0, reason)
	r.event(Event{Kind: StartFailed, Worker: s.w.Name, Slot: s.n, PID: pid, Err: err, State: Stopped})
	text := err.Error()
	r.lastFailure.Store(&text)
	r.tellStartFailure(err)
	if !r.readySent() {
		r.finish(err)
	}
}

// exitReason says how a worker ended, for its slot's status.
func exitReason(st *os.ProcessState, why StopReason) string {
	ws, _ := st.Sys().(syscall.WaitStatus)
	how := "exit status " + fmt.Sprint(ws.ExitStatus())
	if ws.Signaled() {
		how = "killed by " + ws.Signal().String()
	}
	if why != StopNone {
		return string(why) + ": " + how
	}
	return how
}

// waitExited waits until pid has exited, without reaping it.
func waitExited(pid int) {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return
		}
	}
}

// stopper stops the worker, SIGTERM (and SIGCONT, should it be stopped)
// then SIGKILL after the grace, when
// the Run ends or the worker's supervision asks; it returns why it did,
// or StopNone if the worker exited first.
func (r *run) stopper(s *slot, t *tenure, p *os.Process) StopReason {
	why := StopRun
	select {
	case <-t.exited:
		return StopNone
	case <-r.ctx.Done():
	case why = <-t.stop:
	}
	s.setBy(t, Draining, p.Pid, string(why))
	if (why == StopReload || why == StopUpgrade) && r.askDrain(t) {
		drain := time.NewTimer(r.cfg.DrainTimeout)
		defer drain.Stop()
		select {
		case <-t.exited:
			return why
		case <-drain.C:
			r.log.Warn("worker did not drain in time", "worker", s.w.Name, "pid", p.Pid, "timeout", r.cfg.DrainTimeout)
		case <-r.ctx.Done():
		}
	}
	p.Signal(syscall.SIGTERM)
	p.Signal(syscall.SIGCONT) // a stopped worker could not act on it otherwise (as systemd does)
	timer := time.NewTimer(r.cfg.StopGrace)
	defer timer.Stop()
	select {
	case <-t.exited:
	case <-timer.C:
		p.Kill()
	}
	return why
}

// logExit says how a worker ended, in the original's words: a worker the
// Master stopped on purpose (why) is an INFO line, "worker stopped", with
// the reason; one that died on its own a warning, unless it exited 0.
func logExit(r *run, name string, pid int, st *os.ProcessState, why StopReason) {
	ws, _ := st.Sys().(syscall.WaitStatus)
	switch {
	case why != StopNone && ws.Signaled():
		r.log.Info("worker stopped", "worker", name, "pid", pid, "reason", string(why), "signal", ws.Signal().String())
	case why != StopNone:
		r.log.Info("worker stopped", "worker", name, "pid", pid, "reason", string(why), "code", ws.ExitStatus())
	case ws.Signaled():
		r.log.Warn("worker killed by signal", "worker", name, "pid", pid, "signal", ws.Signal().String())
	case ws.ExitStatus() == 0:
		r.log.Info("worker exited normally", "worker", name, "pid", pid)
	default:
		r.log.Warn("worker exited with status", "worker", name, "pid", pid, "code", ws.ExitStatus())
	}
}

// sleepCtx waits d, or until ctx ends; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

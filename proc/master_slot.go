package proc

import (
	"context"
	"fmt"
	"golang.org/x/sys/unix"
	"os"
	"syscall"
	"time"
)

// supervise keeps one slot of w running: start, serve, wait, and restart
// under the policy, until the Run ends.
func (r *run) supervise(w *Worker, slot int) {
	pol := r.cfg.Restart
	var deaths []time.Time // monotonic readings
	delay := pol.Backoff
	env := workerEnviron(r.cfg.KeepEnv, w.Env)
	first := true
	for r.ctx.Err() == nil {
		start := time.Now()
		code, pid := r.runOnce(w, slot, env, first)
		first = first && pid == 0
		if r.ctx.Err() != nil {
			return
		}
		if r.retired(pid) { // a rolling restart: start again at once
			continue
		}
		if pol.DoNotRestart != 0 && code == pol.DoNotRestart {
			r.log.Info("worker asked not to be restarted", "worker", w.Name, "slot", slot, "code", code)
			return
		}
		now := time.Now()
		deaths = append(deaths, now)
		for len(deaths) > 0 && now.Sub(deaths[0]) > pol.Interval {
			deaths = deaths[1:]
		}
		if len(deaths) > pol.Burst {
			err := fmt.Errorf("%w: %q died %d times within %v", ErrRestartLimit, w.Name, len(deaths), pol.Interval)
			r.event(Event{Kind: Failed, Worker: w.Name, Slot: slot, Err: err})
			if pol.OnLimit == StopMaster {
				r.finish(err)
			} else {
				r.log.Error("worker failed", "worker", w.Name, "slot", slot, "err", err)
			}
			return
		}
		if pol.HealthyAfter > 0 && now.Sub(start) >= pol.HealthyAfter {
			delay = pol.Backoff
		}
		r.event(Event{Kind: Restarting, Worker: w.Name, Slot: slot, Delay: delay})
		if !sleepCtx(r.ctx, delay) {
			return
		}
		delay = min(delay*2, pol.MaxBackoff)
	}
}

// runOnce starts one worker, serves it until it exits and returns its exit
// code and PID, or -1 and 0 if it did not start.
func (r *run) runOnce(w *Worker, slot int, env []string, first bool) (int, int) {
	res := r.sp.start(w, workerTitle(w, slot), env)
	if res.err != nil {
		r.log.Error("worker did not start", "worker", w.Name, "slot", slot, "err", res.err)
		r.event(Event{Kind: StartFailed, Worker: w.Name, Slot: slot, Err: res.err})
		return -1, 0
	}
	p, conn := res.p, res.conn
	if first {
		r.slotStarted()
	}
	peer := Peer{Worker: w.Name, PID: p.Pid, Conn: conn}
	r.mu.Lock()
	r.live[p.Pid] = peer
	r.mu.Unlock()
	r.log.Info("worker started", "worker", w.Name, "slot", slot, "pid", p.Pid)
	r.event(Event{Kind: Started, Worker: w.Name, Slot: slot, PID: p.Pid})

	ctx, cancel := context.WithCancel(r.ctx)
	handled := make(chan struct{})
	go func() {
		defer close(handled)
		if w.Handler == nil {
			return
		}
		if err := w.Handler(ctx, peer); err != nil && ctx.Err() == nil {
			r.log.Warn("worker handler", "worker", w.Name, "pid", p.Pid, "err", err)
		}
	}()
	exited, signalled := make(chan struct{}), make(chan bool, 1)
	go func() { signalled <- r.stopOnEnd(p, exited) }()
	// The tree is ended while the worker is still an unreaped zombie: its
	// PID, and so its process group, cannot be reused by another process
	// until Wait reaps it.
	waitExited(p.Pid)
	r.contain.end(res.tree) // what the worker started dies with it
	st, err := p.Wait()
	r.contain.reaped(p.Pid)
	if err != nil || st == nil { // reaped by someone else: nothing to tell
		st = &os.ProcessState{}
	}
	close(exited)
	cancel()
	conn.Close()
	<-handled
	r.mu.Lock()
	delete(r.live, p.Pid)
	_, reloaded := r.retiring[p.Pid] // forgotten by supervise, through retired
	r.mu.Unlock()
	why := StopNone
	if reloaded {
		why = StopReload
	}
	if <-signalled { // returns at once now that exited is closed
		why = StopRun
	}
	logExit(r, w.Name, p.Pid, st, why)
	r.event(Event{Kind: Exited, Worker: w.Name, Slot: slot, PID: p.Pid, Code: st.ExitCode(), Stop: why})
	return st.ExitCode(), p.Pid
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

// stopOnEnd sends SIGTERM when the Run ends, then SIGKILL after the grace;
// it reports whether it signalled the worker.
func (r *run) stopOnEnd(p *os.Process, exited <-chan struct{}) bool {
	select {
	case <-exited:
		return false
	case <-r.ctx.Done():
	}
	p.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(r.cfg.StopGrace):
		p.Kill()
	}
	return true
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

package proc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/release-daemon/release/proc/sdnotify"
)

// handleSignals catches SIGINT, SIGTERM and SIGHUP for the Run; the
// returned function stops catching them.
func (r *run) handleSignals() (stop func()) {
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR2)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case sig := <-ch:
				switch sig {
				case syscall.SIGHUP:
					go r.rollingRestart()
					continue
				case syscall.SIGUSR2:
					go r.upgrade(r.ctx) // it logs its outcome
					continue
				}
				r.log.Info("stopping", "signal", sig.String())
				r.finish(&SignalError{Signal: sig})
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// rollingRestart replaces the live workers one slot at a time: a new
// worker starts in the slot while the old one goes on serving beside it,
// and once the new one is ready the old one is told to drain (hand its
// connections over, with MeOptions.Drain; else SIGTERM) and exit. Some
// worker serves every slot throughout, and no connection need be cut. An
// old worker whose replacement does not get ready in time serves on until
// one does. These exits are not counted against the restart limit.
func (r *run) rollingRestart() error {
	r.replacing.Lock() // one reload or upgrade at a time; the next waits
	defer r.replacing.Unlock()
	var budget time.Duration // each slot: its start, then its old worker's drain and grace
	for _, s := range r.table {
		budget += s.w.StartTimeout + time.Second
	}
	budget += r.cfg.DrainTimeout + r.cfg.StopGrace
	r.reloading.Store(true)
	defer r.reloading.Store(false)
	sdnotify.Notify(sdnotify.Reloading() + "\n" + sdnotify.ExtendTimeout(budget))
	r.log.Info("restarting workers one at a time")
	var old []*tenure
	var errs []error
	for _, s := range r.table {
		t := s.retire()
		if t == nil {
			continue
		}
		old = append(old, t)
		if !r.waitReplaced(s, t.pid) && r.ctx.Err() == nil {
			r.log.Warn("the new worker is not ready: the old one serves on until one is",
				"worker", s.w.Name, "slot", s.n, "pid", t.pid)
			errs = append(errs, fmt.Errorf("proc: reload: worker %q slot %d: no new worker ready within %v; worker %d serves on",
				s.w.Name, s.n, s.w.StartTimeout+time.Second, t.pid))
		}
		r.stopWhenReplaced(s, t, StopReload)
	}
	if !r.waitGone(old, r.cfg.DrainTimeout+r.cfg.StopGrace+time.Second) && len(errs) == 0 && r.ctx.Err() == nil {
		errs = append(errs, errors.New("proc: reload: an old worker did not exit within DrainTimeout and StopGrace"))
	}
	sdnotify.Notify("READY=1\n" + sdnotify.Status(r.summary()))
	return errors.Join(errs...)
}

// Reload replaces every worker of the Master whose Run made ctx (Main's,
// a Handler's, a control request's), as SIGHUP does, and returns once
// each slot runs a new ready worker and the old ones have handed their
// connections over and exited; or with an error saying which slot did
// not get a new worker in time (its old worker serves on). Reloads and
// upgrades run one at a time: a second waits for the first. It returns
// ErrNoRun for a context no Run made.
func Reload(ctx context.Context) error {
	r, _ := ctx.Value(runKey{}).(*run)
	if r == nil {
		return ErrNoRun
	}
	done := make(chan error, 1)
	go func() { done <- r.rollingRestart() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err() // the reload goes on
	}
}

// waitReplaced waits until the slot runs a ready worker other than old,
// for at most its StartTimeout and a second; it reports whether it does.
func (r *run) waitReplaced(s *slot, old int) bool {
	return r.waitNewWorker(nil, s, old, time.Now().Add(s.w.StartTimeout+time.Second)) == ""
}

func replacedBy(s *slot, old int) bool {
	st := s.status()
	return st.State == SlotReady && st.PID != old
}

// stopWhenReplaced asks the retired worker t to stop for why once its
// slot runs a ready worker in its place, now or later: a worker leaves
// only for one that serves.
func (r *run) stopWhenReplaced(s *slot, t *tenure, why StopReason) {
	if replacedBy(s, t.pid) {
		t.ask(why)
		return
	}
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for !replacedBy(s, t.pid) {
			select {
			case <-t.exited:
				return
			case <-r.ctx.Done():
				return // Run's end stops it
			case <-tick.C:
			}
		}
		t.ask(why)
	}()
}

// waitGone waits until every worker of ts has exited, for at most d.
func (r *run) waitGone(ts []*tenure, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for _, t := range ts {
		select {
		case <-t.exited:
		case <-timer.C:
			return false
		case <-r.ctx.Done():
			return false
		}
	}
	return true
}

// retired reports, and forgets, whether pid was stopped on purpose.
func (r *run) retired(pid int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.retiring[pid]
	delete(r.retiring, pid)
	return ok
}

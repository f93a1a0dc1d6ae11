package proc

import (
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
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case sig := <-ch:
				if sig == syscall.SIGHUP {
					r.rollingRestart()
					continue
				}
				r.log.Info("stopping", "signal", sig.String())
				r.finish(&SignalError{Signal: sig})
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// rollingRestart stops the live workers one at a time, each after the
// previous one's replacement is ready, so that some always serve. These
// exits are not counted against the restart limit.
func (r *run) rollingRestart() {
	var budget time.Duration // each slot: its grace, then its start
	for _, s := range r.table {
		budget += r.cfg.StopGrace + s.w.StartTimeout + time.Second
	}
	r.reloading.Store(true)
	defer r.reloading.Store(false)
	sdnotify.Notify(sdnotify.Reloading() + "\n" + sdnotify.ExtendTimeout(budget))
	r.log.Info("restarting workers one at a time")
	for _, s := range r.table {
		old := s.status().PID
		if old == 0 {
			continue
		}
		r.mu.Lock()
		r.retiring[old] = struct{}{}
		r.mu.Unlock()
		if proc, err := os.FindProcess(old); err == nil {
			proc.Signal(syscall.SIGTERM)
		}
		r.waitReplaced(s, old)
	}
	sdnotify.Notify("READY=1\n" + sdnotify.Status(r.summary()))
}

// waitReplaced waits until the slot runs a ready worker other than old,
// for at most StopGrace plus its StartTimeout plus a second.
func (r *run) waitReplaced(s *slot, old int) {
	deadline := time.Now().Add(r.cfg.StopGrace + s.w.StartTimeout + time.Second)
	for time.Now().Before(deadline) && r.ctx.Err() == nil {
		if st := s.status(); st.State == SlotReady && st.PID != old {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// retired reports, and forgets, whether pid was stopped on purpose.
func (r *run) retired(pid int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.retiring[pid]
	delete(r.retiring, pid)
	return ok
}

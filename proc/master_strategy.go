package proc

import (
	"context"
	"time"
)

// A group restart (RestartPolicy.Strategy OneForAll or RestForOne) stops
// the other workers of the dead one's Group (all of them, or those after
// it), as retired, not dead; each waits before it starts again until the
// dead one's slot is ready (or gives up, or itself waits for another, so
// that two group restarts at once cannot wait for each other forever).

// StopGroup: the Master stopped a worker because another of its Group
// died, under OneForAll or RestForOne.
const StopGroup StopReason = "group restart"

// awaitHold waits, before a start, for the slot a group restart made this
// one wait for; it reports whether the Run goes on.
func (s *slot) awaitHold(ctx context.Context) bool {
	s.release() // whoever waits for this slot must not wait for it to wait
	s.mu.Lock()
	hold := s.hold
	s.hold = nil
	s.mu.Unlock()
	if hold == nil {
		return ctx.Err() == nil
	}
	select {
	case <-hold:
		return true
	case <-ctx.Done():
		return false
	}
}

// waiters returns the channel that release closes, for the slots that
// wait for this one.
func (s *slot) waiters() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.onReady == nil {
		s.onReady = make(chan struct{})
	}
	return s.onReady
}

// release lets the slots waiting for this one start.
func (s *slot) release() {
	s.mu.Lock()
	if s.onReady != nil {
		close(s.onReady)
		s.onReady = nil
	}
	s.mu.Unlock()
}

// restartGroup stops the workers that restart with dead under the
// Strategy, and waits until they have exited.
func (r *run) restartGroup(dead *slot) {
	strategy := r.cfg.Restart.Strategy
	if strategy == OneForOne {
		return
	}
	hold := dead.waiters()
	var stopping []<-chan struct{}
	for _, x := range r.table {
		if x == dead || x.w.Group != dead.w.Group || (strategy == RestForOne && x.index < dead.index) {
			continue
		}
		x.mu.Lock()
		x.hold = hold
		x.mu.Unlock()
		t := x.running()
		if t == nil { // not running: it waits before its next start
			continue
		}
		r.mu.Lock()
		r.retiring[t.pid] = struct{}{}
		r.mu.Unlock()
		t.ask(StopGroup)
		stopping = append(stopping, t.exited)
	}
	r.log.Info("restarting the group with the worker that died", "worker", dead.w.Name, "slot", dead.n,
		"strategy", strategy.String(), "stopping", len(stopping))
	t := time.NewTimer(r.cfg.StopGrace + time.Second) // the stopper kills at StopGrace
	defer t.Stop()
	for _, ex := range stopping {
		select {
		case <-ex:
		case <-t.C:
			return
		case <-r.ctx.Done():
			return
		}
	}
}

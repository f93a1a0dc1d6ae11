package proc

import (
	"sync/atomic"

	"github.com/release-daemon/release/frame"
)

// tenure is one worker process's time in its slot: from its start until
// it exits, or until a replacement takes the slot over (a reload or an
// upgrade retires it), after which it runs on beside the slot, serving
// until it is told to drain, and no longer counts in the slot's state.
type tenure struct {
	pid      int
	stop     chan StopReason // requests to stop it
	exited   chan struct{}   // closed once it has exited
	replaced chan struct{}   // closed when it leaves the slot (retire)
	result   chan exitResult // its end, for the slot's supervision
	health   *peerHealth
	hand     *frame.Conn // the hand-over socket
	canHand  atomic.Bool // it said it drains and adopts
	conn     *frame.Conn // its connection
	tree     *tree       // what it started
	slot     *slot       // the slot it was started in
}

// exitResult is how a worker ended: its exit code, PID, and whether a
// signal ended it; -1, 0, false if it did not start.
type exitResult struct {
	code, pid int
	signalled bool
}

func newTenure(h *peerHealth) *tenure {
	return &tenure{stop: make(chan StopReason, 1), exited: make(chan struct{}),
		replaced: make(chan struct{}), result: make(chan exitResult, 1), health: h}
}

// begin makes t the slot's tenure: from now on the slot's state is t's.
func (s *slot) begin(t *tenure) {
	s.mu.Lock()
	s.ten = t
	s.mu.Unlock()
}

// holds reports whether t is still the slot's tenure.
func (s *slot) holds(t *tenure) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ten == t
}

// setBy sets the slot's state on behalf of t, if t still holds the slot.
func (s *slot) setBy(t *tenure, state SlotState, pid int, reason string) {
	if s.holds(t) {
		s.set(state, pid, reason)
	}
}

// setHealthyBy records t's health, if t still holds the slot.
func (s *slot) setHealthyBy(t *tenure, ok bool) {
	if s.holds(t) {
		s.setHealthy(ok)
	}
}

// retire takes the slot from the worker running in it, which goes on
// running beside it until told to stop, and returns that worker's tenure;
// nil if no worker runs. The slot's supervision then starts the next
// worker at once.
func (s *slot) retire() *tenure {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.ten
	if t == nil || t.pid == 0 || closed(t.exited) {
		return nil
	}
	s.ten = nil
	close(t.replaced)
	return t
}

// running returns the tenure of the worker running in the slot, or nil.
func (s *slot) running() *tenure {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.ten; t != nil && t.pid != 0 && !closed(t.exited) {
		return t
	}
	return nil
}

// ask asks t's worker to stop for why, unless it is being stopped already.
func (t *tenure) ask(why StopReason) {
	select {
	case t.stop <- why:
	default:
	}
}

func closed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// tenures returns every live worker's tenure, in its slot or beside it.
func (r *run) tenures() []*tenure {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*tenure, 0, len(r.tens))
	for _, t := range r.tens {
		out = append(out, t)
	}
	return out
}

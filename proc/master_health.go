package proc

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/release-daemon/release/frame"
)

// Defaults of a Worker's supervision settings.
const (
	DefaultStartTimeout = 15 * time.Second // of Worker.StartTimeout
	DefaultMisses       = 2                // of Worker.Misses
)

// peerHealth is what the master heard from one running worker, written by
// whoever reads its connection (see frame.WithControl).
type peerHealth struct {
	readyCh   chan struct{} // closed when it said it is ready
	failedCh  chan struct{} // closed when it said it could not start
	readyOnce sync.Once
	failOnce  sync.Once
	failText  atomic.Pointer[string]
	pongSeq   atomic.Uint64          // the last heartbeat answered
	sick      atomic.Pointer[string] // the last answer's complaint, nil if healthy
	timedOut  atomic.Pointer[string] // why the wait for readiness ended
}

func newPeerHealth() *peerHealth {
	return &peerHealth{readyCh: make(chan struct{}), failedCh: make(chan struct{})}
}

// control takes the worker's messages. It runs on the reading goroutine,
// so it only records.
func (h *peerHealth) control(kind byte, p []byte) {
	switch kind {
	case msgReady:
		h.markReady()
	case msgFailed:
		h.failOnce.Do(func() {
			text := string(p[:min(len(p), maxReportText)])
			h.failText.Store(&text)
			close(h.failedCh)
		})
	case msgPong:
		seq, status, text, ok := parsePong(p)
		if !ok {
			return
		}
		if status == pongHealthy {
			h.sick.Store(nil)
		} else {
			complaint := string(text)
			h.sick.Store(&complaint)
		}
		h.pongSeq.Store(seq)
	}
}

func (h *peerHealth) markReady() { h.readyOnce.Do(func() { close(h.readyCh) }) }

func (h *peerHealth) isReady() bool {
	select {
	case <-h.readyCh:
		return true
	default:
		return false
	}
}

// startFailure is why the worker did not get ready, if it said or the
// wait timed out; "" otherwise.
func (h *peerHealth) startFailure() string {
	if t := h.failText.Load(); t != nil {
		return *t
	}
	if t := h.timedOut.Load(); t != nil {
		return *t
	}
	return ""
}

// writePings writes each heartbeat handed to it until ctx ends or a write
// fails. It runs on a goroutine of its own, so that a worker that does
// not read, whose socket fills, holds up only this goroutine, not the
// count of misses. It writes with a context that never ends: frame
// watches one that can with context.AfterFunc, two allocations a write.
// A write stuck on a full socket ends when the connection is closed,
// which the Master does once the worker has exited: no one waits for
// this goroutine.
func writePings(ctx context.Context, conn *frame.Conn, pings <-chan uint64) {
	var buf [8]byte
	for {
		select {
		case <-ctx.Done():
			return
		case seq := <-pings:
			binary.BigEndian.PutUint64(buf[:], seq)
			if conn.WriteControl(context.Background(), msgPing, buf[:]) != nil {
				return
			}
		}
	}
}

// watchHealth waits for the worker to be ready, within StartTimeout, then
// sends heartbeats if the Worker wants them, until ctx ends (the worker
// exited, or the Run ends). A worker that fails its start or stops
// answering is asked to stop through stop.
func (r *run) watchHealth(ctx context.Context, s *slot, ten *tenure, conn *frame.Conn) {
	w, h, pid := s.w, ten.health, ten.pid
	defer r.superviseSandbox(ctx, s, pid, ten.stop)()
	if w.ReadyOnStart {
		h.markReady()
	}
	t := time.NewTimer(w.StartTimeout)
	select {
	case <-ctx.Done():
		t.Stop()
		if !h.isReady() {
			return
		}
		// It said so just before it exited (runOnce takes what is left
		// in its socket before ending ctx): it was ready, and counts.
	case <-h.failedCh:
		t.Stop()
		ten.ask(StopStartFailed)
		return
	case <-t.C:
		why := fmt.Sprintf("not ready within %v (StartTimeout)", w.StartTimeout)
		h.timedOut.Store(&why)
		ten.ask(StopStartFailed)
		return
	case <-h.readyCh:
		t.Stop()
	}
	s.setBy(ten, SlotReady, pid, "")
	// With heartbeats, healthy once it has answered one so: a worker that
	// is sick from the start must not look well until its first answer,
	// which would feed systemd's watchdog between each replacement.
	s.setHealthyBy(ten, w.Heartbeat <= 0)
	r.log.Info("worker ready", "worker", w.Name, "slot", s.n, "pid", pid)
	r.event(Event{Kind: WorkerReady, Worker: w.Name, Slot: s.n, PID: pid, State: SlotReady})
	if s.holds(ten) {
		r.slotReady(s)
	}
	if w.Heartbeat > 0 && ctx.Err() == nil {
		r.heartbeats(ctx, s, ten, conn)
	}
}

// heartbeats pings the worker every Heartbeat and checks, a beat later,
// that it answered healthy; after more than Misses beats in a row
// without, the worker is hung and asked to stop.
func (r *run) heartbeats(ctx context.Context, s *slot, ten *tenure, conn *frame.Conn) {
	w, h, pid := s.w, ten.health, ten.pid
	pings := make(chan uint64, 1)
	go writePings(ctx, conn, pings)
	tick := time.NewTicker(w.Heartbeat)
	defer tick.Stop()
	seq, misses := uint64(1), 0
	pings <- seq // the first at once: a new worker counts healthy after one answer
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		// One look at the answers: the answer's number, then its verdict,
		// which the reader stores before the number.
		answered, complaint := h.pongSeq.Load() == seq, h.sick.Load()
		if answered && complaint == nil {
			if misses > 0 {
				r.log.Info("worker healthy again", "worker", w.Name, "slot", s.n, "pid", pid)
			}
			misses = 0
			s.setHealthyBy(ten, true)
		} else {
			misses++
			s.setHealthyBy(ten, false)
			why := "no answer to a heartbeat"
			if answered && complaint != nil {
				why = "unhealthy: " + *complaint
			}
			r.event(Event{Kind: Unhealthy, Worker: w.Name, Slot: s.n, PID: pid, State: SlotReady,
				Err: fmt.Errorf("%w: %s (%d of %d allowed)", ErrUnhealthy, why, misses, w.Misses)})
			if misses > w.Misses {
				err := fmt.Errorf("%w: %s, %d heartbeats in a row (every %v)", ErrHung, why, misses, w.Heartbeat)
				r.log.Error("worker hung: stopping it", "worker", w.Name, "slot", s.n, "pid", pid, "err", err)
				r.event(Event{Kind: Hung, Worker: w.Name, Slot: s.n, PID: pid, State: Draining, Err: err})
				ten.ask(StopHung)
				return
			}
		}
		seq++
		select {
		case pings <- seq:
		default: // the last ping has not gone out: the worker does not read
		}
	}
}

package proc

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/release-daemon/release/proc/sdnotify"
)

// SlotState is where one worker slot is in its life:
//
//	Starting ──Ready()──▶ Ready ──stop asked, hung──▶ Draining ──exit──▶ Stopped
//	   │                    │                                              │
//	   └── init error, ─────┴──────────── died ───────────────────────────▶┤
//	       StartTimeout                                                    │
//	                         restart (under the policy) ◀──────────────────┤
//	                                          gave up (restart limit) ──▶ Failed
type SlotState int

const (
	Starting   SlotState = iota // started, not yet ready; or waiting to start
	SlotReady                   // the worker said it is ready (Ready in the worker)
	Draining                    // being stopped: SIGTERM sent, StopGrace running
	Stopped                     // exited; it starts again if the policy says so
	SlotFailed                  // given up: not restarted
)

// String returns the state in words: "starting", "ready", and so on.
func (s SlotState) String() string {
	names := [...]string{"starting", "ready", "draining", "stopped", "failed"}
	if s < 0 || int(s) >= len(names) {
		return "SlotState(" + strconv.Itoa(int(s)) + ")"
	}
	return names[s]
}

// SlotStatus is one worker slot as the Master sees it now.
type SlotStatus struct {
	Worker  string    // the Worker's name
	Slot    int       // which of its Count
	State   SlotState // where it is
	Since   time.Time // when it got there: its age is time.Since(Since)
	PID     int       // the running process, 0 when none
	Healthy bool      // ready and, with heartbeats, answering them healthy
	Reason  string    // why it failed or was last stopped, if it was
}

// slot is one slot's live record; the Run's table holds one per slot.
type slot struct {
	w     *Worker
	n     int // which of w's Count
	index int // in the Run's table

	mu        sync.Mutex
	state     SlotState
	since     time.Time
	pid       int
	healthy   bool
	reason    string
	everReady bool

	ten     *tenure         // the worker in the slot, nil when none
	adopted *adoption       // a worker of the previous image, for its first round
	hold    <-chan struct{} // a group restart's: wait for it before the next start
	onReady chan struct{}   // closed when this slot is ready, for the slots held for it
}

func (s *slot) set(state SlotState, pid int, reason string) {
	s.mu.Lock()
	s.state, s.since, s.pid = state, time.Now(), pid
	if reason != "" {
		s.reason = reason
	}
	if state != SlotReady {
		s.healthy = false
	}
	s.mu.Unlock()
}

func (s *slot) status() SlotStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return SlotStatus{Worker: s.w.Name, Slot: s.n, State: s.state, Since: s.since, PID: s.pid,
		Healthy: s.healthy, Reason: s.reason}
}

func (s *slot) setHealthy(ok bool) {
	s.mu.Lock()
	s.healthy = ok && s.state == SlotReady
	s.mu.Unlock()
}

// runKey carries the Run in the contexts it hands out, for Slots.
type runKey struct{}

// Slots returns the state of every worker slot of the Master whose Run
// made ctx: Main's, a Worker's Handler's, or a control request's. It
// returns nil for any other context.
func Slots(ctx context.Context) []SlotStatus {
	r, _ := ctx.Value(runKey{}).(*run)
	if r == nil {
		return nil
	}
	out := make([]SlotStatus, len(r.table))
	for i, s := range r.table {
		out[i] = s.status()
	}
	return out
}

// summary is the STATUS= line: how many workers are ready.
func (r *run) summary() string {
	ready := 0
	for _, s := range r.table {
		if st := s.status(); st.State == SlotReady {
			ready++
		}
	}
	line := fmt.Sprintf("%d/%d workers ready", ready, len(r.table))
	if g := r.generation.Load(); g > 0 {
		line += fmt.Sprintf(", generation %d", g)
	}
	if failure := r.lastFailure.Load(); failure != nil && ready < len(r.table) {
		line += "; last failed start: " + *failure
	}
	return line
}

// tellStatus sends the summary to systemd, when it listens. Slots change
// at once on many goroutines, whose lines may reach the socket in any
// order (one computed early can be sent late): so each sends again until
// what it sent is still the summary after sending. Every change is
// followed by a tellStatus, so the last line systemd gets is the truth.
func (r *run) tellStatus() {
	if sdnotify.Socket() == "" {
		return
	}
	for sent := ""; ; {
		now := r.summary()
		if now == sent || sdnotify.Notify(sdnotify.Status(now)) != nil {
			return
		}
		sent = now
	}
}

// slotReady counts a slot's first readiness; once every slot has been
// ready, the Master is: a Background one tells its starting command, and
// systemd hears READY=1 when NOTIFY_SOCKET is set.
func (r *run) slotReady(s *slot) {
	s.release()
	r.mu.Lock()
	first := !s.everReady
	s.everReady = true
	if first {
		r.started++
	}
	send := !r.ready && r.started == len(r.table)
	r.ready = r.ready || send
	r.mu.Unlock()
	r.tellStatus()
	if send {
		r.log.Info("every worker is ready", "workers", len(r.table))
		Ready() // the starting command, if Background; systemd, if NOTIFY_SOCKET
	}
}

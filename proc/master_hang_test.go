package proc

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/signal"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

func init() {
	helpers["worker-beats"] = helperWorkerBeats
}

// helperWorkerBeats says it is ready and answers heartbeats; its probe
// fails from the first SIGUSR1 on. It echoes frames, or with
// RELEASE_TEST_NO_READ=1 never reads its connection.
func helperWorkerBeats() int {
	var sick atomic.Bool
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	go func() { <-usr1; sick.Store(true) }()
	probe := func(context.Context) error {
		if sick.Load() {
			return errors.New("the database is gone")
		}
		return nil
	}
	Me(context.Background(), MeOptions{AllowRoot: true, Logger: quietLogger(), Probe: probe}, func(ctx context.Context, c *frame.Conn) error {
		if err := Ready(); err != nil {
			return err
		}
		if os.Getenv("RELEASE_TEST_NO_READ") == "1" {
			time.Sleep(time.Hour)
		}
		return echoFrames(c)
	})
	return 0
}

// Heartbeat settings of the tests below.
const (
	testBeat   = 100 * time.Millisecond
	testMisses = 2
	testGrace  = 300 * time.Millisecond
)

// beatingWorker is a worker-beats Worker with the tests' heartbeats.
func beatingWorker(t *testing.T, name string, count int, handler func(context.Context, Peer) error) Worker {
	w := testWorker(t, "worker-beats", count, handler)
	w.Name, w.Heartbeat, w.Misses = name, testBeat, testMisses
	return w
}

// hang is one worker made to hang, and what followed.
type hang struct {
	kind                    string // "frozen" (SIGSTOP) or "sick" (its probe fails)
	at, hung, exited, ready time.Time
	err                     error // of the Hung event
	replacement             int   // the new worker's PID
}

// hangLab makes ready workers hang, one at a time per slot, and records
// when the Master finds each hung and when its replacement is ready.
type hangLab struct {
	want int // hangs of each kind

	mu     sync.Mutex
	hangs  map[int]*hang // by the PID made to hang
	done   map[string][]*hang
	queued map[string]int
	last   map[[2]any]int // the PID of each (worker, slot)
	wrong  []string       // events that should not have come
	full   chan struct{}  // closed when every kind has its hangs
}

func newHangLab(want int) *hangLab {
	return &hangLab{want: want, hangs: map[int]*hang{}, done: map[string][]*hang{}, queued: map[string]int{},
		last: map[[2]any]int{}, full: make(chan struct{})}
}

// event takes the Master's events; it never blocks.
func (l *hangLab) event(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch e.Kind {
	case WorkerReady:
		key := [2]any{e.Worker, e.Slot}
		if h := l.hangs[l.last[key]]; h != nil && h.ready.IsZero() {
			h.ready, h.replacement = e.Time, e.PID
			l.done[h.kind] = append(l.done[h.kind], h)
			if len(l.done["frozen"]) >= l.want && len(l.done["sick"]) >= l.want {
				select {
				case <-l.full:
				default:
					close(l.full)
				}
			}
		}
		l.last[key] = e.PID
		if l.queued[e.Worker] < l.want {
			l.queued[e.Worker]++
			// Somewhere in the beat after a few good ones, so that the
			// hangs fall on every phase of the heartbeat.
			pid := e.PID
			time.AfterFunc(2*testBeat+rand.N(testBeat), func() { l.makeHang(e.Worker, pid) })
		}
	case Hung:
		if h := l.hangs[e.PID]; h != nil && h.hung.IsZero() {
			h.hung, h.err = e.Time, e.Err
		} else {
			l.wrong = append(l.wrong, fmt.Sprintf("pid %d found hung: %v", e.PID, e.Err))
		}
	case Exited:
		if h := l.hangs[e.PID]; h != nil {
			h.exited = e.Time
		} else if e.Stop != StopRun {
			l.wrong = append(l.wrong, fmt.Sprintf("pid %d exited (code %d, %q)", e.PID, e.Code, e.Stop))
		}
	}
}

// makeHang freezes the worker (kind "frozen") or makes its probe fail.
func (l *hangLab) makeHang(kind string, pid int) {
	sig := syscall.SIGSTOP
	if kind == "sick" {
		sig = syscall.SIGUSR1
	}
	l.mu.Lock()
	l.hangs[pid] = &hang{kind: kind, at: time.Now()}
	l.mu.Unlock()
	syscall.Kill(pid, sig)
}

// percentiles returns the median and the 99th percentile of ds.
func percentiles(ds []time.Duration) (p50, p99 time.Duration) {
	s := slices.Sorted(slices.Values(ds))
	return s[len(s)/2], s[(len(s)*99+99)/100-1]
}

// TestHungWorkersAreReplaced: workers frozen with SIGSTOP, and workers
// whose probe fails, are each found hung (a Hung event with ErrHung) and
// replaced by a new ready worker, 50 times each. The figure to compare
// with is Heartbeat×(Misses+1) + StopGrace + the time a replacement takes
// to start and get ready; the bound asserted is a generous one.
func TestHungWorkersAreReplaced(t *testing.T) {
	const perKind, slots, bound = 50, 5, 5 * time.Second
	lab := newHangLab(perKind)
	m := &Master{Workers: []Worker{beatingWorker(t, "frozen", slots, nil), beatingWorker(t, "sick", slots, nil)},
		StopGrace: testGrace, Restart: RestartPolicy{Burst: 1000}, Events: lab.event, Logger: quietLogger()}
	stop, done := runMaster(t, m)
	select {
	case <-lab.full:
	case err := <-done:
		t.Fatalf("Run returned: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatalf("only %d frozen and %d sick workers replaced within 60 s", len(lab.done["frozen"]), len(lab.done["sick"]))
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	lab.mu.Lock()
	defer lab.mu.Unlock()
	for _, w := range lab.wrong {
		t.Error(w)
	}
	for _, kind := range []string{"frozen", "sick"} {
		var found, replaced, respawn []time.Duration
		for _, h := range lab.done[kind] {
			if !errors.Is(h.err, ErrHung) || h.hung.IsZero() || h.exited.IsZero() {
				t.Errorf("%s worker: Hung event %v at %v, exit at %v", kind, h.err, h.hung, h.exited)
				continue
			}
			found = append(found, h.hung.Sub(h.at))
			replaced = append(replaced, h.ready.Sub(h.at))
			respawn = append(respawn, h.ready.Sub(h.exited))
			if h.ready.Sub(h.at) > bound {
				t.Errorf("%s worker replaced %v after it hung, want within %v", kind, h.ready.Sub(h.at), bound)
			}
		}
		if len(found) == 0 {
			continue
		}
		f50, f99 := percentiles(found)
		r50, r99 := percentiles(replaced)
		s50, s99 := percentiles(respawn)
		bar := testBeat*(testMisses+1) + testGrace + s50
		t.Logf("%s: %d hangs (Heartbeat %v, Misses %d, StopGrace %v): found hung p50 %v p99 %v after the hang; "+
			"replaced (new PID ready) p50 %v p99 %v; start of the replacement p50 %v p99 %v; "+
			"Heartbeat×(Misses+1) + StopGrace + start = %v: p50 %s, p99 %s",
			kind, len(found), testBeat, testMisses, testGrace, ms(f50), ms(f99), ms(r50), ms(r99), ms(s50), ms(s99),
			ms(bar), within(r50, bar), within(r99, bar))
	}
}

func ms(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

func within(d, bar time.Duration) string {
	if d <= bar {
		return "within"
	}
	return fmt.Sprintf("over by %v", ms(d-bar))
}

// TestWorkerThatStopsReadingIsHung: a worker that does not read its
// connection answers heartbeats while nothing else waits there, and is
// found hung once an application frame queued to it holds them up.
func TestWorkerThatStopsReadingIsHung(t *testing.T) {
	const workers = 3
	var mu sync.Mutex
	sent := map[int]time.Time{}
	unhealthyBefore := 0
	found := make(chan Event, workers)
	w := withEnv(beatingWorker(t, "no-read", workers, func(ctx context.Context, p Peer) error {
		if !slotsUntil(ctx, func(ss []SlotStatus) bool {
			return slices.ContainsFunc(ss, func(s SlotStatus) bool { return s.PID == p.PID && s.Healthy })
		}) {
			return nil
		}
		time.Sleep(5 * testBeat) // heartbeats answered while nothing is queued
		mu.Lock()
		sent[p.PID] = time.Now()
		mu.Unlock()
		return p.Conn.WriteContext(ctx, make([]byte, 64)) // never read
	}), "RELEASE_TEST_NO_READ=1")
	m := &Master{Workers: []Worker{w}, StopGrace: testGrace, Logger: quietLogger(),
		Events: func(e Event) {
			mu.Lock()
			defer mu.Unlock()
			_, queued := sent[e.PID]
			switch {
			case e.Kind == Unhealthy && !queued:
				unhealthyBefore++
			case e.Kind == Hung && queued:
				found <- e
			}
		}}
	stop, _ := runMaster(t, m)
	defer stop()
	var took []time.Duration
	for range workers {
		select {
		case e := <-found:
			mu.Lock()
			took = append(took, e.Time.Sub(sent[e.PID]))
			mu.Unlock()
			if !errors.Is(e.Err, ErrHung) {
				t.Errorf("Hung event for pid %d: %v", e.PID, e.Err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("only %d of %d workers holding an unread frame found hung within 20 s", len(took), workers)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if unhealthyBefore > 0 {
		t.Errorf("%d heartbeats went wrong while the workers had nothing queued", unhealthyBefore)
	}
	t.Logf("%d/%d workers found hung after a frame was queued to them unread: %v after it (Heartbeat %v, Misses %d); %d heartbeats went wrong before",
		len(took), workers, took, testBeat, testMisses, unhealthyBefore)
}

// TestHealthyWorkersAreNotReplaced: workers that answer their heartbeats,
// two of them busy echoing frames as fast as the master sends them and two
// idle, are never found hung nor replaced.
func TestHealthyWorkersAreNotReplaced(t *testing.T) {
	const watch = 3 * time.Second
	var exchanges atomic.Int64
	busy := beatingWorker(t, "busy", 2, func(ctx context.Context, p Peer) error {
		msg := make([]byte, 64)
		for ctx.Err() == nil {
			if err := p.Conn.WriteContext(ctx, msg); err != nil {
				return nil
			}
			if _, err := p.Conn.ReadContext(ctx); err != nil {
				return nil
			}
			exchanges.Add(1)
		}
		return nil
	})
	idle := withEnv(beatingWorker(t, "idle", 2, nil), "RELEASE_TEST_NO_READ=1")
	var mu sync.Mutex
	kinds := map[EventKind]int{}
	m := &Master{Workers: []Worker{busy, idle}, StopGrace: testGrace, Logger: quietLogger(),
		Events: func(e Event) { mu.Lock(); kinds[e.Kind]++; mu.Unlock() }}
	stop, _ := runMaster(t, m)
	time.Sleep(watch)
	mu.Lock()
	got := maps.Clone(kinds)
	mu.Unlock()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if got[Hung] > 0 || got[Exited] > 0 || got[Started] != 4 || got[WorkerReady] != 4 {
		t.Errorf("events over %v: %v, want 4 started and ready, none hung or exited", watch, got)
	}
	t.Logf("4 healthy workers over %v (Heartbeat %v, Misses %d; two busy, %d exchanges): %d hung, %d replaced, %d heartbeats went wrong",
		watch, testBeat, testMisses, exchanges.Load(), got[Hung], got[Exited], got[Unhealthy])
}

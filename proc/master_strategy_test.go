package proc

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

func init() { helpers["worker-ready-exit"] = helperWorkerReadyExit }

// helperWorkerReadyExit says it is ready, then exits with the code in
// RELEASE_TEST_CODE a moment later, or at once with RELEASE_TEST_AT_ONCE.
func helperWorkerReadyExit() int {
	code, _ := strconv.Atoi(os.Getenv("RELEASE_TEST_CODE"))
	Me(context.Background(), MeOptions{AllowRoot: true, Logger: quietLogger()}, func(ctx context.Context, c *frame.Conn) error {
		Ready()
		if os.Getenv("RELEASE_TEST_AT_ONCE") == "" {
			time.Sleep(50 * time.Millisecond)
		}
		return nil
	})
	return code
}

// TestReadyJustBeforeExit: a worker that says it is ready and exits at
// once was ready: the Master reads what it said before judging its exit,
// whoever reads the connection, so it is no failed start.
func TestReadyJustBeforeExit(t *testing.T) {
	const n = 20
	for _, reads := range []bool{false, true} {
		log := newEventLog()
		var handler func(context.Context, Peer) error
		if reads {
			handler = func(ctx context.Context, p Peer) error {
				for {
					if _, err := p.Conn.ReadContext(ctx); err != nil {
						return nil
					}
				}
			}
		}
		w := testWorker(t, "worker-ready-exit", n, handler)
		w.Restart = Temporary
		w.Env = append(w.Env, "RELEASE_TEST_AT_ONCE=1")
		m := &Master{Workers: []Worker{w}, Events: log.record, Logger: quietLogger()}
		m.Main = func(ctx context.Context, _ func() []Peer) error {
			log.waitFor(t, 30*time.Second, n, "every exit", func(e Event) bool { return e.Kind == Exited })
			return nil
		}
		if err := m.Run(t.Context()); err != nil {
			t.Fatalf("Run: %v", err)
		}
		failed := log.match(func(e Event) bool { return e.Kind == StartFailed })
		ready := log.match(func(e Event) bool { return e.Kind == WorkerReady })
		if len(failed) != 0 || len(ready) != n {
			t.Errorf("handler reads %v: %d ready, %d failed starts (%v); want %d ready", reads, len(ready), len(failed), failed, n)
		}
		t.Logf("handler reads %v: %d of %d workers that exited right after Ready counted ready", reads, len(ready), n)
	}
}

// eventLog keeps a Master's events for a test to wait on.
type eventLog struct {
	mu     sync.Mutex
	events []Event
	added  chan struct{}
}

func newEventLog() *eventLog { return &eventLog{added: make(chan struct{}, 1)} }

func (l *eventLog) record(e Event) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
	select {
	case l.added <- struct{}{}:
	default:
	}
}

// match returns the events for which f is true.
func (l *eventLog) match(f func(Event) bool) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, e := range l.events {
		if f(e) {
			out = append(out, e)
		}
	}
	return out
}

// waitFor waits until at least n events satisfy f, failing after d.
func (l *eventLog) waitFor(t *testing.T, d time.Duration, n int, what string, f func(Event) bool) []Event {
	t.Helper()
	deadline := time.After(d)
	for {
		if got := l.match(f); len(got) >= n {
			return got
		}
		select {
		case <-l.added:
		case <-deadline:
			t.Fatalf("waited %v for %d events: %s; have %d", d, n, what, len(l.match(f)))
		}
	}
}

// readyPIDs returns the PIDs of the ready workers by "name/slot", once
// every slot of want is ready with a PID not in old.
func (l *eventLog) readyPIDs(t *testing.T, want []string, old map[string]int) map[string]int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		pids := map[string]int{}
		for _, e := range l.match(func(e Event) bool { return e.Kind == WorkerReady }) {
			pids[fmt.Sprintf("%s/%d", e.Worker, e.Slot)] = e.PID
		}
		ok := true
		for _, k := range want {
			if pids[k] == 0 || pids[k] == old[k] {
				ok = false
			}
		}
		if ok {
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("slots ready %v, want %v all new", pids, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRestartStrategies: a worker killed under OneForOne restarts alone;
// under OneForAll every worker of its group restarts with it (a worker in
// another group does not); under RestForOne the workers after it restart,
// those before do not. The workers stopped for the group exit as
// StopGroup and do not count as deaths.
func TestRestartStrategies(t *testing.T) {
	named := func(name, group string) Worker {
		w := testWorker(t, "worker-upper", 1, nil)
		w.Name, w.Group = name, group
		return w
	}
	all := []string{"a/0", "b/0", "c/0", "other/0"}
	for _, c := range []struct {
		strategy  Strategy
		restarted []string // when b dies
	}{
		{OneForOne, []string{"b/0"}},
		{OneForAll, []string{"a/0", "b/0", "c/0"}},
		{RestForOne, []string{"b/0", "c/0"}},
	} {
		t.Run(c.strategy.String(), func(t *testing.T) {
			log := newEventLog()
			m := &Master{Workers: []Worker{named("a", ""), named("b", ""), named("c", ""), named("other", "x")},
				Restart: RestartPolicy{Strategy: c.strategy}, StopGrace: 2 * time.Second,
				Events: log.record, Logger: quietLogger()}
			stop, done := runMaster(t, m)
			defer stop()
			before := log.readyPIDs(t, all, nil)
			syscall.Kill(before["b/0"], syscall.SIGKILL)
			log.readyPIDs(t, c.restarted, before)
			time.Sleep(300 * time.Millisecond) // a wrong restart would show by now
			after := log.readyPIDs(t, c.restarted, before)
			var changed []string
			for _, k := range all {
				if after[k] != before[k] {
					changed = append(changed, k)
				}
			}
			if fmt.Sprint(changed) != fmt.Sprint(c.restarted) {
				t.Errorf("restarted %v, want %v", changed, c.restarted)
			}
			groupStops := log.match(func(e Event) bool { return e.Kind == Exited && e.Stop == StopGroup })
			if len(groupStops) != len(c.restarted)-1 {
				t.Errorf("%d workers stopped for the group, want %d", len(groupStops), len(c.restarted)-1)
			}
			if n := len(log.match(func(e Event) bool { return e.Kind == Restarting })); n != 1 {
				t.Errorf("%d Restarting events, want 1: only b died", n)
			}
			select {
			case err := <-done:
				t.Fatalf("the master stopped: %v", err)
			default:
			}
			t.Logf("%s: b killed, restarted %v", c.strategy, changed)
		})
	}
}

// TestRestartModes: a Transient worker that exits 0 is not restarted, one
// that exits 1 is; a Temporary one is never restarted; the slots show
// why. The Master keeps running.
func TestRestartModes(t *testing.T) {
	for _, c := range []struct {
		mode    RestartMode
		code    int
		restart bool
	}{
		{Transient, 0, false}, {Transient, 1, true}, {Temporary, 1, false}, {Permanent, 0, true},
	} {
		t.Run(fmt.Sprintf("mode%d-exit%d", c.mode, c.code), func(t *testing.T) {
			log := newEventLog()
			w := testWorker(t, "worker-ready-exit", 1, nil)
			w.Restart = c.mode
			w.Env = append(w.Env, "RELEASE_TEST_CODE="+strconv.Itoa(c.code))
			var slots []SlotStatus
			m := &Master{Workers: []Worker{w}, Events: log.record, Logger: quietLogger(),
				Restart: RestartPolicy{Burst: 100}}
			m.Main = func(ctx context.Context, _ func() []Peer) error {
				log.waitFor(t, 20*time.Second, 1, "an exit", func(e Event) bool { return e.Kind == Exited })
				time.Sleep(500 * time.Millisecond) // long enough for a restart to show
				slots = Slots(ctx)
				return nil
			}
			if err := m.Run(t.Context()); err != nil {
				t.Fatalf("Run: %v", err)
			}
			starts := len(log.match(func(e Event) bool { return e.Kind == Started }))
			if restarted := starts > 1; restarted != c.restart {
				t.Errorf("%d starts; want a restart: %v", starts, c.restart)
			}
			if !c.restart && (len(slots) != 1 || slots[0].State != Stopped || slots[0].Reason == "") {
				t.Errorf("slots %+v: want one stopped slot saying why", slots)
			}
			t.Logf("%d starts; slot %+v", starts, slots)
		})
	}
}

// TestBackoffDelays: the delays double with each death in a row, give or
// take the jitter, up to the cap; the count halves for each Decay a worker
// lives, and starts again from zero after HealthyAfter.
func TestBackoffDelays(t *testing.T) {
	pol := RestartPolicy{Backoff: 100 * time.Millisecond, Decay: 10 * time.Second}.withDefaults()
	if pol.MaxBackoff != 5*time.Minute || pol.HealthyAfter != 10*time.Minute || pol.Jitter != 0.1 {
		t.Fatalf("defaults: %+v", pol)
	}
	b := newBackoff(pol)
	for _, r := range []float64{0, 0.5, 0.9999} {
		b.rand = func() float64 { return r }
		b.count = 0
		got := b.died(0)
		lo, hi := 90*time.Millisecond, 110*time.Millisecond
		if got < lo || got > hi {
			t.Errorf("first delay with rand %v: %v, want within [%v, %v]", r, got, lo, hi)
		}
	}
	b.rand = func() float64 { return 0.5 } // no jitter
	b.count = 0
	var delays []time.Duration
	for range 14 {
		delays = append(delays, b.died(0))
	}
	want := "[100ms 200ms 400ms 800ms 1.6s 3.2s 6.4s 12.8s 25.6s 51.2s 1m42.4s 3m24.8s 5m0s 5m0s]"
	if fmt.Sprint(delays) != want {
		t.Errorf("delays %v, want %s", delays, want)
	}
	b.count = 4
	if got := b.died(20 * time.Second); got != 200*time.Millisecond { // 4 halved twice, plus this death: 2
		t.Errorf("after living two Decays: %v, want 200ms", got)
	}
	if got := b.died(10 * time.Minute); got != 100*time.Millisecond {
		t.Errorf("after living HealthyAfter: %v, want 100ms", got)
	}
	if got := newBackoff(RestartPolicy{}.withDefaults()).died(0); got != 0 {
		t.Errorf("without Backoff: %v, want 0", got)
	}
}

// TestExitCodes: ExitCode tells a clean stop from a failed start from a
// crash loop from another signal.
func TestExitCodes(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{&SignalError{Signal: syscall.SIGTERM}, 0},
		{&SignalError{Signal: syscall.SIGINT}, 130},
		{&StartError{Worker: "w", Reason: "no"}, ExitStartFailed},
		{fmt.Errorf("%w: x", ErrRestartLimit), ExitRestartLimit},
		{os.ErrPermission, 1},
	} {
		if got := ExitCode(c.err); got != c.want {
			t.Errorf("ExitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

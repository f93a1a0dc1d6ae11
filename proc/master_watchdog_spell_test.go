package proc

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

func init() { helpers["worker-sick"] = helperWorkerSick }

// helperWorkerSick says it is ready, then answers every heartbeat
// unhealthy.
func helperWorkerSick() int {
	sick := func(context.Context) error { return errors.New("sick") }
	Me(context.Background(), MeOptions{AllowRoot: true, Probe: sick, Logger: quietLogger()},
		func(ctx context.Context, c *frame.Conn) error {
			Ready()
			_, err := c.Read() // until the master closes
			return err
		})
	return 0
}

// TestWatchdogSoonAfterSpell: after a spell of ill health that begins
// just after a WATCHDOG=1 and ends past half the interval, systemd hears
// WATCHDOG=1 again with time in hand, not a whole interval after the last
// (which only its timer's slack would save).
func TestWatchdogSoonAfterSpell(t *testing.T) {
	const interval = 2 * time.Second
	sock, srv := datagramSocket(t)
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", strconv.FormatInt(interval.Microseconds(), 10))
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	s := &slot{w: &Worker{Critical: true}}
	s.set(SlotReady, 1, "")
	s.setHealthy(true)
	ctx, cancel := context.WithCancel(t.Context())
	r := &run{ctx: ctx, table: []*slot{s}}
	done := make(chan struct{})
	go func() { r.watchdog(); close(done) }()
	defer func() { cancel(); <-done }()
	ping := func() time.Time {
		t.Helper()
		if got := nextNotice(t, srv, 2*interval); got != "WATCHDOG=1" {
			t.Fatalf("systemd heard %q, want WATCHDOG=1", got)
		}
		return time.Now()
	}
	last := ping()
	s.setHealthy(false)
	time.Sleep(time.Until(last.Add(interval * 6 / 10)))
	s.setHealthy(true)
	healthy := time.Now()
	next := ping()
	if next.Before(healthy) {
		t.Fatalf("WATCHDOG=1 %v after the last, while the critical worker was unhealthy", next.Sub(last))
	}
	if gap := next.Sub(last); gap > interval*7/8 {
		t.Fatalf("a spell of %v: systemd went %v without WATCHDOG=1, of its %v", healthy.Sub(last).Round(time.Millisecond),
			gap.Round(time.Millisecond), interval)
	}
	t.Logf("a spell of %v after a WATCHDOG=1: the next came %v after it returned, %v after the last (interval %v)",
		healthy.Sub(last).Round(time.Millisecond), next.Sub(healthy).Round(time.Millisecond),
		next.Sub(last).Round(time.Millisecond), interval)
}

// TestWatchdogUnfedBySickWorkers: a critical worker whose probe always
// fails is replaced again and again, and none of its replacements feeds
// systemd's watchdog: a worker with heartbeats is healthy once it has
// answered one so, not as soon as it is ready.
func TestWatchdogUnfedBySickWorkers(t *testing.T) {
	sock, srv := datagramSocket(t)
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "200000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	pings := collectPings(t, srv)
	log := newEventLog()
	w := testWorker(t, "worker-sick", 1, nil)
	w.Heartbeat, w.Misses, w.Critical = 100*time.Millisecond, 2, true
	m := &Master{Workers: []Worker{w}, StopGrace: 500 * time.Millisecond, Events: log.record, Logger: quietLogger()}
	start := time.Now()
	stop, _ := runMaster(t, m)
	defer stop()
	hung := log.waitFor(t, 30*time.Second, 4, "4 Hung events", func(e Event) bool { return e.Kind == Hung })
	end := time.Now()
	for _, e := range hung {
		if !errors.Is(e.Err, ErrHung) || !strings.Contains(e.Err.Error(), "unhealthy: sick") {
			t.Fatalf("Hung event %v, want the probe's complaint", e.Err)
		}
	}
	ready := len(log.match(func(e Event) bool { return e.Kind == WorkerReady }))
	if n := pings.between(start, end); n != 0 {
		t.Fatalf("%d WATCHDOG=1 in %v, while %d workers in turn got ready and were found hung", n, end.Sub(start).Round(time.Millisecond), ready)
	}
	t.Logf("%d sick workers ready, %d found hung and replaced in %v, 0 WATCHDOG=1", ready, len(hung), end.Sub(start).Round(time.Millisecond))
}

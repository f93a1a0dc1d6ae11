package proc

import (
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// pingTimes collects the arrival times of WATCHDOG=1 on srv until the
// test ends.
type pingTimes struct {
	mu    sync.Mutex
	times []time.Time
}

func collectPings(t *testing.T, srv *net.UnixConn) *pingTimes {
	p := &pingTimes{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1<<16)
		for {
			k, err := srv.Read(buf)
			if err != nil {
				return
			}
			now := time.Now()
			for line := range strings.SplitSeq(string(buf[:k]), "\n") {
				if line == "WATCHDOG=1" {
					p.mu.Lock()
					p.times = append(p.times, now)
					p.mu.Unlock()
				}
			}
		}
	}()
	t.Cleanup(func() { srv.Close(); <-done })
	return p
}

// between counts the pings that arrived in [from, to).
func (p *pingTimes) between(from, to time.Time) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, at := range p.times {
		if !at.Before(from) && at.Before(to) {
			n++
		}
	}
	return n
}

// TestWatchdogFollowsCriticalWorkers: with WATCHDOG_USEC set, the master
// sends WATCHDOG=1 at a quarter of the interval while its critical worker
// is healthy, none from the first missed heartbeat of a frozen (SIGSTOP)
// worker until its replacement is ready, and again after.
func TestWatchdogFollowsCriticalWorkers(t *testing.T) {
	sock, srv := datagramSocket(t)
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "200000") // pings every 50 ms
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	pings := collectPings(t, srv)
	log := newEventLog()
	w := testWorker(t, "worker-upper", 1, nil)
	w.Heartbeat, w.Misses, w.Critical = 100*time.Millisecond, 2, true
	m := &Master{Workers: []Worker{w}, StopGrace: 500 * time.Millisecond, Events: log.record, Logger: quietLogger()}
	stop, _ := runMaster(t, m)
	defer stop()
	first := log.readyPIDs(t, []string{"worker-upper/0"}, nil)["worker-upper/0"]
	start := time.Now()
	time.Sleep(time.Second)
	if n := pings.between(start, time.Now()); n < 4 {
		t.Fatalf("%d WATCHDOG=1 in 1s with a healthy critical worker, want about 20", n)
	}
	syscall.Kill(first, syscall.SIGSTOP)
	defer syscall.Kill(first, syscall.SIGCONT)
	frozen := time.Now()
	miss := log.waitFor(t, 10*time.Second, 1, "an Unhealthy event", func(e Event) bool { return e.Kind == Unhealthy && e.PID == first })[0]
	second := log.readyPIDs(t, []string{"worker-upper/0"}, map[string]int{"worker-upper/0": first})["worker-upper/0"]
	ready := log.match(func(e Event) bool { return e.Kind == WorkerReady && e.PID == second })[0]
	// A ping already on its way when the heartbeat was missed may land
	// just after: a 50 ms allowance.
	if n := pings.between(miss.Time.Add(50*time.Millisecond), ready.Time); n != 0 {
		t.Errorf("%d WATCHDOG=1 while the critical worker was hung (%v to %v)", n, miss.Time, ready.Time)
	}
	if hung := log.match(func(e Event) bool { return e.Kind == Hung && e.PID == first }); len(hung) != 1 {
		t.Errorf("%d Hung events for the frozen worker, want 1", len(hung))
	}
	time.Sleep(time.Second)
	after := pings.between(ready.Time, ready.Time.Add(time.Second))
	if after < 4 {
		t.Errorf("%d WATCHDOG=1 in the second after the replacement %d was ready, want about 20", after, second)
	}
	t.Logf("frozen worker %d: unhealthy after %v, replaced by %d ready %v after that, no ping between; %d pings the next second",
		first, miss.Time.Sub(frozen).Round(time.Millisecond), second, ready.Time.Sub(miss.Time).Round(time.Millisecond), after)
}

package proc

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func init() { helpers["worker-flaky"] = helperWorkerFlaky }

// helperWorkerFlaky counts its starts in the file RELEASE_TEST_STARTS. The
// first RELEASE_TEST_FAILS starts exit 1 at once; the next lives
// RELEASE_TEST_UP and exits 1; later ones run until they are stopped.
func helperWorkerFlaky() int {
	f, err := os.OpenFile(os.Getenv("RELEASE_TEST_STARTS"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return 2
	}
	_, err = f.Write([]byte{'.'})
	fi, err2 := f.Stat()
	f.Close()
	fails, err3 := strconv.Atoi(os.Getenv("RELEASE_TEST_FAILS"))
	up, err4 := time.ParseDuration(os.Getenv("RELEASE_TEST_UP"))
	if err != nil || err2 != nil || err3 != nil || err4 != nil {
		return 2
	}
	switch n := int(fi.Size()); {
	case n <= fails:
		return 1
	case n == fails+1:
		time.Sleep(up)
		return 1
	}
	time.Sleep(time.Hour) // until the master's SIGTERM
	return 0
}

// backoffRun is what a Master's Events said about its one worker slot.
type backoffRun struct {
	mu      sync.Mutex
	events  []Event
	started int
	enough  chan struct{} // closed at the start awaited
	awaited int
}

func (b *backoffRun) record(e Event) {
	if e.Kind == WorkerReady { // these workers never report: ready at once
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events = append(b.events, e)
	if e.Kind == Started {
		if b.started++; b.started == b.awaited {
			close(b.enough)
		}
	}
}

// restarts pairs each exit with the restart that followed: its announced
// delay and the time from the Exited event to the next Started one. It
// also returns how long each worker lived, Started to Exited.
func (b *backoffRun) restarts() (delays, gaps, lives []time.Duration, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	events := b.events[:min(len(b.events), 3*b.awaited-2)] // not the last exit, at the stop
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, e.Kind.String())
	}
	want := "started" + strings.Repeat(" exited restarting started", b.awaited-1)
	if got := strings.Join(kinds, " "); got != want {
		return nil, nil, nil, fmt.Errorf("events %q, want %q", got, want)
	}
	for i := 0; i+3 < len(events); i += 3 {
		start, exit, restart, next := events[i], events[i+1], events[i+2], events[i+3]
		delays = append(delays, restart.Delay)
		gaps = append(gaps, next.Time.Sub(exit.Time))
		lives = append(lives, exit.Time.Sub(start.Time))
	}
	return delays, gaps, lives, nil
}

// restartLateBound is how late a restart may come, past its delay. The
// aim is 50ms. On this 2-core machine, quiet or with one core kept busy,
// plain or under -race, 5 of 490 restarts came later than that, the
// latest by 268ms (under -race, a core busy). In 70 while other test runs
// shared the machine (load average about 6), 19 did, the latest by
// 1.03s. That time is the scheduler's, not the Master's, which only
// sleeps the delay and forks: a bare time.Sleep was then up to 83ms late
// and a bare os.StartProcess of this binary took up to 102ms. The bound
// is that worst case with margin; the log line says how many restarts
// met 50ms.
const restartLateBound = 2 * time.Second

// TestRestartBackoff: a worker that fails six times at once, then stays
// up, is restarted after delays that double from Backoff (100ms) up to
// MaxBackoff (2s), each announced in a Restarting event; once it has
// lived HealthyAfter (10s) and exits, the delay is Backoff again. Each
// delay is measured from the worker's Exited event to the next Started
// one: never shorter than announced, and not much longer (see
// restartLateBound).
func TestRestartBackoff(t *testing.T) {
	const healthy = 10 * time.Second
	want := []time.Duration{100, 200, 400, 800, 1600, 2000, 100} // ms; the last after the reset
	b := &backoffRun{enough: make(chan struct{}), awaited: len(want) + 1}
	w := testWorker(t, "worker-flaky", 1, nil)
	w.Env = append(w.Env, "RELEASE_TEST_STARTS="+t.TempDir()+"/starts",
		"RELEASE_TEST_FAILS="+strconv.Itoa(len(want)-1),
		"RELEASE_TEST_UP="+(healthy+200*time.Millisecond).String()) // healthy, however the Master counts
	m := &Master{Workers: []Worker{w}, Logger: quietLogger(), Events: b.record,
		Restart: RestartPolicy{Burst: 10, Interval: time.Minute, Backoff: 100 * time.Millisecond,
			MaxBackoff: 2 * time.Second, HealthyAfter: healthy, Jitter: -1}}
	stop, done := runMaster(t, m)
	select {
	case <-b.enough:
	case err := <-done:
		t.Fatalf("the master stopped: %v", err)
	case <-time.After(45 * time.Second):
		t.Fatalf("the worker did not start %d times within 45s", b.awaited)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run = %v, want nil once stopped", err)
	}
	delays, gaps, lives, err := b.restarts()
	if err != nil {
		t.Fatal(err)
	}
	delayMS, lateUS, onTime := make([]int64, len(gaps)), make([]int64, len(gaps)), 0
	for i, gap := range gaps {
		delayMS[i], lateUS[i] = delays[i].Milliseconds(), (gap - delays[i]).Microseconds()
		if gap >= delays[i] && gap <= delays[i]+50*time.Millisecond {
			onTime++
		}
	}
	t.Logf(`{"test":"restart backoff","figures":{"delays_ms":%v,"late_us":%v,"within_50ms":"%d/%d","healthy_life_ms":%d}}`,
		delayMS, lateUS, onTime, len(gaps), lives[len(lives)-1].Milliseconds())
	for i, d := range delays {
		switch gap := gaps[i]; {
		case d != want[i]*time.Millisecond:
			t.Errorf("restart %d: announced a delay of %v, want %v", i+1, d, want[i]*time.Millisecond)
		case gap < d:
			t.Errorf("restart %d: started %v after the exit, before its delay of %v", i+1, gap, d)
		case gap > d+restartLateBound:
			t.Errorf("restart %d: started %v after the exit, %v late; want within %v of %v",
				i+1, gap, gap-d, restartLateBound, d)
		}
	}
}

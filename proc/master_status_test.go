package proc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

func init() {
	helpers["worker-ready-on-frame"] = helperWorkerReadyOnFrame
}

// helperWorkerReadyOnFrame says it is ready when the master sends it a
// frame, then echoes frames until the master closes.
func helperWorkerReadyOnFrame() int {
	Me(context.Background(), MeOptions{AllowRoot: true, Logger: quietLogger()}, func(ctx context.Context, c *frame.Conn) error {
		if _, err := c.Read(); err != nil {
			return err
		}
		if err := Ready(); err != nil {
			return err
		}
		return echoFrames(c)
	})
	return 0
}

// notices reads the notifications on c until READY=1 (waiting at most
// 20 s), then those that follow within settle; it returns the STATUS=
// texts in order, and how many of them came before READY=1, calling
// atReady when READY=1 arrives.
func notices(t *testing.T, c *net.UnixConn, settle time.Duration, atReady func()) (statuses []string, before int) {
	t.Helper()
	before = -1
	buf := make([]byte, 1<<16)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if end := time.Now().Add(settle); before >= 0 && end.Before(deadline) {
			deadline = end
		}
		c.SetReadDeadline(deadline)
		n, err := c.Read(buf)
		if err != nil {
			if before < 0 {
				t.Fatalf("no READY=1 within 20 s; STATUS= so far %q: %v", statuses, err)
			}
			return statuses, before
		}
		for line := range strings.SplitSeq(string(buf[:n]), "\n") {
			if text, ok := strings.CutPrefix(line, "STATUS="); ok {
				statuses = append(statuses, text)
			}
			if line == "READY=1" && before < 0 {
				before = len(statuses)
				atReady()
			}
		}
	}
}

// TestNotifyReadyOnlyWhenEveryWorkerIs: systemd hears READY=1 only once
// every worker said it is ready, and STATUS= lines count them, "0/4
// workers ready" first and "4/4 workers ready" last.
func TestNotifyReadyOnlyWhenEveryWorkerIs(t *testing.T) {
	sock, srv := datagramSocket(t)
	t.Setenv("NOTIFY_SOCKET", sock)
	fast := withEnv(testWorker(t, "worker-ready-after", 2, nil), "RELEASE_TEST_READY_AFTER=50ms")
	slow := withEnv(testWorker(t, "worker-ready-after", 2, nil), "RELEASE_TEST_READY_AFTER=400ms")
	fast.Name, slow.Name = "fast", "slow"
	var mu sync.Mutex
	ready := 0
	m := &Master{Workers: []Worker{fast, slow}, StopGrace: time.Second, Logger: quietLogger(),
		Events: func(e Event) {
			if e.Kind == WorkerReady {
				mu.Lock()
				ready++
				mu.Unlock()
			}
		}}
	stop, _ := runMaster(t, m)
	defer stop()
	readyAtReady := 0
	statuses, before := notices(t, srv, 300*time.Millisecond, func() {
		mu.Lock()
		readyAtReady = ready
		mu.Unlock()
	})
	t.Logf("READY=1 came with %d/4 workers ready; STATUS= %q (READY=1 after the first %d)", readyAtReady, statuses, before)
	if readyAtReady != 4 {
		t.Errorf("systemd heard READY=1 when %d of 4 workers were ready", readyAtReady)
	}
	for _, s := range statuses {
		if !strings.HasSuffix(s, "/4 workers ready") {
			t.Errorf("STATUS=%s, want \"N/4 workers ready\"", s)
		}
	}
	if len(statuses) == 0 || statuses[0] != "0/4 workers ready" || statuses[len(statuses)-1] != "4/4 workers ready" {
		t.Errorf("STATUS= lines %q, want 0/4 first and 4/4 last", statuses)
	}
}

// TestStatusEndsWithEveryWorkerReady: when many workers get ready at
// once, while systemd is slow to read its socket, the last STATUS= still
// says they all are, in every round.
func TestStatusEndsWithEveryWorkerReady(t *testing.T) {
	const workers, rounds = 16, 8
	good := 0
	for round := range rounds {
		sock, srv := datagramSocket(t)
		t.Setenv("NOTIFY_SOCKET", sock)
		var started, ready sync.WaitGroup
		started.Add(workers)
		ready.Add(workers)
		goAhead := make(chan struct{})
		w := testWorker(t, "worker-ready-on-frame", workers, func(ctx context.Context, p Peer) error {
			started.Done()
			select {
			case <-goAhead:
			case <-ctx.Done():
				return nil
			}
			return p.Conn.Write([]byte("go"))
		})
		m := &Master{Workers: []Worker{w}, StopGrace: time.Second, Logger: quietLogger(),
			Events: func(e Event) {
				if e.Kind == WorkerReady {
					ready.Done()
				}
			}}
		stop, _ := runMaster(t, m)
		go drainNotices(srv, &started) // until every worker started; then nothing is read for a while
		waitGroupWithin(t, &started, 20*time.Second)
		close(goAhead) // every worker gets ready at about the same time
		waitGroupWithin(t, &ready, 20*time.Second)
		time.Sleep(100 * time.Millisecond) // the socket is full: some lines wait
		statuses, _ := notices(t, srv, 300*time.Millisecond, func() {})
		go drainNotices(srv, nil) // what stopping says, or the Master blocks on a full socket
		stop()
		if last := statuses[len(statuses)-1]; last != "16/16 workers ready" {
			t.Errorf("round %d: the last STATUS= says %q, with every worker ready; all: %q", round, last, statuses)
			continue
		}
		good++
	}
	t.Logf("%d/%d rounds of %d workers ready at once ended on STATUS=%d/%d workers ready", good, rounds, workers, workers, workers)
}

// drainNotices reads c until it is closed or, if until is set, until it
// is done.
func drainNotices(c *net.UnixConn, until *sync.WaitGroup) {
	done := make(chan struct{})
	if until != nil {
		go func() { until.Wait(); close(done) }()
	}
	buf := make([]byte, 1<<16)
	for {
		c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		_, err := c.Read(buf)
		select {
		case <-done:
			return
		default:
		}
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
	}
}

// waitGroupWithin waits for wg, failing the test after d.
func waitGroupWithin(t *testing.T, wg *sync.WaitGroup, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("not done within %v", d)
	}
}

// TestSlotsShowStatesAndAges: Slots, called from Main, shows every slot
// ready with its PID and an age that grows; a killed worker's slot comes
// back through starting, with its new PID, to ready; each Event carries
// the state it leaves its slot in. Slots of a context no Run made is nil.
func TestSlotsShowStatesAndAges(t *testing.T) {
	const n, pause = 3, 100 * time.Millisecond
	var mu sync.Mutex
	var events []Event
	var first, second []SlotStatus
	var firstAt, secondAt time.Time
	var path []string // what the killed slot went through
	var killed int
	main := func(ctx context.Context, _ func() []Peer) error {
		if !slotsUntil(ctx, func(ss []SlotStatus) bool { return countState(ss, SlotReady) == n }) {
			return fmt.Errorf("not every slot ready within 20 s: %+v", Slots(ctx))
		}
		first, firstAt = Slots(ctx), time.Now()
		time.Sleep(pause)
		second, secondAt = Slots(ctx), time.Now()
		killed = second[1].PID
		syscall.Kill(killed, syscall.SIGKILL)
		last := ""
		back := slotsUntil(ctx, func(ss []SlotStatus) bool {
			s := ss[1]
			if step := fmt.Sprintf("%v(pid %d)", s.State, s.PID); step != last {
				path, last = append(path, step), step
			}
			return s.State == SlotReady && s.PID != killed
		})
		if !back {
			return fmt.Errorf("the killed slot did not come back within 20 s: %q", path)
		}
		return nil
	}
	m := &Master{Workers: []Worker{withEnv(testWorker(t, "worker-ready-after", n, nil), "RELEASE_TEST_READY_AFTER="+pause.String())},
		Main: main, StopGrace: time.Second, Logger: quietLogger(),
		Events: func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() }}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if Slots(t.Context()) != nil {
		t.Error("Slots of a context no Run made is not nil")
	}
	for i, s := range second {
		if s.Worker != "worker-ready-after" || s.Slot != i || s.State != SlotReady || s.PID == 0 || !s.Healthy {
			t.Errorf("slot %d: %+v, want ready and healthy with a PID", i, s)
		}
		before, after := firstAt.Sub(first[i].Since), secondAt.Sub(s.Since)
		if s.Since != first[i].Since || before <= 0 || after-before < pause {
			t.Errorf("slot %d: aged from %v to %v in %v", i, before, after, pause)
		}
	}
	if len(path) < 2 || !strings.HasPrefix(path[len(path)-2], "starting(pid ") || path[len(path)-2] == fmt.Sprintf("starting(pid %d)", killed) {
		t.Errorf("the killed slot went %q, want it starting with a new PID, then ready", path)
	}
	want := map[EventKind]SlotState{Started: Starting, WorkerReady: SlotReady, Exited: Stopped, Restarting: Stopped}
	mu.Lock()
	defer mu.Unlock()
	kinds := map[EventKind]int{}
	for _, e := range events {
		kinds[e.Kind]++
		if st, ok := want[e.Kind]; !ok || e.State != st {
			t.Errorf("%v event of pid %d carries state %v", e.Kind, e.PID, e.State)
		}
	}
	if kinds[Started] != n+1 || kinds[WorkerReady] != n+1 || kinds[Exited] < 1 || kinds[Restarting] != 1 {
		t.Errorf("events by kind %v, want %d started and ready, one restart", kinds, n+1)
	}
	t.Logf("%d slots ready, ages %v then %v after %v; killed pid %d, its slot went %s; events %v",
		n, firstAt.Sub(first[0].Since).Round(time.Millisecond), secondAt.Sub(second[0].Since).Round(time.Millisecond), pause,
		killed, strings.Join(path, " → "), kinds)
}

// slotsUntil polls Slots(ctx) every 5 ms until ok holds, for at most 20 s.
func slotsUntil(ctx context.Context, ok func([]SlotStatus) bool) bool {
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(5 * time.Millisecond) {
		if ok(Slots(ctx)) {
			return true
		}
	}
	return false
}

func countState(ss []SlotStatus, st SlotState) int {
	n := 0
	for _, s := range ss {
		if s.State == st {
			n++
		}
	}
	return n
}

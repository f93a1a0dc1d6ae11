package proc

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

func init() {
	helpers["worker-cpu"] = helperWorkerCPU
	helpers["master-idle"] = helperMasterIdle
}

// idleWorkers is how many workers the idle-cost masters run.
const idleWorkers = 64

// helperWorkerCPU says it is ready, then answers each frame with the CPU
// time it has used so far, in nanoseconds.
func helperWorkerCPU() int {
	Me(context.Background(), MeOptions{AllowRoot: true, Logger: quietLogger()}, func(ctx context.Context, c *frame.Conn) error {
		if err := Ready(); err != nil {
			return err
		}
		for {
			if _, err := c.Read(); err != nil {
				return err
			}
			if err := c.Write(binary.BigEndian.AppendUint64(nil, uint64(ownCPU()))); err != nil {
				return err
			}
		}
	})
	return 0
}

// ownCPU is the CPU time, user and system, this process has used.
func ownCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// statTicks is a process's utime + stime from /proc/PID/stat, in clock
// ticks, or -1.
func statTicks(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return utime + stime
}

// idleReport is what one idle master measured over its window: its own
// CPU time and its workers', as each counts it (getrusage, to the
// microsecond) and in /proc/PID/stat's clock ticks.
type idleReport struct {
	Workers                   int
	Window                    time.Duration
	MasterCPU, WorkersCPU     time.Duration
	MasterTicks, WorkersTicks int64
	Unhealthy, Hung           int // heartbeats that went wrong, workers found hung
}

// cpuOf asks every worker for its CPU time and reads its ticks.
func cpuOf(peers []Peer) (cpu time.Duration, ticks int64, err error) {
	for _, p := range peers {
		if err := p.Conn.Write([]byte("cpu")); err != nil {
			return 0, 0, err
		}
		b, err := p.Conn.Read()
		if err != nil || len(b) != 8 {
			return 0, 0, fmt.Errorf("worker %d answered %q, %v", p.PID, b, err)
		}
		cpu += time.Duration(binary.BigEndian.Uint64(b))
		ticks += statTicks(p.PID)
	}
	return cpu, ticks, nil
}

// helperMasterIdle runs idleWorkers workers, with heartbeats every
// RELEASE_TEST_BEAT if set, lets them settle once all are ready, then
// measures what the master and its workers spend over
// RELEASE_TEST_WINDOW, doing nothing else, and prints it as JSON. With
// RELEASE_TEST_APP_BEAT set, the master sends each worker a frame that
// often over the window, which it answers: the heartbeat an application
// would write itself.
func helperMasterIdle() int {
	beat, _ := time.ParseDuration(os.Getenv("RELEASE_TEST_BEAT"))
	appBeat, _ := time.ParseDuration(os.Getenv("RELEASE_TEST_APP_BEAT"))
	window, _ := time.ParseDuration(os.Getenv("RELEASE_TEST_WINDOW"))
	exe, _ := os.Executable()
	var rep idleReport
	var wrong, hung atomic.Int64
	m := &Master{Workers: []Worker{{Name: "idle", Path: exe, Args: []string{"-test.run=^$"}, Count: idleWorkers,
		Env: []string{helperEnv + "=worker-cpu"}, Heartbeat: beat}}, Logger: quietLogger(),
		Events: func(e Event) {
			switch e.Kind {
			case Unhealthy:
				wrong.Add(1)
			case Hung:
				hung.Add(1)
			}
		},
		Main: func(ctx context.Context, peers func() []Peer) error {
			if !slotsUntil(ctx, func(ss []SlotStatus) bool { return countState(ss, SlotReady) == idleWorkers }) {
				return errors.New("the workers did not get ready within 20 s")
			}
			time.Sleep(2 * time.Second) // let the start settle
			all := peers()
			cpu0, ticks0, err := cpuOf(all)
			master0, masterTicks0, wrong0, hung0, start := ownCPU(), statTicks(os.Getpid()), wrong.Load(), hung.Load(), time.Now()
			if err != nil {
				return err
			}
			if appBeat > 0 {
				appBeats(all, appBeat, window)
			} else {
				time.Sleep(window)
			}
			master1, masterTicks1, took := ownCPU(), statTicks(os.Getpid()), time.Since(start)
			rep.Unhealthy, rep.Hung = int(wrong.Load()-wrong0), int(hung.Load()-hung0)
			cpu1, ticks1, err := cpuOf(all)
			if err != nil {
				return err
			}
			rep.Workers, rep.Window = len(all), took
			rep.MasterCPU, rep.MasterTicks = master1-master0, masterTicks1-masterTicks0
			rep.WorkersCPU, rep.WorkersTicks = cpu1-cpu0, ticks1-ticks0
			return writeReportTo(os.Stdout, rep)
		}}
	if err := m.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// appBeats sends each peer a frame every beat, on a goroutine of its own,
// and reads its answer, until window has passed.
func appBeats(peers []Peer, beat, window time.Duration) {
	end := time.Now().Add(window)
	var wg sync.WaitGroup
	for _, p := range peers {
		wg.Go(func() {
			t := time.NewTicker(beat)
			defer t.Stop()
			for range t.C {
				if time.Now().After(end) || p.Conn.Write([]byte("beat")) != nil {
					return
				}
				if _, err := p.Conn.Read(); err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestIdleHeartbeatCost: a master of 64 idle workers with a heartbeat
// every second spends, with its workers, at most 0.1 % of one CPU. Beside
// it, over the same window, run the same master without heartbeats, and
// one that sends each worker a frame every second, which it answers: the
// heartbeat an application would write itself. It takes the window plus
// about 15 s, so it runs only when asked:
//
//	RELEASE_TEST_IDLE_WINDOW=20s go test -run TestIdleHeartbeatCost -v ./proc
func TestIdleHeartbeatCost(t *testing.T) {
	window, err := time.ParseDuration(os.Getenv("RELEASE_TEST_IDLE_WINDOW"))
	if err != nil {
		t.Skip("takes the window and 15 s more: set RELEASE_TEST_IDLE_WINDOW (20s, say) to run it")
	}
	const beat = time.Second
	type result struct {
		rep    idleReport
		err    error
		stderr string
	}
	kinds := map[string]string{"heartbeat": "RELEASE_TEST_BEAT=" + beat.String(), "app": "RELEASE_TEST_APP_BEAT=" + beat.String(), "none": ""}
	results := map[string]chan result{}
	for kind, env := range kinds {
		ch := make(chan result, 1)
		results[kind] = ch
		cmd := helperCommand(t, "master-idle", "RELEASE_TEST_WINDOW="+window.String(), env)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		go func() {
			err := runWithin(cmd, window+time.Minute)
			var rep idleReport
			if err == nil {
				err = json.Unmarshal(stdout.Bytes(), &rep)
			}
			ch <- result{rep, err, stderr.String()}
		}()
	}
	got := map[string]idleReport{}
	for kind, ch := range results {
		r := <-ch
		if r.err != nil || r.rep.Workers != idleWorkers {
			t.Fatalf("%s: %v, %d workers measured; stderr: %s", kind, r.err, r.rep.Workers, r.stderr)
		}
		got[kind] = r.rep
	}
	share := map[string]float64{}
	for _, kind := range []string{"heartbeat", "app", "none"} {
		r := got[kind]
		share[kind] = 100 * (r.MasterCPU + r.WorkersCPU).Seconds() / r.Window.Seconds()
		ticks := float64(r.MasterTicks+r.WorkersTicks) / r.Window.Seconds() // USER_HZ is 100: ticks/s is a percentage
		t.Logf("%s: %d idle workers over %v: master %v + workers %v = %.4f %% of one CPU (/proc/PID/stat: %.2f %%); "+
			"%d heartbeats went wrong, %d workers found hung",
			kind, r.Workers, r.Window.Round(time.Millisecond), r.MasterCPU, r.WorkersCPU, share[kind], ticks, r.Unhealthy, r.Hung)
	}
	t.Logf("heartbeats every %v cost %.4f %% of one CPU, %.2f× an application's own ping every %v (%.4f %%); none at all: %.4f %%",
		beat, share["heartbeat"], share["heartbeat"]/share["app"], beat, share["app"], share["none"])
	if share["heartbeat"] > 0.1 {
		t.Errorf("with heartbeats, the master and its %d idle workers use %.4f %% of one CPU, want at most 0.1 %%", idleWorkers, share["heartbeat"])
	}
	if got["heartbeat"].Hung > 0 {
		t.Errorf("%d idle workers found hung", got["heartbeat"].Hung)
	}
}

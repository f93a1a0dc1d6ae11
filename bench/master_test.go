package bench

import (
	"context"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/proc"
)

func init() {
	helpers["proc-worker"] = func(int) int { return procWorker() }
}

// procWorker is a worker that echoes frames until the master closes.
func procWorker() int {
	proc.Me(context.Background(), proc.MeOptions{AllowRoot: true, Logger: quietLog()}, func(ctx context.Context, c *frame.Conn) error {
		proc.Ready()
		for {
			p, err := c.Read()
			if err != nil {
				return err
			}
			if err := c.Write(p); err != nil {
				return err
			}
		}
	})
	return 0
}

func benchWorker(b *testing.B, count int, handler func(context.Context, proc.Peer) error) proc.Worker {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	return proc.Worker{Path: exe, Args: []string{"-test.run=^$"}, Count: count,
		Env: []string{helperEnv + "=proc-worker"}, Handler: handler}
}

// pingPeer does one 64-byte exchange with a worker: proof it is up.
func pingPeer(p proc.Peer) error {
	if err := p.Conn.Write(make([]byte, 64)); err != nil {
		return err
	}
	_, err := p.Conn.Read()
	return err
}

// BenchmarkMasterSpawn64 starts a Master of 64 workers and waits until
// each has answered one frame; per_worker_ms is the figure. impl=exec
// starts the same program 64 times with os/exec and waits for each, the
// floor of starting a Go child here.
func BenchmarkMasterSpawn64(b *testing.B) {
	const n = 64
	b.Run("impl=release", func(b *testing.B) {
		for b.Loop() {
			var wg sync.WaitGroup
			wg.Add(n)
			m := &proc.Master{Workers: []proc.Worker{benchWorker(b, n, func(ctx context.Context, p proc.Peer) error {
				err := pingPeer(p)
				wg.Done()
				<-ctx.Done()
				return err
			})}, Logger: quietLog()}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- m.Run(ctx) }()
			wg.Wait()
			cancel()
			<-done
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*n), "per_worker_ms")
	})
	b.Run("impl=exec", func(b *testing.B) {
		exe, _ := os.Executable()
		for b.Loop() {
			for range n {
				cmd := execCommand(exe, "-test.run=^$")
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*n), "per_worker_ms")
	})
}

// BenchmarkMasterRestart SIGKILLs the one worker and waits until its
// replacement answers; the median and p99 restart latencies are reported.
func BenchmarkMasterRestart(b *testing.B) {
	up := make(chan int, 1)
	m := &proc.Master{Workers: []proc.Worker{benchWorker(b, 1, func(ctx context.Context, p proc.Peer) error {
		if err := pingPeer(p); err != nil {
			return err
		}
		up <- p.PID
		<-ctx.Done()
		return nil
	})}, Restart: proc.RestartPolicy{Burst: 1 << 30}, Logger: quietLog()}
	stop := runMaster(m)
	defer stop()
	pid := <-up
	var lat []time.Duration
	for b.Loop() {
		start := time.Now()
		syscall.Kill(pid, syscall.SIGKILL)
		pid = <-up
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
}

// BenchmarkMasterBroadcast sends a 64-byte frame to each of 64 workers
// and waits for all 64 echoes.
func BenchmarkMasterBroadcast(b *testing.B) {
	const n = 64
	var wg sync.WaitGroup
	wg.Add(n)
	peersCh := make(chan func() []proc.Peer, 1)
	m := &proc.Master{
		Workers: []proc.Worker{benchWorker(b, n, func(ctx context.Context, p proc.Peer) error {
			wg.Done()
			<-ctx.Done()
			return nil
		})},
		Main: func(ctx context.Context, peers func() []proc.Peer) error {
			peersCh <- peers
			<-ctx.Done()
			return nil
		},
		Logger: quietLog(),
	}
	stop := runMaster(m)
	defer stop()
	wg.Wait()
	peers := (<-peersCh)()
	msg := make([]byte, 64)
	for b.Loop() {
		for _, p := range peers {
			p.Conn.Write(msg)
		}
		for _, p := range peers {
			p.Conn.Read()
		}
	}
}

// BenchmarkMasterIdle holds 64 idle workers for one second per op and
// reports the master's CPU use: it must be about nothing (no polling).
func BenchmarkMasterIdle(b *testing.B) {
	const n = 64
	var wg sync.WaitGroup
	wg.Add(n)
	m := &proc.Master{Workers: []proc.Worker{benchWorker(b, n, func(ctx context.Context, p proc.Peer) error {
		wg.Done()
		<-ctx.Done()
		return nil
	})}, Logger: quietLog()}
	stop := runMaster(m)
	defer stop()
	wg.Wait()
	var cpu time.Duration
	for b.Loop() {
		before := selfCPU()
		time.Sleep(time.Second)
		cpu += selfCPU() - before
	}
	b.ReportMetric(100*cpu.Seconds()/b.Elapsed().Seconds(), "cpu_%")
}

// runMaster runs m until the returned stop is called, which waits for Run
// to return: its workers are gone before the next benchmark measures.
func runMaster(m *proc.Master) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Run(ctx) }()
	return func() { cancel(); <-done }
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

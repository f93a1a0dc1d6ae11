//go:build !race

// Built without -race: the race detector's instrumentation allocates.

package proc

import (
	"context"
	"net"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

// heartbeatLink is a master's end and a worker's end of one connection,
// each as the library sets it up: the master's Conn hands what it reads
// to a peerHealth and is watched when no one reads it, and its pings go
// out through writePings; the worker's is run by a workerLink that
// answers heartbeats. round sends one heartbeat and waits for its answer
// to reach the peerHealth.
func heartbeatLink(tb testing.TB) (round func()) {
	tb.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	var ends [2]net.Conn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "heartbeat")
		ends[i], err = net.FileConn(f)
		f.Close()
		if err != nil {
			tb.Fatal(err)
		}
	}
	h := newPeerHealth()
	answered := make(chan struct{}, 1)
	master := frame.New(ends[0], frame.WithControl(func(kind byte, p []byte) {
		h.control(kind, p)
		if kind == msgPong {
			answered <- struct{}{}
		}
	}))
	link := newWorkerLink(func(context.Context) error { return nil })
	worker := frame.New(ends[1], frame.WithControl(link.control))
	ctx, cancel := context.WithCancel(context.Background())
	stopLink := link.start(ctx, worker, time.Second)
	watched, pinged := make(chan struct{}), make(chan struct{})
	pings := make(chan uint64, 1)
	go func() { master.WatchControl(ctx); close(watched) }()
	go func() { writePings(ctx, master, pings); close(pinged) }()
	tb.Cleanup(func() {
		cancel()
		stopLink()
		<-watched
		<-pinged
		master.Close()
		worker.Close()
	})
	var seq uint64
	timeout := time.NewTimer(time.Hour)
	return func() {
		seq++
		pings <- seq
		timeout.Reset(5 * time.Second)
		select {
		case <-answered:
		case <-timeout.C:
			tb.Fatalf("heartbeat %d not answered within 5 s", seq)
		}
		if h.pongSeq.Load() != seq || h.sick.Load() != nil {
			tb.Fatalf("heartbeat %d answered %d, complaint %v", seq, h.pongSeq.Load(), h.sick.Load())
		}
	}
}

// TestHeartbeatDoesNotAllocate: one heartbeat, from the master's ping
// through the worker's probe and answer to the master's record of it,
// allocates nothing, on either side (both run in this process, and
// AllocsPerRun counts the whole process).
func TestHeartbeatDoesNotAllocate(t *testing.T) {
	round := heartbeatLink(t)
	for range 10 {
		round() // warm up: the goroutines, the watcher's buffers
	}
	runtime.GC()
	allocs := testing.AllocsPerRun(1000, round)
	t.Logf("%v allocations per heartbeat round trip (1000 rounds, master and worker sides)", allocs)
	if allocs != 0 {
		t.Errorf("a heartbeat allocates %v times, want 0", allocs)
	}
}

// BenchmarkHeartbeat is one heartbeat's round trip over a socketpair:
// ping, probe, answer, recorded.
func BenchmarkHeartbeat(b *testing.B) {
	round := heartbeatLink(b)
	b.ReportAllocs()
	for b.Loop() {
		round()
	}
}

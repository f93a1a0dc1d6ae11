package proc

import (
	"context"
	"errors"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

// callMsg is a 64-byte request or response, and callCodec its
// allocation-free codec.
type callMsg [64]byte

type callCodec struct{}

func (callCodec) Append(dst []byte, v callMsg) ([]byte, error) { return append(dst, v[:]...), nil }

func (callCodec) Decode(p []byte) (callMsg, error) {
	var v callMsg
	if len(p) != len(v) {
		return v, errors.New("not 64 bytes")
	}
	copy(v[:], p)
	return v, nil
}

// callLink is a master's Client to a worker that serves its calls over a
// socketpair, each end set up as a Master and Me set them up. impl says
// what else goes on: "heartbeat", a heartbeat every beat with its answer
// (the Master's heartbeats and Me's answers); "none", the same Conns,
// control frames on and watched on both ends, but no heartbeats; "plain",
// Conns without control frames. It returns the Client, how many
// heartbeats were answered so far, and how many were answered late.
func callLink(b *testing.B, impl string, beat time.Duration) (cl *frame.Client[callMsg, callMsg], answered, late func() uint64) {
	b.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	var ends [2]net.Conn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "call")
		ends[i], err = net.FileConn(f)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var tasks []func()
	var lateBeats atomic.Uint64
	h := newPeerHealth()
	var master, worker *frame.Conn
	if impl == "plain" {
		master, worker = frame.New(ends[0]), frame.New(ends[1])
	} else {
		master = frame.New(ends[0], frame.WithControl(h.control))
		link := newWorkerLink(nil)
		worker = frame.New(ends[1], frame.WithControl(link.control))
		hb := time.Duration(0)
		if impl == "heartbeat" {
			hb = beat
		}
		tasks = append(tasks, link.start(ctx, worker, hb), goTask(func() { master.WatchControl(ctx) }))
		if hb == 0 {
			tasks = append(tasks, goTask(func() { worker.WatchControl(ctx) }))
		} else {
			r := &run{log: quietLogger(), cfg: Master{Events: func(e Event) {
				if e.Kind == Unhealthy {
					lateBeats.Add(1)
				}
			}}}
			s := &slot{w: &Worker{Name: "bench", Heartbeat: hb, Misses: 1 << 30}, state: SlotReady}
			ten := newTenure(h)
			ten.pid = 1
			s.begin(ten)
			tasks = append(tasks, goTask(func() { r.heartbeats(ctx, s, ten, master) }))
		}
	}
	tasks = append(tasks, goTask(func() {
		frame.Serve(ctx, worker, callCodec{}, callCodec{}, func(_ context.Context, m callMsg) (callMsg, error) { return m, nil })
	}))
	b.Cleanup(func() {
		cancel()
		master.Close()
		worker.Close()
		for _, wait := range tasks {
			wait()
		}
	})
	return frame.NewClient[callMsg, callMsg](master, callCodec{}, callCodec{}), h.pongSeq.Load, lateBeats.Load
}

// goTask runs f on a goroutine of its own and returns a wait for its end.
func goTask(f func()) (wait func()) {
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	return func() { <-done }
}

// BenchmarkCallUnderHeartbeats: Client.Call from 64 goroutines at once,
// as fast as a worker answers, with a heartbeat every millisecond (a
// thousand times more often than a Master is usually told to send them)
// and its answer beside the calls, against the same Conns without
// heartbeats and against Conns without control frames. calls/s is the
// figure; beats/s and late/s are the heartbeats answered, and those
// answered after the next beat; cpu-ns/call is the process's CPU time
// (both ends, and the heartbeats) over the calls, which the machine's
// other load disturbs less than the time.
func BenchmarkCallUnderHeartbeats(b *testing.B) {
	const beat = time.Millisecond
	for _, impl := range []string{"heartbeat", "none", "plain"} {
		b.Run("impl="+impl, func(b *testing.B) {
			cl, answered, late := callLink(b, impl, beat)
			ctx := context.Background()
			if _, err := cl.Call(ctx, callMsg{}); err != nil {
				b.Fatal(err)
			}
			beats0, late0, cpu0 := answered(), late(), ownCPU()
			b.ReportAllocs()
			b.SetParallelism(32)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var req callMsg
				for pb.Next() {
					if _, err := cl.Call(ctx, req); err != nil {
						b.Error(err)
						return
					}
				}
			})
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(b.N)/secs, "calls/s")
			b.ReportMetric(float64(ownCPU()-cpu0)/float64(b.N), "cpu-ns/call")
			if impl == "heartbeat" {
				b.ReportMetric(float64(answered()-beats0)/secs, "beats/s")
				b.ReportMetric(float64(late()-late0)/secs, "late/s")
			}
		})
	}
}

package bench

import (
	"context"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/release-daemon/release/zbuf"
	"golang.org/x/sys/unix"
)

// The zbuf benchmarks compare package zbuf (impl=release) with what a Go
// user would do instead: a sync.Pool of []byte, make, plain heap buffers,
// and raw unix.Read/unix.Write loops. Run them with
//
//	go test -run '^$' -bench Zbuf -count 6 . > /tmp/z.txt
//	benchstat -col /impl /tmp/z.txt
//
// The GC benchmarks hold zbufHeld bytes, so they need about twice that
// much free RAM.

// zbufSink keeps the make benchmarks' slices alive.
var zbufSink []byte

// BenchmarkZbufGetPut64K is a warm acquire and release of a 64 KiB buffer:
// Pool.Get and Free (or Pool.Put, which also checks the Buffer is the
// Pool's), a sync.Pool hit, or a make that the GC reclaims.
func BenchmarkZbufGetPut64K(b *testing.B) {
	const size = 64 << 10
	b.Run("impl=release", func(b *testing.B) {
		p := zbufPool(b, zbuf.Config{})
		b.ReportAllocs()
		for b.Loop() {
			buf, _ := p.Get(size)
			_ = buf.Free()
		}
	})
	b.Run("impl=release-put", func(b *testing.B) {
		p := zbufPool(b, zbuf.Config{})
		b.ReportAllocs()
		for b.Loop() {
			buf, _ := p.Get(size)
			_ = p.Put(buf)
		}
	})
	b.Run("impl=syncpool", func(b *testing.B) {
		pool := sync.Pool{New: func() any { p := make([]byte, size); return &p }}
		b.ReportAllocs()
		for b.Loop() {
			p := pool.Get().(*[]byte)
			pool.Put(p)
		}
	})
	b.Run("impl=make", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			zbufSink = make([]byte, size)
		}
	})
}

// BenchmarkZbufColdGet64K is a cold acquire, amortized: a 64 KiB buffer
// whose memory nobody used before, filled with 64 KiB of data. The
// buffers are kept, 1024 at a time, so that release never reuses a
// block: it maps a slab every 64 Gets and faults its pages in (the kernel
// zeroes them). make allocates (and zeroes) from the Go heap, which the GC
// recycles once a batch is dropped.
func BenchmarkZbufColdGet64K(b *testing.B) {
	const size, batch = 64 << 10, 1024
	data := make([]byte, size)
	b.Run("impl=release", func(b *testing.B) {
		var p *zbuf.Pool
		held := make([]zbuf.Buffer, 0, batch)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if i%batch == 0 {
				b.StopTimer()
				zbufRelease(held, p)
				held = held[:0]
				p, _ = zbuf.NewPool(zbuf.Config{MaxRetained: -1})
				b.StartTimer()
			}
			buf, _ := p.Get(size)
			_ = buf.Append(data)
			held = append(held, buf)
		}
		zbufRelease(held, p)
	})
	b.Run("impl=make", func(b *testing.B) {
		held := make([][]byte, 0, batch)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if i%batch == 0 {
				held = held[:0]
			}
			p := make([]byte, size)
			copy(p, data)
			held = append(held, p)
		}
	})
}

// zbufRelease closes p, then frees the buffers: each slab is unmapped
// with its last buffer, without trimming blocks one by one first.
func zbufRelease(held []zbuf.Buffer, p *zbuf.Pool) {
	if p != nil {
		_ = p.Close()
	}
	for _, h := range held {
		_ = h.Free()
	}
}

// BenchmarkZbufSocketpair1M moves 1 MiB per op over a unix socketpair,
// written by one goroutine and read by another: impl=release is WriteAll
// and ReadFull on *net.UnixConn (non-blocking, through the netpoller), raw
// is a unix.Write loop and a unix.Read loop on the same kind of socket in
// blocking mode, each goroutine holding a thread. (The writer must know
// the count in advance, so these loop over b.N rather than b.Loop.)
func BenchmarkZbufSocketpair1M(b *testing.B) {
	const size = 1 << 20
	b.Run("impl=release", func(b *testing.B) {
		r, w := zbufConnPair(b)
		src, _ := zbuf.Make(size, 'x')
		defer src.Free()
		done := make(chan error, 1)
		b.SetBytes(size)
		b.ReportAllocs()
		b.ResetTimer()
		go func() {
			var err error
			for i := 0; i < b.N && err == nil; i++ {
				err = zbuf.WriteAll(w, src)
			}
			done <- err
		}()
		for i := 0; i < b.N; i++ {
			buf, err := zbuf.ReadFull(context.Background(), r, size)
			if err != nil {
				b.Fatal(err)
			}
			_ = buf.Free()
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	})
	b.Run("impl=raw", func(b *testing.B) {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer unix.Close(fds[0])
		defer unix.Close(fds[1])
		src, dst := make([]byte, size), make([]byte, size)
		done := make(chan error, 1)
		b.SetBytes(size)
		b.ReportAllocs()
		b.ResetTimer()
		go func() { done <- zbufRawWrites(fds[1], src, b.N) }()
		for i := 0; i < b.N; i++ {
			if err := zbufRawRead(fds[0], dst); err != nil {
				b.Fatal(err)
			}
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	})
}

// zbufConnPair returns the two ends of a socketpair as *net.UnixConn.
func zbufConnPair(b *testing.B) (r, w *net.UnixConn) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	var c [2]*net.UnixConn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		nc, err := net.FileConn(f)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		c[i] = nc.(*net.UnixConn)
		b.Cleanup(func() { nc.Close() })
	}
	return c[0], c[1]
}

func zbufRawWrites(fd int, p []byte, n int) error {
	for range n {
		for q := p; len(q) > 0; {
			k, err := unix.Write(fd, q)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return err
			}
			q = q[k:]
		}
	}
	return nil
}

func zbufRawRead(fd int, p []byte) error {
	for got := 0; got < len(p); {
		k, err := unix.Read(fd, p[got:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		got += k
	}
	return nil
}

func zbufPool(b *testing.B, c zbuf.Config) *zbuf.Pool {
	p, err := zbuf.NewPool(c)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Close() })
	return p
}

// zbufHeld is what BenchmarkZbufGC keeps in buffers: 2 GiB.
const zbufHeld = 2 << 30

// zbufAppNode is the rest of the program's heap in the GC benchmarks:
// zbufAppNodes pointer-linked 64-byte objects (32 MiB) that every run
// holds, so that a collection has real work besides the buffers.
type zbufAppNode struct {
	next *zbufAppNode
	_    [56]byte
}

const zbufAppNodes = 512 << 10

var zbufApp = sync.OnceValue(func() *zbufAppNode {
	var n *zbufAppNode
	for range zbufAppNodes {
		n = &zbufAppNode{next: n}
	}
	return n
})

// BenchmarkZbufGC holds zbufHeld bytes in 64 KiB buffers, in zbuf
// (impl=release) or on the Go heap (impl=heap), or nothing (impl=none),
// beside a 32 MiB application heap. To be realistic the buffers churn:
// after filling, each one is replaced twice by a new one, every page
// written. The op is a forced runtime.GC(), so ns/op is its cost;
// HeapSys-MiB and peakRSS-MiB (VmHWM, reset before the run) are read at
// the end.
func BenchmarkZbufGC(b *testing.B) {
	app := zbufApp()
	for _, impl := range []string{"none", "release", "heap"} {
		b.Run("impl="+impl, func(b *testing.B) {
			zbufResetPeak(b)
			release := zbufHold(b, impl, zbufHeld)
			defer release()
			for b.Loop() {
				runtime.GC()
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapSys)/(1<<20), "HeapSys-MiB")
			b.ReportMetric(float64(zbufStatus(b, "VmHWM:"))/(1<<20), "peakRSS-MiB")
		})
	}
	runtime.KeepAlive(app)
}

// zbufHeld64K is a set of 64 KiB buffers, in zbuf or on the heap.
type zbufHeld64K struct {
	pool *zbuf.Pool
	bufs []zbuf.Buffer
	heap [][]byte
}

const zbufSize = 64 << 10

// replace replaces buffer i by a new one with every page written.
func (h *zbufHeld64K) replace(i int) {
	if h.pool != nil {
		_ = h.bufs[i].Free() // the zero Buffer of the first fill just says ErrFreed
		h.bufs[i], _ = h.pool.Get(zbufSize)
		_ = h.bufs[i].Set(zbufSize-1, 1) // zeroes the rest: every page written
		return
	}
	p := make([]byte, zbufSize)
	for j := 0; j < len(p); j += 4096 { // make may skip zeroing fresh pages
		p[j] = 1
	}
	h.heap[i] = p
}

func (h *zbufHeld64K) len() int { return max(len(h.bufs), len(h.heap)) }

// zbufHold fills n bytes of 64 KiB buffers of the given kind, replaces
// each twice, and returns the function that lets them go.
func zbufHold(b *testing.B, impl string, n int) (release func()) {
	h := zbufNewHeld(b, impl, n)
	for range 3 {
		for i := range h.len() {
			h.replace(i)
		}
	}
	return h.release
}

func zbufNewHeld(b *testing.B, impl string, n int) *zbufHeld64K {
	switch impl {
	case "release":
		return &zbufHeld64K{pool: zbufPool(b, zbuf.Config{}), bufs: make([]zbuf.Buffer, n/zbufSize)}
	case "heap":
		return &zbufHeld64K{heap: make([][]byte, n/zbufSize)}
	}
	return &zbufHeld64K{}
}

func (h *zbufHeld64K) release() {
	if h.pool != nil {
		zbufRelease(h.bufs, h.pool)
	}
	clear(h.heap)
	runtime.GC()
	debug.FreeOSMemory()
}

// BenchmarkZbufGCBudget measures the GC's CPU time at an equal memory
// budget, for a server that keeps 512 MiB in 64 KiB buffers beside the 32
// MiB application heap and, per op, receives 32 MiB into fresh buffers
// (replacing 512 of them) and allocates 32 MiB of short-lived 4 KiB
// objects. The budget is what the heap run uses with the default
// GOGC=100: about twice its live heap, 1 GiB. impl=heap keeps the buffers
// on the Go heap with GOGC=100; impl=release keeps them in zbuf with the
// package doc's advice, GOMEMLIMIT = budget - buffers and GOGC=off;
// impl=release-gogc100 keeps them in zbuf with the default GOGC, which
// collects far more often because the heap looks small. gc-cpu-ms/op and
// gcs/op come from runtime/metrics.
func BenchmarkZbufGCBudget(b *testing.B) {
	const held, budget = 512 << 20, 1 << 30
	app := zbufApp()
	for _, impl := range []string{"heap", "release", "release-gogc100"} {
		b.Run("impl="+impl, func(b *testing.B) {
			h := zbufNewHeld(b, strings.TrimSuffix(impl, "-gogc100"), held)
			defer h.release()
			for i := range h.len() {
				h.replace(i)
			}
			runtime.GC()
			if impl == "release" {
				defer debug.SetMemoryLimit(debug.SetMemoryLimit(budget - held))
				defer debug.SetGCPercent(debug.SetGCPercent(-1))
			}
			cpu0, gcs0 := zbufGCMetrics()
			garbage := make([][]byte, 1024)
			for i := 0; b.Loop(); i++ {
				for j := range 512 {
					h.replace((i*512 + j) % h.len())
				}
				for j := range 8 << 10 {
					garbage[j%len(garbage)] = make([]byte, 4096)
				}
			}
			cpu1, gcs1 := zbufGCMetrics()
			b.ReportMetric((cpu1-cpu0)*1e3/float64(b.N), "gc-cpu-ms/op")
			b.ReportMetric(float64(gcs1-gcs0)/float64(b.N), "gcs/op")
		})
	}
	runtime.KeepAlive(app)
}

// zbufGCMetrics returns the GC's CPU time so far, in seconds, and the
// number of GC cycles. The time leaves out idle marking, the work the GC
// does on otherwise idle CPUs, which depends on what else runs on the
// machine rather than on the program.
func zbufGCMetrics() (cpu float64, cycles uint64) {
	s := []metrics.Sample{
		{Name: "/cpu/classes/gc/total:cpu-seconds"},
		{Name: "/cpu/classes/gc/mark/idle:cpu-seconds"},
		{Name: "/gc/cycles/total:gc-cycles"},
	}
	metrics.Read(s)
	return s[0].Value.Float64() - s[1].Value.Float64(), s[2].Value.Uint64()
}

// zbufResetPeak resets VmHWM, the peak RSS, to the current RSS.
func zbufResetPeak(b *testing.B) {
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("cannot reset the peak RSS: %v", err)
	}
}

// zbufStatus returns a "kB" field of /proc/self/status, in bytes.
func zbufStatus(b *testing.B, field string) int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	b.Fatalf("no %s in /proc/self/status", field)
	return 0
}

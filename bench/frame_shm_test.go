package bench

import (
	"context"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
	"golang.org/x/sys/unix"
)

// BenchmarkFrameShm writes frames one way and drains them with a goroutine,
// as BenchmarkFrameWrite does, through a socketpair (impl=socket), through
// a Conn sharing memory with the default threshold (impl=shared: inline
// up to 1 KiB, through the ring above), and through the ring whatever the
// size (impl=ring, threshold 0); impl=memcpy copies the payload into a
// buffer of its size, the floor for a path that copies it once, and
// impl=memcpyring into successive places of a buffer as large as the
// ring, as the ring's writer does, and impl=memcpyshm the same into a
// mapped memfd, the ring's kind of memory, without any IPC: the ceiling
// of a transport through these pages. The reader does not touch the
// payload in any of them: the socket path has the kernel copy it into
// the read buffer, the ring hands out a view.
func BenchmarkFrameShm(b *testing.B) {
	for _, size := range []int{1 << 10, 2 << 10, 4 << 10, 16 << 10, 1 << 20} {
		name := fmt.Sprintf("size=%dKiB", size>>10)
		b.Run(name+"/impl=socket", func(b *testing.B) { benchShm(b, size, -1) })
		b.Run(name+"/impl=shared", func(b *testing.B) { benchShm(b, size, frame.DefaultSharedThreshold) })
		b.Run(name+"/impl=ring", func(b *testing.B) { benchShm(b, size, 0) })
		b.Run(name+"/impl=memcpy", func(b *testing.B) {
			src, dst := make([]byte, size), make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				copy(dst, src)
			}
		})
		b.Run(name+"/impl=memcpyring", func(b *testing.B) {
			src, dst := make([]byte, size), make([]byte, shmRing)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			off := 0
			for b.Loop() {
				if off+size > len(dst) {
					off = 0
				}
				copy(dst[off:], src)
				off += size
			}
		})
		b.Run(name+"/impl=memcpyshm", func(b *testing.B) { benchMemcpyShm(b, size) })
	}
}

// benchMemcpyShm copies each payload into successive places of a mapped
// memfd as large as the ring's data, as the ring's writer does, without
// any IPC.
func benchMemcpyShm(b *testing.B, size int) {
	dst, src := mapShm(b), make([]byte, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	off := 0
	for b.Loop() {
		off = copyAt(dst, off, src)
	}
}

// copyAt copies src into dst at off, or at 0 if it would not fit, as the
// ring places a payload, and returns where the next one goes.
func copyAt(dst []byte, off int, src []byte) int {
	if off+len(src) > len(dst) {
		off = 0
	}
	copy(dst[off:], src)
	return off + len(src)
}

// mapShm maps a memfd of the ring's size, unmapped at the benchmark's end.
func mapShm(b *testing.B) []byte {
	fd, err := unix.MemfdCreate("bench-shm", unix.MFD_CLOEXEC)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Ftruncate(fd, shmRing); err != nil {
		b.Fatal(err)
	}
	m, err := unix.Mmap(fd, 0, shmRing, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { unix.Munmap(m) })
	return m
}

// BenchmarkFrameShmPaired takes turns, block by block, between four
// ways of moving 1 MiB payloads, timing each block, so that all four see
// the same moments of a machine whose memory bandwidth other jobs take
// and leave (BenchmarkFrameShm measures them seconds apart): Writes
// through the ring (ring), copies into the heap (memcpy), copies into a
// mapped memfd (memcpyshm), and copies into a memfd each followed by a
// 16-byte write(2) to a socket whose reader is parked in the netpoller
// (memcpyshmwrite: the copy and the descriptor's wake-up, without the
// rest of the transport). Blocks of pairedBlock frames keep the ring's
// reader in the rhythm it has when it runs alone. It reports each one's
// mean time a frame and the ring's bandwidth as a fraction of the copies'
// (ring/memcpy, ring/memcpyshm).
func BenchmarkFrameShmPaired(b *testing.B) {
	const size = 1 << 20
	w, bell := shmWriter(b, 0), bellSocket(b)
	p, heap, shm := make([]byte, size), make([]byte, size), mapShm(b)
	var d [16]byte
	var ring, mem, memShm, memShmWrite time.Duration
	off := 0
	b.SetBytes(4 * pairedBlock * size)
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		for range pairedBlock {
			if err := w.Write(p); err != nil {
				b.Fatal(err)
			}
		}
		t1 := time.Now()
		for range pairedBlock {
			copy(heap, p)
		}
		t2 := time.Now()
		for range pairedBlock {
			off = copyAt(shm, off, p)
		}
		t3 := time.Now()
		for range pairedBlock {
			off = copyAt(shm, off, p)
			if _, err := bell.Write(d[:]); err != nil {
				b.Fatal(err)
			}
		}
		ring, mem, memShm, memShmWrite = ring+t1.Sub(t0), mem+t2.Sub(t1), memShm+t3.Sub(t2), memShmWrite+time.Since(t3)
	}
	n := float64(b.N * pairedBlock)
	for _, m := range []struct {
		d    time.Duration
		unit string
	}{{ring, "ring"}, {mem, "memcpy"}, {memShm, "memcpyshm"}, {memShmWrite, "memcpyshmwrite"}} {
		b.ReportMetric(float64(m.d.Nanoseconds())/n, m.unit+"-ns/frame")
	}
	b.ReportMetric(float64(mem)/float64(ring), "ring/memcpy")
	b.ReportMetric(float64(memShm)/float64(ring), "ring/memcpyshm")
}

// pairedBlock is how many frames of one kind BenchmarkFrameShmPaired
// times in a row.
const pairedBlock = 8

// bellSocket is one end of a socketpair whose other end a goroutine
// reads, parked in the netpoller between writes, until the benchmark's
// end.
func bellSocket(b *testing.B) net.Conn {
	x, y := shmPair(b)
	go func() {
		var buf [64]byte
		for {
			if _, err := y.Read(buf[:]); err != nil {
				return
			}
		}
	}()
	return x
}

// benchShm measures one-way frames of size bytes; threshold < 0 means no
// shared memory.
func benchShm(b *testing.B, size, threshold int) {
	w, p := shmWriter(b, threshold), make([]byte, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(p); err != nil {
			b.Fatal(err)
		}
	}
}

// shmWriter is the writing end of a Conn pair on a socketpair, sharing
// memory with the given threshold unless it is < 0, whose other end a
// goroutine drains without touching the payloads. Both are closed, and
// the goroutine done, at the benchmark's end.
func shmWriter(b *testing.B, threshold int) *frame.Conn {
	a, c := shmPair(b)
	opts := []frame.Option{frame.MaxFrame(4 << 20), frame.SharedThreshold(max(threshold, 0))}
	w, r := frame.New(a, opts...), frame.New(c, append(opts, frame.AcceptShared)...)
	if threshold >= 0 {
		if err := w.ShareMemory(context.Background(), shmRing); err != nil {
			b.Fatal(err)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, err := r.Read(); err != nil {
				return
			}
		}
	}()
	b.Cleanup(func() {
		w.Close()
		<-done
		r.Close()
	})
	return w
}

// shmRing is the benchmarks' ring: room for four 1 MiB payloads.
const shmRing = 4 << 20

// shmPair is a unix socketpair, closed at the benchmark's end.
func shmPair(b *testing.B) (net.Conn, net.Conn) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	x, y := fileConn(fds[0]), fileConn(fds[1])
	b.Cleanup(func() { x.Close(); y.Close() })
	return x, y
}

package bench

import (
	"context"
	"fmt"
	"net"
	"syscall"
	"testing"

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
	fd, err := unix.MemfdCreate("bench-shm", unix.MFD_CLOEXEC)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Ftruncate(fd, shmRing); err != nil {
		b.Fatal(err)
	}
	dst, err := unix.Mmap(fd, 0, shmRing, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Munmap(dst)
	src := make([]byte, size)
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
}

// benchShm measures one-way frames of size bytes; threshold < 0 means no
// shared memory.
func benchShm(b *testing.B, size, threshold int) {
	a, c := shmPair(b)
	opts := []frame.Option{frame.MaxFrame(4 << 20), frame.SharedThreshold(max(threshold, 0))}
	w, r := frame.New(a, opts...), frame.New(c, append(opts, frame.AcceptShared)...)
	defer r.Close()
	if threshold >= 0 {
		if err := w.ShareMemory(context.Background(), shmRing); err != nil {
			b.Fatal(err)
		}
	}
	p := make([]byte, size)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, err := r.Read(); err != nil {
				return
			}
		}
	}()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(p); err != nil {
			b.Fatal(err)
		}
	}
	w.Close()
	<-done
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

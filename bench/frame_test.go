package bench

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/rpc"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"github.com/release-daemon/release/frame"
	"golang.org/x/sys/unix"
)

// Ping is the 64-byte request and response of the round-trip benchmarks.
type Ping [64]byte

type PingCodec struct{}

func (PingCodec) Append(dst []byte, v Ping) ([]byte, error) { return append(dst, v[:]...), nil }
func (PingCodec) Decode(p []byte) (Ping, error) {
	var v Ping
	copy(v[:], p)
	return v, nil
}

func fileConn(fd int) net.Conn {
	f := os.NewFile(uintptr(fd), "conn")
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		panic(err)
	}
	return c
}

// pinServer moves every thread of this helper process to the CPU named by
// RELEASE_BENCH_SERVER_CPU, if set: with the benchmark itself under
// `taskset -c 0`, RELEASE_BENCH_SERVER_CPU=1 puts the two processes on
// different CPUs, and leaving it unset keeps both on CPU 0. Threads made
// later inherit the mask.
func pinServer() {
	cpu, err := strconv.Atoi(os.Getenv("RELEASE_BENCH_SERVER_CPU"))
	if err != nil {
		return
	}
	var set unix.CPUSet
	set.Set(cpu)
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, t := range tasks {
		if tid, err := strconv.Atoi(t.Name()); err == nil {
			_ = unix.SchedSetaffinity(tid, &set)
		}
	}
}

func frameEchoServer(fd int) int {
	pinServer()
	var opts []frame.Option
	if os.Getenv("RELEASE_BENCH_SPIN") != "" {
		opts = append(opts, frame.SpinReads(100))
	}
	c := frame.New(fileConn(fd), opts...)
	frame.Serve(context.Background(), c, PingCodec{}, PingCodec{}, func(_ context.Context, p Ping) (Ping, error) { return p, nil })
	return 0
}

// rawEchoServer answers frames on a blocking fd with plain read and write
// calls: the floor a Go program can reach.
func rawEchoServer(fd int) int {
	pinServer()
	echoFrames(blockingFD(fd))
	return 0
}

// netConnEchoServer answers frames as rawEchoServer does, through a
// net.Conn (Go's netpoller), as hand-written Go socket code would.
func netConnEchoServer(fd int) int {
	pinServer()
	echoFrames(fileConn(fd))
	return 0
}

// echoFrames sends back each 64-byte frame, header included, until rw
// fails.
func echoFrames(rw io.ReadWriter) {
	buf := make([]byte, 4+64)
	for {
		if _, err := io.ReadFull(rw, buf); err != nil {
			return
		}
		if _, err := rw.Write(buf); err != nil {
			return
		}
	}
}

// blockingFD reads and writes a descriptor with plain read and write
// calls, outside the netpoller.
type blockingFD int

func (f blockingFD) Write(p []byte) (int, error) { return unix.Write(int(f), p) }

func (f blockingFD) Read(p []byte) (int, error) {
	n, err := unix.Read(int(f), p)
	if n == 0 && err == nil {
		return 0, io.EOF
	}
	return n, err
}

// Echo is the net/rpc service of the comparison.
type Echo struct{}

func (Echo) Ping(req Ping, resp *Ping) error { *resp = req; return nil }

func netrpcEchoServer(fd int) int {
	srv := rpc.NewServer()
	srv.Register(Echo{})
	srv.ServeConn(fileConn(fd))
	return 0
}

// BenchmarkFrameCall is one round trip with a second process, a 64-byte
// request and response: impl=release is frame.Client.Call against
// frame.Serve, impl=release-spin the same with frame.SpinReads(100) on both
// Conns, impl=raw blocking read and write calls on both sides, and
// impl=netrpc the standard library's net/rpc.
func BenchmarkFrameCall(b *testing.B) {
	for _, spin := range []int{0, 100} {
		name := "impl=release"
		if spin > 0 {
			name = "impl=release-spin"
			b.Setenv("RELEASE_BENCH_SPIN", "1")
		}
		b.Run(name, func(b *testing.B) {
			c := frame.New(fileConn(startServer(b, "frame-echo")), frame.SpinReads(spin))
			cl := frame.NewClient[Ping, Ping](c, PingCodec{}, PingCodec{})
			var req Ping
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cl.Call(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("impl=raw", func(b *testing.B) {
		fd := startServer(b, "raw-echo")
		unix.SetNonblock(fd, false)
		benchEchoCalls(b, blockingFD(fd))
	})
	b.Run("impl=netconn", func(b *testing.B) { benchEchoCalls(b, fileConn(startServer(b, "netconn-echo"))) })
	b.Run("impl=netrpc", func(b *testing.B) {
		cl := rpc.NewClient(fileConn(startServer(b, "netrpc-echo")))
		var req, resp Ping
		b.ReportAllocs()
		for b.Loop() {
			if err := cl.Call("Echo.Ping", req, &resp); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFrameCallers is frame.Client.Call from 1 or 64 goroutines at
// once against one server process; calls/s is the figure.
func BenchmarkFrameCallers(b *testing.B) {
	for _, callers := range []int{1, 64} {
		b.Run("callers="+itoa(callers), func(b *testing.B) {
			c := frame.New(fileConn(startServer(b, "frame-echo")))
			cl := frame.NewClient[Ping, Ping](c, PingCodec{}, PingCodec{})
			var wg sync.WaitGroup
			per := b.N/callers + 1
			b.ReportAllocs()
			b.ResetTimer()
			for range callers {
				wg.Go(func() {
					var req Ping
					for range per {
						cl.Call(context.Background(), req)
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(per*callers)/b.Elapsed().Seconds(), "calls/s")
		})
	}
}

// benchEchoCalls makes one round trip of a 64-byte frame per operation
// on rw, whose peer echoes it.
func benchEchoCalls(b *testing.B, rw io.ReadWriter) {
	buf := make([]byte, 4+64)
	binary.BigEndian.PutUint32(buf, 64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rw.Write(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(rw, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// drain reads and discards a socket until it closes.
func drain(fd int) {
	buf := make([]byte, 1<<20)
	for {
		if n, _ := unix.Read(fd, buf); n <= 0 {
			return
		}
	}
}

// writePair is a socketpair whose far end is drained by a goroutine.
func writePair(b *testing.B) (near int, conn net.Conn) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	go drain(fds[1])
	b.Cleanup(func() { syscall.Close(fds[0]); syscall.Close(fds[1]) })
	return fds[0], fileConnDup(fds[0])
}

func fileConnDup(fd int) net.Conn {
	dup, _ := unix.Dup(fd)
	return fileConn(dup)
}

// BenchmarkFrameWrite writes one frame per operation: impl=release is
// frame.Conn.Write; impl=netconn copies header and payload into one buffer
// and writes it with net.Conn.Write, as a user of package net would;
// impl=copywrite does the same with write(2) on a blocking fd; impl=twowrites writes the header, then the
// payload; impl=writev sends both in one writev without a copy.
func BenchmarkFrameWrite(b *testing.B) {
	for _, size := range []int{64, 1 << 20} {
		p := make([]byte, size)
		name := "size=" + itoa(size)
		b.Run(name+"/impl=release", func(b *testing.B) {
			_, nc := writePair(b)
			c := frame.New(nc, frame.MaxFrame(2<<20))
			benchLoop(b, size, func() error { return c.Write(p) })
		})
		b.Run(name+"/impl=netconn", func(b *testing.B) {
			_, nc := writePair(b)
			buf := make([]byte, 0, 4+size)
			benchLoop(b, size, func() error {
				buf = frame.AppendFrame(buf[:0], p)
				_, err := nc.Write(buf)
				return err
			})
		})
		b.Run(name+"/impl=copywrite", func(b *testing.B) {
			fd, _ := writePair(b)
			unix.SetNonblock(fd, false)
			buf := make([]byte, 0, 4+size)
			benchLoop(b, size, func() error {
				buf = frame.AppendFrame(buf[:0], p)
				_, err := writeAll(fd, buf)
				return err
			})
		})
		b.Run(name+"/impl=twowrites", func(b *testing.B) {
			fd, _ := writePair(b)
			unix.SetNonblock(fd, false)
			hdr := binary.BigEndian.AppendUint32(nil, uint32(size))
			benchLoop(b, size, func() error {
				if _, err := writeAll(fd, hdr); err != nil {
					return err
				}
				_, err := writeAll(fd, p)
				return err
			})
		})
		b.Run(name+"/impl=writev", func(b *testing.B) {
			fd, _ := writePair(b)
			unix.SetNonblock(fd, false)
			hdr := binary.BigEndian.AppendUint32(nil, uint32(size))
			iov := [][]byte{hdr, p}
			benchLoop(b, size, func() error {
				n, err := unix.Writev(fd, iov)
				for err == nil && n < 4+size { // a short writev: finish plainly
					var m int
					m, err = writeAll(fd, frame.AppendFrame(nil, p)[n:])
					n += m
				}
				return err
			})
		})
	}
}

func writeAll(fd int, p []byte) (int, error) {
	done := 0
	for done < len(p) {
		n, err := unix.Write(fd, p[done:])
		if err != nil {
			return done, err
		}
		done += n
	}
	return done, nil
}

func benchLoop(b *testing.B, size int, op func() error) {
	b.ReportAllocs()
	b.SetBytes(int64(4 + size))
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFrameBatch writes 64-byte frames 128 at a time: impl=release
// with frame.Conn.WriteBatch, impl=bufio through a bufio.Writer flushed
// every 128 frames. frames/s is the figure.
func BenchmarkFrameBatch(b *testing.B) {
	const batch = 128
	ps := make([][]byte, batch)
	for i := range ps {
		ps[i] = make([]byte, 64)
	}
	b.Run("impl=release", func(b *testing.B) {
		_, nc := writePair(b)
		c := frame.New(nc)
		benchBatches(b, batch, func() error { return c.WriteBatch(ps...) })
	})
	b.Run("impl=bufio", func(b *testing.B) {
		_, nc := writePair(b)
		w := bufio.NewWriterSize(nc, 64<<10)
		var hdr [4]byte
		binary.BigEndian.PutUint32(hdr[:], 64)
		benchBatches(b, batch, func() error {
			for _, p := range ps {
				w.Write(hdr[:])
				w.Write(p)
			}
			return w.Flush()
		})
	})
}

func benchBatches(b *testing.B, batch int, op func() error) {
	b.ReportAllocs()
	b.SetBytes(int64(batch * 68))
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "frames/s")
}

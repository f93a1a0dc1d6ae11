package zbuf_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/zbuf"
	"golang.org/x/sys/unix"
)

// end is one end of a stream: something zbuf's fd functions take, that
// can be closed and given a write deadline.
type end interface {
	syscall.Conn
	io.Closer
	SetWriteDeadline(time.Time) error
}

// streams are the kinds of fd the I/O functions are tested on. Each
// returns a reading end and a writing end, closed at the end of the test.
var streams = []struct {
	name string
	make func(t *testing.T) (r, w end)
}{
	{"pipe", pipe},
	{"socketpair", socketpair},
	{"tcp", tcpLoopback},
}

func pipe(t *testing.T) (end, end) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

func socketpair(t *testing.T) (end, end) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	var c [2]*net.UnixConn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		nc, err := net.FileConn(f) // dups the fd
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		c[i] = nc.(*net.UnixConn)
	}
	t.Cleanup(func() { c[0].Close(); c[1].Close() })
	return c[0], c[1]
}

func tcpLoopback(t *testing.T) (end, end) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	w, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r.(*net.TCPConn), w.(*net.TCPConn)
}

// pattern returns n bytes that differ from their neighbours.
func pattern(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + i>>8)
	}
	return p
}

func TestReadFullWriteAll(t *testing.T) {
	for _, s := range streams {
		for _, n := range []int{0, 1, 4096, 64 << 10, 1<<20 + 3} {
			t.Run(s.name, func(t *testing.T) {
				r, w := s.make(t)
				data := pattern(n)
				src, _ := zbuf.FromBytes(data)
				defer src.Free()
				done := make(chan error, 1)
				go func() { done <- zbuf.WriteAll(w, src) }()
				got, err := zbuf.ReadFull(t.Context(), r, n)
				if err != nil {
					t.Fatalf("ReadFull(%d): %v", n, err)
				}
				defer got.Free()
				if err := <-done; err != nil {
					t.Fatalf("WriteAll(%d): %v", n, err)
				}
				if !bytes.Equal(got.Bytes(), data) {
					t.Fatalf("read %d bytes that differ from the %d written", got.Len(), n)
				}
			})
		}
	}
}

func TestReadOnce(t *testing.T) {
	for _, s := range streams {
		t.Run(s.name, func(t *testing.T) {
			r, w := s.make(t)
			buf, _ := zbuf.New(16)
			defer buf.Free()
			_, _ = w.(io.Writer).Write([]byte("hello"))
			n, err := zbuf.ReadOnce(r, buf, 2, 10)
			if err != nil || n != 5 || buf.String() != "\x00\x00hello" {
				t.Fatalf("ReadOnce = %d, %v; buffer %q", n, err, buf.String())
			}
			if n, err := zbuf.ReadOnce(r, buf, 0, 0); n != 0 || err != nil {
				t.Fatalf("ReadOnce of 0 bytes = %d, %v", n, err)
			}
			w.Close()
			if n, err := zbuf.ReadOnce(r, buf, 7, 9); n != 0 || err != io.EOF {
				t.Fatalf("ReadOnce at EOF = %d, %v; want 0, io.EOF", n, err)
			}
		})
	}
}

func TestReadOnceArguments(t *testing.T) {
	r, _ := pipe(t)
	buf, _ := zbuf.New(8)
	defer buf.Free()
	for _, a := range [][2]int{{-1, 1}, {0, -1}, {4, 5}, {9, 0}} {
		if _, err := callPanics(func() { _, _ = zbuf.ReadOnce(r, buf, a[0], a[1]) }); !errors.Is(err, zbuf.ErrRange) {
			t.Errorf("ReadOnce(off %d, n %d): panic %v, want ErrRange", a[0], a[1], err)
		}
	}
	path, _ := writeFile(t, 10)
	ro, _ := zbuf.MapFile(path)
	defer ro.Free()
	if _, err := zbuf.ReadOnce(r, ro, 0, 1); !errors.Is(err, zbuf.ErrReadOnly) {
		t.Errorf("ReadOnce into a mapped file: %v, want ErrReadOnly", err)
	}
}

// callPanics runs f and returns the error it panicked with.
func callPanics(f func()) (panicked bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			panicked = true
			err, _ = r.(error)
		}
	}()
	f()
	return false, nil
}

func TestReadFullEOF(t *testing.T) {
	for _, s := range streams {
		t.Run(s.name, func(t *testing.T) {
			r, w := s.make(t)
			w.Close()
			if b, err := zbuf.ReadFull(t.Context(), r, 10); err != io.EOF || b != (zbuf.Buffer{}) {
				t.Fatalf("ReadFull at EOF: %v, want io.EOF and no buffer", err)
			}
		})
	}
}

// TestReadFullPeerClosesMidRead has the peer write part of the bytes,
// wait until the reader is parked, and close.
func TestReadFullPeerClosesMidRead(t *testing.T) {
	for _, s := range streams {
		t.Run(s.name, func(t *testing.T) {
			r, w := s.make(t)
			go func() {
				_, _ = w.(io.Writer).Write([]byte("abc"))
				time.Sleep(20 * time.Millisecond)
				w.Close()
			}()
			if _, err := zbuf.ReadFull(t.Context(), r, 10); err != io.ErrUnexpectedEOF {
				t.Fatalf("ReadFull cut short: %v, want io.ErrUnexpectedEOF", err)
			}
		})
	}
}

func TestReadFullTimeout(t *testing.T) {
	for _, s := range streams {
		t.Run(s.name, func(t *testing.T) {
			r, _ := s.make(t)
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := zbuf.ReadFull(ctx, r, 10)
			took := time.Since(start)
			if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("ReadFull past its deadline: %v, want os.ErrDeadlineExceeded and context.DeadlineExceeded", err)
			}
			if took < 50*time.Millisecond || took > 2*time.Second {
				t.Fatalf("timed out after %v, want about 50ms", took)
			}
			if _, err := zbuf.ReadFull(ctx, r, 10); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("ReadFull with an expired context: %v", err)
			}
		})
	}
}

func TestReadFullCancel(t *testing.T) {
	r, _ := socketpair(t)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(20*time.Millisecond, cancel)
	if _, err := zbuf.ReadFull(ctx, r, 10); err != context.Canceled {
		t.Fatalf("ReadFull cancelled: %v, want context.Canceled", err)
	}
}

// TestReadFullContextDoesNotPoison checks that a context that ends after a
// successful ReadFull leaves no deadline behind on the fd.
func TestReadFullContextDoesNotPoison(t *testing.T) {
	r, w := socketpair(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, _ = w.(io.Writer).Write([]byte("abcdef"))
	b, err := zbuf.ReadFull(ctx, r, 3)
	if err != nil {
		t.Fatal(err)
	}
	b.Free()
	<-ctx.Done()
	if b, err = zbuf.ReadFull(t.Context(), r, 3); err != nil || b.String() != "def" {
		t.Fatalf("second ReadFull: %v", err)
	}
	b.Free()
}

func TestWriteAllErrors(t *testing.T) {
	r, w := socketpair(t)
	big, _ := zbuf.Make(8<<20, 'x')
	defer big.Free()
	_ = w.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
	if err := zbuf.WriteAll(w, big); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("WriteAll with nobody reading, past the deadline: %v", err)
	}
	_ = w.SetWriteDeadline(time.Time{})
	r.Close()
	if err := zbuf.WriteAll(w, big); !errors.Is(err, syscall.EPIPE) && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("WriteAll to a closed peer: %v, want EPIPE", err)
	}
	empty, _ := zbuf.New(0)
	if err := zbuf.WriteAll(w, empty); err != nil {
		t.Errorf("WriteAll of nothing: %v", err)
	}
}

// TestRawFD wraps a raw non-blocking fd with os.NewFile, as the package
// doc says, and checks that it joined the netpoller: a context deadline
// interrupts the read.
func TestRawFD(t *testing.T) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		if err := unix.SetNonblock(fd, true); err != nil {
			t.Fatal(err)
		}
	}
	r, w := os.NewFile(uintptr(fds[0]), "r"), os.NewFile(uintptr(fds[1]), "w")
	defer r.Close()
	defer w.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	if _, err := zbuf.ReadFull(ctx, r, 1); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("ReadFull on a raw fd past its deadline: %v", err)
	}
	_, _ = w.Write([]byte("ok"))
	b, err := zbuf.ReadFull(t.Context(), r, 2)
	if err != nil || b.String() != "ok" {
		t.Fatalf("ReadFull on a raw fd: %v", err)
	}
	b.Free()
}

func TestReadFullRegularFile(t *testing.T) {
	path, data := writeFile(t, 10000)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := zbuf.ReadFull(t.Context(), f, 6000)
	if err != nil || !bytes.Equal(b.Bytes(), data[:6000]) {
		t.Fatalf("ReadFull of a regular file: %v", err)
	}
	b.Free()
	if _, err := zbuf.ReadFull(t.Context(), f, 6000); err != io.ErrUnexpectedEOF {
		t.Fatalf("ReadFull past the file's end: %v", err)
	}
	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	src, _ := zbuf.FromBytes(data)
	defer src.Free()
	if err := zbuf.WriteAll(out, src); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out.Name()); !bytes.Equal(got, data) {
		t.Fatal("WriteAll to a regular file wrote something else")
	}
}

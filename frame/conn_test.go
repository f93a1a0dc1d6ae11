package frame_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

// pair returns two frame Conns over a unix socketpair.
func pair(t testing.TB, opts ...frame.Option) (*frame.Conn, *frame.Conn) {
	t.Helper()
	a, b := unixPair(t)
	ca, cb := frame.New(a, opts...), frame.New(b, opts...)
	t.Cleanup(func() { ca.Close(); cb.Close() })
	return ca, cb
}

func unixPair(t testing.TB) (*net.UnixConn, *net.UnixConn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]*net.UnixConn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "pair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c.(*net.UnixConn)
	}
	// Closed by the test's end at the latest: one left to the garbage
	// collector's finalizer would close in the middle of a later test and
	// upset its count of descriptors.
	t.Cleanup(func() { conns[0].Close(); conns[1].Close() })
	return conns[0], conns[1]
}

func TestRoundTripSizes(t *testing.T) {
	a, b := pair(t, frame.MaxFrame(4<<20))
	sizes := []int{0, 1, 63, 64, 16 << 10, 16<<10 + 1, 64 << 10, 1 << 20, 4 << 20}
	go func() {
		for _, n := range sizes {
			if err := a.Write(bytes.Repeat([]byte{byte(n)}, n)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for _, n := range sizes {
		p, err := b.Read()
		if err != nil || len(p) != n || (n > 0 && (p[0] != byte(n) || p[n-1] != byte(n))) {
			t.Fatalf("frame of %d bytes came back as %d bytes, %v", n, len(p), err)
		}
	}
}

func TestWriteBatchKeepsOrder(t *testing.T) {
	a, b := pair(t)
	var ps [][]byte
	for i := range 300 {
		n := []int{0, 5, 100, 20 << 10}[i%4]
		ps = append(ps, bytes.Repeat([]byte{byte(i)}, n))
	}
	go a.WriteBatch(ps...)
	for i, want := range ps {
		got, err := b.Read()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("frame %d: %d bytes, %v; want %d bytes", i, len(got), err, len(want))
		}
	}
}

// TestConcurrentWriters: 64 goroutines write frames tagged (writer, seq);
// every frame arrives whole and each writer's in order.
func TestConcurrentWriters(t *testing.T) {
	const writers, each = 64, 200
	a, b := pair(t, frame.MaxFrame(1<<20))
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for seq := range each {
				p := make([]byte, 8+r.IntN(40<<10))
				p[0], p[1], p[2] = byte(w), byte(seq), byte(seq>>8)
				for i := 8; i < len(p); i++ {
					p[i] = byte(w + seq + i)
				}
				if err := a.Write(p); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	next := make([]int, writers)
	for range writers * each {
		p, err := b.Read()
		if err != nil {
			t.Fatal(err)
		}
		w, seq := int(p[0]), int(p[1])|int(p[2])<<8
		if seq != next[w] {
			t.Fatalf("writer %d: frame %d arrived, want %d", w, seq, next[w])
		}
		next[w]++
		for i := 8; i < len(p); i++ {
			if p[i] != byte(w+seq+i) {
				t.Fatalf("writer %d frame %d is corrupt at byte %d", w, seq, i)
			}
		}
	}
	wg.Wait()
}

func TestEndOfStream(t *testing.T) {
	frameBytes := frame.AppendFrame(nil, bytes.Repeat([]byte("x"), 64))
	for cut := 0; cut <= len(frameBytes); cut++ {
		a, b := unixPair(t)
		a.Write(frameBytes[:cut])
		a.Close()
		c := frame.New(b)
		p, err := c.Read()
		switch {
		case cut == 0 && err != io.EOF:
			t.Errorf("empty stream: %v, want io.EOF", err)
		case cut > 0 && cut < len(frameBytes) && err != io.ErrUnexpectedEOF:
			t.Errorf("cut at %d: %q, %v; want io.ErrUnexpectedEOF and no payload", cut, p, err)
		case cut == len(frameBytes):
			if err != nil || len(p) != 64 {
				t.Errorf("whole frame: %d bytes, %v", len(p), err)
			}
			if _, err := c.Read(); err != io.EOF {
				t.Errorf("after the last frame: %v, want io.EOF", err)
			}
		}
		c.Close()
	}
}

// TestTooLargeAllocatesNothing: a header above the maximum is refused
// before any payload is read, without allocating for it, and closes.
func TestTooLargeAllocatesNothing(t *testing.T) {
	const max = 1 << 20
	for _, n := range []uint32{max + 1, 1 << 31, 1<<32 - 1} {
		a, b := unixPair(t)
		c := frame.New(b, frame.MaxFrame(max))
		a.Write([]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n), 1, 2, 3})
		_, err := c.Read()
		if !errors.Is(err, frame.ErrTooLarge) {
			t.Fatalf("header %d: %v, want ErrTooLarge", n, err)
		}
		if _, err := a.Write([]byte("more")); err == nil {
			time.Sleep(10 * time.Millisecond)
		}
		buf := make([]byte, 1)
		a.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := a.Read(buf); err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("header %d: the connection was not closed: %v", n, err)
		}
		c.Close()
		a.Close()
	}
}

func TestMaxFrameBoundaries(t *testing.T) {
	const max = 64 << 10
	a, b := pair(t, frame.MaxFrame(max))
	for _, n := range []int{0, 1, max - 1, max} {
		go a.Write(make([]byte, n))
		if p, err := b.Read(); err != nil || len(p) != n {
			t.Fatalf("frame of %d bytes (max %d): %d, %v", n, max, len(p), err)
		}
	}
	if err := a.Write(make([]byte, max+1)); !errors.Is(err, frame.ErrTooLarge) {
		t.Fatalf("writing %d bytes over max %d: %v", max+1, max, err)
	}
}

// TestDripReassembly writes 1,000 frames in random 1-7 byte pieces and
// reads the same frames as from one write.
func TestDripReassembly(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	var stream []byte
	var want [][]byte
	for i := range 1000 {
		p := make([]byte, r.IntN(2<<10))
		for j := range p {
			p[j] = byte(i * j)
		}
		want = append(want, p)
		stream = frame.AppendFrame(stream, p)
	}
	a, b := unixPair(t)
	c := frame.New(b)
	defer c.Close()
	go func() {
		for len(stream) > 0 {
			k := min(1+r.IntN(7), len(stream))
			a.Write(stream[:k])
			stream = stream[k:]
		}
		a.Close()
	}()
	for i, w := range want {
		got, err := c.Read()
		if err != nil || !bytes.Equal(got, w) {
			t.Fatalf("frame %d: %d bytes, %v; want %d", i, len(got), err, len(w))
		}
	}
	if _, err := c.Read(); err != io.EOF {
		t.Fatalf("after the last frame: %v", err)
	}
}

func TestReadDeadline(t *testing.T) {
	_, b := pair(t)
	b.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err := b.Read()
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past the deadline: %v, want os.ErrDeadlineExceeded", err)
	}
}

func TestReadCopyOutlivesNextRead(t *testing.T) {
	a, b := pair(t)
	go a.WriteBatch([]byte("first"), []byte("second"))
	first, err := b.ReadCopy()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Read(); err != nil {
		t.Fatal(err)
	}
	if string(first) != "first" {
		t.Fatalf("ReadCopy's payload changed to %q", first)
	}
}

func TestClosedConn(t *testing.T) {
	a, b := pair(t)
	a.Close()
	if err := a.Write([]byte("x")); err == nil {
		t.Error("Write on a closed Conn succeeded")
	}
	if err := a.Close(); !errors.Is(err, frame.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
	if _, err := b.Read(); err != io.EOF {
		t.Errorf("Read from a peer that closed: %v", err)
	}
}

func ExampleAppendFrame() {
	fmt.Printf("% x\n", frame.AppendFrame(nil, []byte("hello")))
	// Output: 00 00 00 05 68 65 6c 6c 6f
}

// TestSpinReads: a Conn that spins before parking reads the same frames,
// still sees the end of the stream, and still honours its deadline.
func TestSpinReads(t *testing.T) {
	a, b := pair(t, frame.SpinReads(50))
	go a.WriteBatch([]byte("one"), []byte("two"))
	for _, want := range []string{"one", "two"} {
		if got, err := b.Read(); err != nil || string(got) != want {
			t.Fatalf("Read = %q, %v; want %q", got, err, want)
		}
	}
	b.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := b.Read(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a spinning Read past its deadline: %v", err)
	}
	b.SetReadDeadline(time.Time{})
	a.Close()
	if _, err := b.Read(); err != io.EOF {
		t.Fatalf("a spinning Read after the peer closed: %v", err)
	}
}

package frame_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/release-daemon/release/frame"
	"golang.org/x/sys/unix"
)

const hostileRing = 64 << 10

// readErr reads from c until an error, at most max frames, with a bound on
// the time: a hostile peer must never make a read hang.
func readErr(t *testing.T, c *frame.Conn, max int) (frames int, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for frames = 0; frames <= max; frames++ {
		if _, err = c.ReadContext(ctx); err != nil {
			return frames, err
		}
	}
	return frames, nil
}

// TestSharedHostileDescriptors sends descriptors that lie, after a valid
// setup: each read fails with ErrSharedPeer, after the valid frames before
// it, and the connection is closed.
func TestSharedHostileDescriptors(t *testing.T) {
	const size = hostileRing
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	cases := []struct {
		name  string
		valid int // frames read before the lie
		send  []byte
	}{
		{"garbage kind", 0, []byte{0xFE, 'X', 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		{"short descriptor", 0, []byte{0xFE, 'D', 0, 4, 0, 0, 0, 0}},
		{"huge shared frame", 0, []byte{0xFE, 'D', 0xFF, 0xFF}},
		{"offset past the end", 0, descriptor(3*size, 100)},
		{"offset inside the ring, not where the last ended", 0, descriptor(8, 100)},
		{"offset far past, wrapped to the same place", 0, descriptor(1<<40, 100)},
		{"offset at the top of the space", 0, descriptor(^uint64(0)-10, 100)},
		{"empty payload", 0, descriptor(0, 0)},
		{"more than half the ring", 0, descriptor(0, size/2+1)},
		{"length over 4 GiB's half", 0, descriptor(0, 1<<31)},
		{"overlapping the payload held", 1, cat(descriptor(0, 100), descriptor(50, 100))},
		{"overlapping backwards", 2, cat(descriptor(0, 100), descriptor(100, 100), descriptor(0, 100))},
		{"crossing the ring's end", 2, cat(descriptor(0, size/2), descriptor(size/2, size/2-10), descriptor(size-10, 100))},
		{"a second setup", 1, cat(descriptor(0, 100), setupFrame(size))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sock, worker, tx, _ := rawMaster(t, size)
			for i := range tx.data() {
				tx.data()[i] = byte(i)
			}
			if _, err := sock.Write(tc.send); err != nil {
				t.Fatal(err)
			}
			n, err := readErr(t, worker, tc.valid+1)
			if n != tc.valid || !errors.Is(err, frame.ErrSharedPeer) {
				t.Fatalf("%d frames, then %v; want %d, then ErrSharedPeer", n, err, tc.valid)
			}
			if _, err := worker.Read(); !errors.Is(err, frame.ErrSharedPeer) {
				t.Errorf("the next read: %v, want ErrSharedPeer again", err)
			}
			sock.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := sock.Read(make([]byte, 1)); err != io.EOF {
				t.Errorf("the peer's socket: %v, want EOF (the worker closed it)", err)
			}
			t.Logf("%d valid frames, then %v", n, err)
		})
	}
}

// TestSharedSecondSetupRefused: a second setup, even one with good rings,
// is a lie: the rings are set up once per Conn, and a reader swapping them
// would pull the memory from under the views it handed out.
func TestSharedSecondSetupRefused(t *testing.T) {
	sock, worker, tx, _ := rawMaster(t, hostileRing)
	tx.put(0, pattern(100, 7))
	sock.Write(descriptor(0, 100))
	if p, err := worker.Read(); err != nil || !bytes.Equal(p, pattern(100, 7)) {
		t.Fatalf("the first payload: %d bytes, %v", len(p), err)
	}
	again := []*rawRing{makeRawRing(t, hostileRing, ringHeader+hostileRing, sealed), makeRawRing(t, hostileRing, ringHeader+hostileRing, sealed)}
	sendSetup(t, sock, setupFrame(hostileRing), again[0].fd, again[1].fd)
	if _, err := readErr(t, worker, 1); !errors.Is(err, frame.ErrSharedPeer) {
		t.Fatalf("a second setup: %v, want ErrSharedPeer", err)
	}
	t.Logf("a second setup with good rings: refused")
}

// TestSharedDescriptorTooLarge: a descriptor of a payload longer than the
// reader's MaxFrame fails as a frame that long in the socket does, with
// ErrTooLarge, and closes the connection.
func TestSharedDescriptorTooLarge(t *testing.T) {
	sock, worker, _, _ := rawMaster(t, hostileRing, frame.MaxFrame(16000))
	sock.Write(descriptor(0, 16001))
	_, err := readErr(t, worker, 1)
	if !errors.Is(err, frame.ErrTooLarge) {
		t.Fatalf("a descriptor of 16001 bytes with MaxFrame 16000: %v, want ErrTooLarge", err)
	}
	sock.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := sock.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("the peer's socket: %v, want EOF (the worker closed it)", err)
	}
	t.Logf("16001 bytes with MaxFrame 16000: %v", err)
}

// TestSharedValidDescriptorsAreViews: descriptors that tell the truth give
// views of the ring at the places the reader computes, wrapping at the
// end; a peer that writes the ring after sending changes what the view
// shows (documented: the content is the peer's), and nothing else.
func TestSharedValidDescriptorsAreViews(t *testing.T) {
	const size = hostileRing
	sock, worker, tx, _ := rawMaster(t, size)
	for i := range tx.data() {
		tx.data()[i] = byte(i * 7)
	}
	half := uint32(size / 2)
	var pos uint64
	ns := []uint32{100, half, half - 100, 1, half, 5000}
	for _, n := range ns {
		if off := pos % size; off+uint64(n) > size {
			pos += size - off
		}
		sock.Write(descriptor(pos, n))
		p, err := worker.Read()
		if err != nil {
			t.Fatal(err)
		}
		off := pos % size
		if !bytes.Equal(p, tx.data()[off:off+uint64(n)]) || !inMapping(t, p, "memfd:raw-peer") {
			t.Fatalf("payload of %d at %d: not the ring's bytes there", n, pos)
		}
		tx.data()[off] ^= 0xFF // the peer scribbles after sending
		if p[0] != tx.data()[off] {
			t.Fatalf("the view at %d does not show the peer's change", pos)
		}
		pos += uint64(n)
	}
	t.Logf("%d payloads read as views at the reader's own offsets, up to stream position %d", len(ns), pos)
}

// TestSharedHostileSetups: a setup whose memory could fault the reader, or
// that is malformed, fails the read with ErrSharedPeer, maps nothing and
// leaves no descriptor open.
func TestSharedHostileSetups(t *testing.T) {
	const size = hostileRing
	good := func(t *testing.T) int { return makeRawRing(t, size, ringHeader+size, sealed).fd }
	cases := []struct {
		name  string
		setup []byte
		fds   func(t *testing.T) []int
	}{
		{"a ring that can shrink", setupFrame(size), func(t *testing.T) []int {
			return []int{makeRawRing(t, size, ringHeader+size, 0).fd, good(t)}
		}},
		{"a ring file larger than announced", setupFrame(size), func(t *testing.T) []int {
			return []int{good(t), makeRawRing(t, size, ringHeader+2*size, sealed).fd}
		}},
		{"a ring file smaller than announced", setupFrame(2 * size), func(t *testing.T) []int {
			return []int{good(t), good(t)}
		}},
		{"one file for both rings", setupFrame(size), func(t *testing.T) []int {
			fd := good(t)
			return []int{fd, fd}
		}},
		{"one file", setupFrame(size), func(t *testing.T) []int { return []int{good(t)} }},
		{"no files", setupFrame(size), func(t *testing.T) []int { return nil }},
		{"a file on disk", setupFrame(size), func(t *testing.T) []int {
			f, err := os.Create(filepath.Join(t.TempDir(), "ring"))
			if err != nil {
				t.Fatal(err)
			}
			f.Truncate(ringHeader + size)
			t.Cleanup(func() { f.Close() })
			return []int{int(f.Fd()), good(t)}
		}},
		{"a version from the future", append(setupFrame(size)[:4], 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0, 0), func(t *testing.T) []int {
			return []int{good(t), good(t)}
		}},
		{"a size not in pages", setupFrame(size + 1), func(t *testing.T) []int { return []int{good(t), good(t)} }},
		{"a tiny size", setupFrame(4096), func(t *testing.T) []int { return []int{good(t), good(t)} }},
		{"a size past 1 GiB", setupFrame(4 << 30), func(t *testing.T) []int { return []int{good(t), good(t)} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := unixPair(t)
			worker := frame.New(b, frame.AcceptShared)
			defer worker.Close()
			fds := tc.fds(t)
			maps := sharedMaps(t)
			sendSetup(t, a, tc.setup, fds...)
			a.Write(descriptor(0, 100))
			if _, err := worker.Read(); !errors.Is(err, frame.ErrSharedPeer) {
				t.Fatalf("read: %v, want ErrSharedPeer", err)
			}
			if got := sharedMaps(t); got != maps {
				t.Errorf("frame-shm mappings: %d before, %d after", maps, got)
			}
			t.Logf("refused; mappings %d -> %d", maps, sharedMaps(t))
		})
	}
}

// TestSharedSetupRefusedWithoutAccept: a Conn that did not opt in reads a
// setup as a frame too large, and its files are closed.
func TestSharedSetupRefusedWithoutAccept(t *testing.T) {
	a, b := unixPair(t)
	plain := frame.New(b)
	defer plain.Close()
	sendSetup(t, a, setupFrame(hostileRing), makeRawRing(t, hostileRing, ringHeader+hostileRing, sealed).fd,
		makeRawRing(t, hostileRing, ringHeader+hostileRing, sealed).fd)
	_, err := plain.Read()
	if !errors.Is(err, frame.ErrTooLarge) || !strings.Contains(err.Error(), "without AcceptShared") {
		t.Fatalf("read: %v, want ErrTooLarge naming the missing AcceptShared", err)
	}
	t.Logf("a setup on a Conn without AcceptShared: %v", err)
}

// TestSharedPeerNeverConsumes: a worker that takes the rings and never
// lets go of anything fills the ring; the master's next write waits for
// credit and returns its context's error at the deadline, or
// os.ErrDeadlineExceeded at the write deadline, never hanging, and the
// Conn is as it was: once the worker consumes, the write goes through.
func TestSharedPeerNeverConsumes(t *testing.T) {
	const size = hostileRing
	master, sock, rx, _ := rawWorker(t, size)
	p := pattern(size/2, 1)
	for range 2 {
		if err := master.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := within(t, 10*time.Second, "a write that should give up", func() error { return master.WriteContext(ctx, p) })
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a write to a full ring: %v after %v, want the context's deadline", err, took)
	}
	master.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	if err := within(t, 10*time.Second, "a write that should give up", func() error { return master.Write(p) }); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a write past the write deadline: %v", err)
	}
	master.SetWriteDeadline(time.Time{})
	// The worker reads the two descriptors and lets go of the first.
	buf := make([]byte, 32)
	sock.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := io.ReadFull(sock, buf); n != 32 || err != nil {
		t.Fatalf("the descriptors: %d bytes, %v", n, err)
	}
	done := make(chan error, 1)
	go func() { done <- master.Write(p) }()
	time.Sleep(20 * time.Millisecond) // let it wait in the futex, most likely
	atomic.StoreUint64(rx.consumed(), size/2)
	wakeBell(rx)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the write once room was freed: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the write did not go through once room was freed")
	}
	t.Logf("full ring: the context ended the write after %v; after the release it went through", took.Round(time.Millisecond))
}

// wakeBell rings a ring's bell as a reader does.
func wakeBell(r *rawRing) {
	bell := (*uint32)(unsafe.Pointer(&r.mem[64]))
	atomic.AddUint32(bell, 1)
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(bell)), 1, 1<<30, 0, 0, 0)
}

// TestSharedPeerLiesAboutConsumed: a consumed count past what was written,
// or one going back, fails the write with ErrSharedPeer, and every write
// after.
func TestSharedPeerLiesAboutConsumed(t *testing.T) {
	for _, lie := range []struct {
		name string
		set  func(w uint64) uint64
	}{
		{"past what was written", func(w uint64) uint64 { return w + 1 }},
		{"far past", func(w uint64) uint64 { return ^uint64(0) }},
		{"back", func(w uint64) uint64 { return 0 }},
	} {
		t.Run(lie.name, func(t *testing.T) {
			master, _, rx, _ := rawWorker(t, hostileRing)
			p := pattern(10000, 2)
			for range 2 {
				if err := master.Write(p); err != nil {
					t.Fatal(err)
				}
			}
			atomic.StoreUint64(rx.consumed(), 10000) // honest: the first let go
			if err := master.Write(p); err != nil {
				t.Fatal(err)
			}
			atomic.StoreUint64(rx.consumed(), lie.set(30000))
			err := master.Write(p)
			if !errors.Is(err, frame.ErrSharedPeer) {
				t.Fatalf("write after the lie: %v, want ErrSharedPeer", err)
			}
			if err := master.Write([]byte("small")); !errors.Is(err, frame.ErrSharedPeer) {
				t.Fatalf("the next write: %v, want ErrSharedPeer again", err)
			}
			t.Logf("lie %q: %v", lie.name, err)
		})
	}
}

// TestSharedPeerDiesMidWrite: a worker that dies while the master waits
// for room ends the write with an error at once, not at a deadline; a
// master that dies in the middle of a descriptor ends the worker's read
// with io.ErrUnexpectedEOF.
func TestSharedPeerDiesMidWrite(t *testing.T) {
	master, sock, _, _ := rawWorker(t, hostileRing)
	p := pattern(hostileRing/2, 3)
	master.Write(p)
	master.Write(p)
	done := make(chan error, 1)
	go func() { done <- master.Write(p) }()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	sock.Close()
	select {
	case err := <-done:
		if err == nil || !errors.Is(err, unix.EPIPE) && !errors.Is(err, frame.ErrClosed) {
			t.Fatalf("write to a dead peer: %v", err)
		}
		t.Logf("the write waiting for room ended %v after the peer died: %v", time.Since(start).Round(time.Millisecond), err)
	case <-time.After(10 * time.Second):
		t.Fatal("the write waiting for room did not end when the peer died")
	}

	raw, worker, tx, _ := rawMaster(t, hostileRing)
	tx.put(0, pattern(100, 4))
	raw.Write(descriptor(0, 100)[:7])
	raw.Close()
	if _, err := readErr(t, worker, 1); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("a descriptor cut by the peer's death: %v, want io.ErrUnexpectedEOF", err)
	}
}

// TestSharedBellScribbler: a worker that rings the bell without end while
// the master waits for room costs the master wake-ups, and its write
// still ends at its context's deadline.
func TestSharedBellScribbler(t *testing.T) {
	master, _, rx, _ := rawWorker(t, hostileRing)
	p := pattern(hostileRing/2, 5)
	master.Write(p)
	master.Write(p)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				wakeBell(rx)
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := within(t, 10*time.Second, "a write that should give up", func() error { return master.WriteContext(ctx, p) })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("write with a bell ringing for nothing: %v after %v", err, time.Since(start))
	}
	t.Logf("ended by its context after %v", time.Since(start).Round(time.Millisecond))
}

// TestSharedMasterReadsHostileDescriptor: the master's reader judges the
// worker's descriptors as the worker's reader judges the master's.
func TestSharedMasterReadsHostileDescriptor(t *testing.T) {
	master, sock, _, tx := rawWorker(t, hostileRing)
	tx.put(0, pattern(5000, 6))
	sock.Write(descriptor(0, 5000))
	p, err := master.Read()
	if err != nil || !bytes.Equal(p, pattern(5000, 6)) {
		t.Fatalf("a valid descriptor: %d bytes, %v", len(p), err)
	}
	sock.Write(descriptor(hostileRing, 100))
	if _, err := master.Read(); !errors.Is(err, frame.ErrSharedPeer) {
		t.Fatalf("a descriptor past the ring: %v", err)
	}
}

package frame_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/release-daemon/release/fdpass"
	"github.com/release-daemon/release/frame"
	"golang.org/x/sys/unix"
)

// A raw peer speaks the shared-memory protocol from the package doc by
// hand, as a hostile program would: it makes or takes the memfds, maps
// them, and writes what it likes.

const ringHeader = 4096

// rawRing is a ring as a raw peer holds it.
type rawRing struct {
	fd   int
	mem  []byte
	size int
}

func (r *rawRing) data() []byte      { return r.mem[ringHeader:] }
func (r *rawRing) consumed() *uint64 { return (*uint64)(unsafe.Pointer(&r.mem[0])) }

// makeRawRing makes a memfd of fileSize bytes with the given seals, and
// maps it; size is the ring's data size it will announce.
func makeRawRing(t testing.TB, size, fileSize, seals int) *rawRing {
	t.Helper()
	fd, err := unix.MemfdCreate("raw-peer", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Ftruncate(fd, int64(fileSize)); err != nil {
		t.Fatal(err)
	}
	if seals != 0 {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
			t.Fatal(err)
		}
	}
	return mapRawRing(t, fd, size)
}

func mapRawRing(t testing.TB, fd, size int) *rawRing {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	mem, err := unix.Mmap(fd, 0, int(st.Size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	r := &rawRing{fd: fd, mem: mem, size: size}
	t.Cleanup(func() { unix.Munmap(mem); unix.Close(fd) })
	return r
}

const sealed = unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_SEAL

func setupFrame(size int) []byte {
	b := []byte{0xFE, 'S', 0, 12}
	b = binary.BigEndian.AppendUint32(b, 1)
	return binary.BigEndian.AppendUint64(b, uint64(size))
}

func descriptor(pos uint64, n uint32) []byte {
	b := []byte{0xFE, 'D', 0, 12}
	b = binary.BigEndian.AppendUint64(b, pos)
	return binary.BigEndian.AppendUint32(b, n)
}

// rawMaster sets up the rings by hand with a worker Conn made with
// AcceptShared: tx is the ring the raw master writes, rx the worker's.
func rawMaster(t testing.TB, size int, opts ...frame.Option) (sock *net.UnixConn, worker *frame.Conn, tx, rx *rawRing) {
	t.Helper()
	a, b := unixPair(t)
	worker = frame.New(b, append([]frame.Option{frame.AcceptShared}, opts...)...)
	t.Cleanup(func() { worker.Close() })
	tx = makeRawRing(t, size, ringHeader+size, sealed)
	rx = makeRawRing(t, size, ringHeader+size, sealed)
	sendSetup(t, a, setupFrame(size), tx.fd, rx.fd)
	return a, worker, tx, rx
}

func sendSetup(t testing.TB, sock *net.UnixConn, setup []byte, fds ...int) {
	t.Helper()
	if _, _, err := sock.WriteMsgUnix(setup, unix.UnixRights(fds...), nil); err != nil {
		t.Fatal(err)
	}
}

// rawWorker takes the setup a master Conn sends with ShareMemory, by
// hand: rx is the ring the master writes, tx the one it reads.
func rawWorker(t testing.TB, size int, opts ...frame.Option) (master *frame.Conn, sock *net.UnixConn, rx, tx *rawRing) {
	t.Helper()
	a, b := unixPair(t)
	master = frame.New(a, opts...)
	t.Cleanup(func() { master.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := master.ShareMemory(ctx, size); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	var fds []int
	rc, err := b.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var rerr error
	var n int
	rc.Control(func(fd uintptr) {
		unix.SetNonblock(int(fd), false)
		n, fds, rerr = fdpass.RecvFDs(int(fd), buf, nil, 4)
		unix.SetNonblock(int(fd), true)
	})
	if rerr != nil || n != 16 || len(fds) != 2 {
		t.Fatalf("setup: %d bytes, %d fds, %v", n, len(fds), rerr)
	}
	return master, b, mapRawRing(t, fds[0], size), mapRawRing(t, fds[1], size)
}

// fill writes n bytes of p's pattern at pos of the ring, as a writer would.
func (r *rawRing) put(pos uint64, p []byte) {
	copy(r.data()[pos%uint64(r.size):], p)
}

// sharedMaps counts the mappings of memfds named frame-shm.
func sharedMaps(t testing.TB) int {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, "memfd:frame-shm") {
			n++
		}
	}
	return n
}

// inMapping reports whether p lies in a mapping whose line in
// /proc/self/maps holds name.
func inMapping(t testing.TB, p []byte, name string) bool {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	addr := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(p))))
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.Contains(line, name) {
			continue
		}
		var lo, hi uint64
		if _, err := fmt.Sscanf(line, "%x-%x", &lo, &hi); err == nil && lo <= addr && addr+uint64(len(p)) <= hi {
			return true
		}
	}
	return false
}

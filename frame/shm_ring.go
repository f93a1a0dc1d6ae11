package frame

import (
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A ring's header page: the offsets of its words, each on a cache line of
// its own, and the size of the page.
const (
	ringHeader  = 4096
	offConsumed = 0   // uint64, the reader's
	offBell     = 64  // uint32, the reader's
	offWaiting  = 128 // uint32, the writer's
)

// ring is one direction's shared memory, as one end sees it: the writer's
// state when it is the Conn's tx, the reader's when it is its rx. Only
// the three header words are shared state; everything else here is the
// end's own.
type ring struct {
	mem      []byte // the mapping: the header page, then data
	data     []byte // mem[ringHeader:], size bytes
	size     uint64
	consumed *uint64 // in the header: read by the writer, written by the reader
	bell     *uint32
	waiting  *uint32
	unmapped atomic.Bool

	// The writer's.
	head       uint64                // where the last payload written ends
	seen       uint64                // the last consumed it accepted
	probe      func(fd uintptr) bool // see probeWrite
	gone       bool                  // what probe found: the peer hung up
	wakes      int                   // waits in a row that found no room and no progress
	seenAtWake uint64                // seen when wakes was last reset

	// The reader's.
	expect uint64 // where the last payload returned ends
	pub    uint64 // the consumed it published last
}

// newRingFile makes a memfd for a ring of size data bytes, sealed so that
// it can neither shrink nor grow, nor take other seals.
func newRingFile(size int) (int, error) {
	fd, err := unix.MemfdCreate("frame-shm", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return -1, os.NewSyscallError("memfd_create", err)
	}
	op := "ftruncate"
	if err = unix.Ftruncate(fd, int64(ringHeader+size)); err == nil {
		op = "fcntl"
		_, err = unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_SEAL)
	}
	if err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError(op, err)
	}
	return fd, nil
}

// mapRing checks that fd is a tmpfs file of a ring of size data bytes
// that cannot shrink, and maps it, shared, for reading and writing. The
// fd is the caller's to close.
func mapRing(fd int, size int) (*ring, error) {
	if err := checkRingFile(fd, size); err != nil {
		return nil, err
	}
	mem, err := unix.Mmap(fd, 0, ringHeader+size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	base := unsafe.Pointer(&mem[0])
	return &ring{
		mem: mem, data: mem[ringHeader:], size: uint64(size),
		consumed: (*uint64)(unsafe.Add(base, offConsumed)),
		bell:     (*uint32)(unsafe.Add(base, offBell)),
		waiting:  (*uint32)(unsafe.Add(base, offWaiting)),
	}, nil
}

// checkRingFile refuses a file whose mapping could fault: one that can
// shrink (no F_SEAL_SHRINK), of the wrong size, or of huge pages (a
// hugetlbfs file raises SIGBUS when its pages run out). It makes only
// calls a worker sandboxed to its descriptors may make: fcntl and fstat.
func checkRingFile(fd int, size int) error {
	seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
	if err != nil || seals&unix.F_SEAL_SHRINK == 0 {
		return fmt.Errorf("%w: a ring that can shrink (seals %#x, %v)", ErrSharedPeer, seals, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size != int64(ringHeader+size) {
		return fmt.Errorf("%w: a ring file of %d bytes, mode %#o, for %d (%v)", ErrSharedPeer, st.Size, st.Mode, ringHeader+size, err)
	}
	// tmpfs reports the page as its block, hugetlbfs its huge page: fstat
	// tells them apart where fstatfs, which a sandboxed worker may not
	// call, would too.
	if st.Blksize != int64(os.Getpagesize()) {
		return fmt.Errorf("%w: a ring file in blocks of %d bytes, not a tmpfs page", ErrSharedPeer, st.Blksize)
	}
	return nil
}

// distinctFiles refuses one file offered as both rings.
func distinctFiles(a, b int) error {
	var sa, sb unix.Stat_t
	if err := unix.Fstat(a, &sa); err != nil {
		return os.NewSyscallError("fstat", err)
	}
	if err := unix.Fstat(b, &sb); err != nil {
		return os.NewSyscallError("fstat", err)
	}
	if sa.Dev == sb.Dev && sa.Ino == sb.Ino {
		return fmt.Errorf("%w: one file for both rings", ErrSharedPeer)
	}
	return nil
}

// unmap unmaps the ring, once: Close and the cleanup of a Conn dropped
// without it may both ask. munmap fails only for memory that was never
// mapped, which would mean the books are wrong: it panics rather than go
// on.
func (r *ring) unmap() {
	if !r.unmapped.CompareAndSwap(false, true) {
		return
	}
	if err := unix.Munmap(r.mem); err != nil {
		panic(os.NewSyscallError("munmap", err))
	}
}

// unmapRings is the cleanup of a Conn dropped without Close: its rings
// would otherwise stay mapped for the life of the process.
func unmapRings(rs [2]*ring) {
	rs[0].unmap()
	rs[1].unmap()
}

// place returns where a payload of n bytes goes after one that ended at
// end: right there, or at the start of the ring's next lap if it would
// not fit before the end of the data. Both ends compute it: the writer to
// place a payload, the reader to check the writer's word.
func place(end, size uint64, n int) uint64 {
	if off := end % size; off+uint64(n) > size {
		return end + size - off
	}
	return end
}

// release lets the peer reuse the memory of the payloads this end has
// read, and wakes the peer's writer if it waits for it. Reader only.
func (r *ring) release() {
	if r.pub == r.expect {
		return
	}
	r.pub = r.expect
	atomic.StoreUint64(r.consumed, r.expect)
	if atomic.LoadUint32(r.waiting) != 0 {
		atomic.StoreUint32(r.waiting, 0)
		r.wake()
	}
}

// wake rings the bell: the writer waiting in a futex on it wakes.
func (r *ring) wake() {
	atomic.AddUint32(r.bell, 1)
	futex(r.bell, futexWake, 1<<30, nil)
}

// The futex operations, shared between processes (no FUTEX_PRIVATE_FLAG).
const (
	futexWait = 0
	futexWake = 1
)

func futex(addr *uint32, op int, val uint32, ts *unix.Timespec) {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), uintptr(op), uintptr(val),
		uintptr(unsafe.Pointer(ts)), 0, 0)
}

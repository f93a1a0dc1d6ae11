package zbuf

import (
	"os"

	"github.com/edsrzf/mmap-go"
	"golang.org/x/sys/unix"
)

// Every mapping is made by mmap-go; x/sys/unix adds what mmap-go cannot
// express (madvise, mlock). The package doc says which call goes where.

// mapAnon maps size bytes of private anonymous memory. mmap-go's RDWR
// would make the mapping MAP_SHARED, which for anonymous memory is shmem:
// shared with forked children and not released by MADV_DONTNEED. COPY
// gives MAP_PRIVATE with read and write access, which is what a buffer
// needs.
func (s *state) mapAnon(size int) (mmap.MMap, error) {
	mm, err := mmap.MapRegion(nil, size, mmap.COPY, mmap.ANON, 0)
	if err != nil {
		return nil, os.NewSyscallError("mmap", err)
	}
	// Transparent huge pages: one fault fills 2 MiB instead of 4 KiB,
	// which cuts the cost of first touching a fresh slab by about 4x.
	// Best effort: a kernel without THP leaves the mapping as it is.
	_ = unix.Madvise(mm, unix.MADV_HUGEPAGE)
	// Named "[anon:zbuf]" in /proc/PID/maps and smaps, so that an operator
	// (and the tests) can tell zbuf's memory from the runtime's. Best
	// effort: kernels before 5.17, or without CONFIG_ANON_VMA_NAME, refuse.
	_ = unix.Prctl(unix.PR_SET_VMA, unix.PR_SET_VMA_ANON_NAME, addr(mm), uintptr(len(mm)), anonNameAddr())
	if s.cfg.Secret {
		if err := lockSecret(mm); err != nil {
			_ = mm.Unmap()
			return nil, err
		}
	}
	s.count(mm)
	return mm, nil
}

// count adds a new mapping to the Pool's figures.
func (s *state) count(mm mmap.MMap) {
	s.mappings.Add(1)
	s.mappedBytes.Add(int64(len(mm)))
	if s.onMap != nil {
		s.onMap(mm)
	}
}

// lockSecret keeps mm in RAM and out of core dumps.
func lockSecret(mm mmap.MMap) error {
	if err := mm.Lock(); err != nil {
		return os.NewSyscallError("mlock", err)
	}
	if err := unix.Madvise(mm, unix.MADV_DONTDUMP); err != nil {
		return os.NewSyscallError("madvise", err)
	}
	return nil
}

// unmap unmaps a mapping made by mapAnon or mapFile; nil does nothing.
// munmap only fails for an address range that was never mapped, which
// would mean the Pool's books are wrong: it panics rather than go on.
func (s *state) unmap(mm mmap.MMap) {
	if mm == nil {
		return
	}
	mem, size := []byte(mm), len(mm)
	if err := mm.Unmap(); err != nil {
		panic(os.NewSyscallError("munmap", err))
	}
	s.mappings.Add(-1)
	s.mappedBytes.Add(-int64(size))
	if s.onRelease != nil {
		s.onRelease(mem, true)
	}
}

// dontNeed gives the pages of a free block back to the kernel; the next
// touch faults in zeroed pages. Best effort: on failure the pages simply
// stay resident.
func dontNeed(mem []byte) {
	_ = unix.Madvise(mem, unix.MADV_DONTNEED)
}

package zbuf

import (
	"bytes"
	"fmt"
	"golang.org/x/sys/unix"
	"math/rand/v2"
	"testing"
	"time"
)

// TestBufferPoolRandomOps is a deterministic property
// test, not coverage-guided. It runs 2^18 random acquire, grow, write,
// read, release and close operations on Pools with a small slab and a
// small retained budget, so that slabs are mapped, trimmed and unmapped
// all the time, and checks after each operation that
//
//   - every live buffer has len <= cap <= the size of its block, and
//     holds exactly the bytes its model holds;
//   - no two live buffers overlap;
//   - memory given back is gone: an unmapped region is no longer in
//     /proc/self/maps (where the kernel names zbuf's mappings), and a
//     trimmed block has no resident page (mincore);
//   - a closed Pool holds no mapping once its last buffer is released.
//
// Under -race it runs 2^16 operations, the same sequence cut short, to
// keep the package's tests within 30 s.
func TestBufferPoolRandomOps(t *testing.T) {
	ops := 1 << 18
	if raceEnabled {
		ops = 1 << 16
	}
	start := time.Now()
	r := newRandomOps(t)
	defer r.closeAll()
	for i := range ops {
		r.step()
		if len(r.violations) > 10 {
			break
		}
		if i%4096 == 0 {
			r.checkMaps()
		}
	}
	r.checkMaps()
	t.Logf("%d ops (%v), %d violations, %d unmaps (%d not checked against /proc/self/maps: this kernel does not name mappings), %d trims, %d pools, %v",
		ops, r.counts, len(r.violations), r.unmaps, r.unchecked, r.trims, r.pools, time.Since(start))
	for _, v := range r.violations {
		t.Error(v)
	}
}

// live is a buffer under test and its model.
type live struct {
	b     Buffer
	model []byte
	pool  *Pool
}

type randomOps struct {
	t          *testing.T
	rng        *rand.Rand
	pool       *Pool
	old        []*Pool // closed pools, checked when their buffers are gone
	bufs       []live
	noise      []byte       // random bytes to write
	gone       [][2]uintptr // regions unmapped by the last step
	trimmed    [][]byte     // blocks trimmed by the last step
	violations []string
	counts     map[string]int
	unmaps     int
	unchecked  int // unmaps the kernel gave no name to check (see checkUnmapped)
	trims      int
	pools      int
}

func newRandomOps(t *testing.T) *randomOps {
	r := &randomOps{t: t, rng: rand.New(rand.NewPCG(1, 2)), counts: map[string]int{}}
	r.noise = make([]byte, 4<<20)
	for i := range r.noise {
		r.noise[i] = byte(r.rng.Uint32())
	}
	r.newPool()
	return r
}

func (r *randomOps) newPool() {
	p, err := NewPool(Config{SlabSize: 1 << 20, MaxRetained: 2 << 20})
	if err != nil {
		r.t.Fatal(err)
	}
	// Transparent huge pages off for these slabs: khugepaged may collapse
	// a 2 MiB range again at any moment, filling a trimmed block with
	// zero pages, which the residency check would count against zbuf.
	p.s.onMap = func(mem []byte) { unix.Madvise(mem, unix.MADV_NOHUGEPAGE) }
	p.s.onRelease = func(mem []byte, unmapped bool) {
		if unmapped {
			r.unmaps++
			r.gone = append(r.gone, [2]uintptr{addr(mem), addr(mem) + uintptr(len(mem))})
			r.checkUnmapped(mem)
			return
		}
		r.trims++
		r.trimmed = append(r.trimmed, mem)
	}
	r.pool = p
	r.pools++
}

func (r *randomOps) fail(format string, args ...any) {
	r.violations = append(r.violations, fmt.Sprintf(format, args...))
}

// step runs one random operation and checks the invariants it may break.
func (r *randomOps) step() {
	r.gone, r.trimmed = r.gone[:0], r.trimmed[:0]
	op := r.pick()
	r.counts[op]++
	switch op {
	case "acquire":
		r.acquire()
	case "grow":
		r.grow(r.rng.IntN(len(r.bufs)))
	case "write":
		r.write(r.rng.IntN(len(r.bufs)))
	case "read":
		r.read(r.rng.IntN(len(r.bufs)))
	case "release":
		r.release(r.rng.IntN(len(r.bufs)))
	case "close":
		r.closePool()
	}
	r.checkReleased()
}

// pick chooses an operation: acquire when nothing is live, release more
// often when many buffers are.
func (r *randomOps) pick() string {
	if len(r.bufs) == 0 {
		return "acquire"
	}
	x := r.rng.IntN(1000)
	switch {
	case x == 0:
		return "close"
	case x < 250 && len(r.bufs) < 48:
		return "acquire"
	case x < 350:
		return "grow"
	case x < 550:
		return "write"
	case x < 750:
		return "read"
	}
	return "release"
}

// size returns a random buffer size, spread over the classes: mostly
// small, sometimes larger than a slab.
func (r *randomOps) size() int {
	if r.rng.IntN(50) == 0 {
		return r.rng.IntN(3 << 20)
	}
	return r.rng.IntN(1 << (1 + r.rng.IntN(19)))
}

// bytes returns n random bytes: a window on the noise made at the start.
func (r *randomOps) bytes(n int) []byte {
	off := r.rng.IntN(len(r.noise) - n + 1)
	return r.noise[off : off+n]
}

func (r *randomOps) acquire() {
	n := r.size()
	b, err := r.pool.Get(n)
	if err != nil {
		r.fail("Get(%d): %v", n, err)
		return
	}
	r.bufs = append(r.bufs, live{b: b, pool: r.pool})
	r.checkBuffer(len(r.bufs) - 1)
}

func (r *randomOps) grow(i int) {
	l := &r.bufs[i]
	extra := min(l.b.Cap()-l.b.Len()+1+r.rng.IntN(1<<(1+r.rng.IntN(16))), len(r.noise))
	p := r.bytes(extra)
	if err := l.b.Append(p); err != nil {
		if l.pool == r.pool { // a closed pool cannot grow its buffers
			r.fail("growing by %d: %v", extra, err)
		}
		return
	}
	l.model = append(l.model, p...)
	r.checkBuffer(i)
}

func (r *randomOps) write(i int) {
	l := &r.bufs[i]
	switch room := l.b.Cap() - l.b.Len(); {
	case room > 0 && r.rng.IntN(2) == 0:
		p := r.bytes(r.rng.IntN(min(room, 4096) + 1))
		_ = l.b.Append(p)
		l.model = append(l.model, p...)
	case l.b.Cap() > 0:
		at, c := r.rng.IntN(l.b.Cap()), byte(r.rng.Uint32())
		_ = l.b.Set(at, c)
		if at >= len(l.model) {
			l.model = append(l.model, make([]byte, at+1-len(l.model))...)
		}
		l.model[at] = c
	}
	r.checkBuffer(i)
}

func (r *randomOps) read(i int) {
	l := &r.bufs[i]
	if n := l.b.Len(); n > 0 {
		if at := r.rng.IntN(n); l.b.At(at) != l.model[at] {
			r.fail("At(%d) differs from the model", at)
		}
	}
	r.checkBuffer(i)
}

func (r *randomOps) release(i int) {
	l := r.bufs[i]
	if err := l.b.Free(); err != nil {
		r.fail("Free: %v", err)
	}
	if err := l.b.Free(); err != ErrFreed {
		r.fail("second Free: %v, want ErrFreed", err)
	}
	r.bufs[i] = r.bufs[len(r.bufs)-1]
	r.bufs = r.bufs[:len(r.bufs)-1]
	r.checkOldPools()
}

func (r *randomOps) closePool() {
	if err := r.pool.Close(); err != nil {
		r.fail("Close: %v", err)
	}
	r.old = append(r.old, r.pool)
	r.newPool()
	r.checkOldPools()
}

// checkOldPools checks that a closed Pool whose buffers are all released
// holds no mapping, and forgets it.
func (r *randomOps) checkOldPools() {
	kept := r.old[:0]
	for _, p := range r.old {
		if r.holds(p) {
			kept = append(kept, p)
			continue
		}
		if st := p.Stats(); st.Mappings != 0 || st.Mapped != 0 || st.InUse != 0 || st.Retained != 0 {
			r.fail("closed pool with no buffer left: %+v", st)
		}
	}
	r.old = kept
}

func (r *randomOps) holds(p *Pool) bool {
	for _, l := range r.bufs {
		if l.pool == p {
			return true
		}
	}
	return false
}

// checkBuffer checks buffer i against its model, its block and every
// other live buffer.
func (r *randomOps) checkBuffer(i int) {
	l := r.bufs[i]
	h := l.b.h
	if blk := h.blk; !(h.n <= len(h.mem) && len(h.mem) <= len(blk.mem)) {
		r.fail("len %d, cap %d, block %d", h.n, len(h.mem), len(blk.mem))
	}
	if !bytes.Equal(l.b.Bytes(), l.model) {
		r.fail("buffer of %d bytes differs from its model of %d", l.b.Len(), len(l.model))
	}
	lo, hi := addr(h.mem), addr(h.mem)+uintptr(len(h.mem))
	for j, o := range r.bufs {
		if j == i || len(o.b.h.mem) == 0 || len(h.mem) == 0 {
			continue
		}
		olo := addr(o.b.h.mem)
		if ohi := olo + uintptr(len(o.b.h.mem)); lo < ohi && olo < hi {
			r.fail("live buffers overlap: [%#x,%#x) and [%#x,%#x)", lo, hi, olo, ohi)
		}
	}
}

// checkReleased checks the memory the last step gave back: trimmed blocks
// have no resident page, unmapped regions are not mapped.
func (r *randomOps) checkReleased() {
	for _, mem := range r.trimmed {
		if r.unmappedNow(addr(mem)) {
			continue // trimmed, then its whole slab was unmapped
		}
		if n, err := resident(mem); err != nil || n != 0 {
			r.fail("a trimmed block has %d resident pages (%v)", n, err)
		}
	}
}

// checkUnmapped checks, right after the munmap, that mem is gone: no
// mapping named [anon:zbuf] may overlap it. Only the name tells zbuf's
// mappings from the Go runtime's, which its other threads make at any
// moment, often into the very hole just left (seen within microseconds:
// mincore succeeded on a whole 4 MiB region a moment after its munmap).
// Where the kernel does not name mappings (before 5.17, or without
// CONFIG_ANON_VMA_NAME) the address alone proves nothing either way: the
// unmap is counted as unchecked, and what is left is zbuf's own guarantee
// that it panics when munmap fails, and TestNoLeaks's count of the regions
// the Pools hold.
func (r *randomOps) checkUnmapped(mem []byte) {
	maps, err := readMaps()
	if err != nil {
		r.t.Fatal(err)
	}
	if !maps.named() {
		r.unchecked++
		return
	}
	if lo := addr(mem); maps.zbufOverlaps(lo, lo+uintptr(len(mem))) {
		r.fail("unmapped region [%#x,%#x) still in /proc/self/maps as [anon:zbuf]", lo, lo+uintptr(len(mem)))
	}
}

// unmappedNow reports whether a is in a region the last step unmapped.
func (r *randomOps) unmappedNow(a uintptr) bool {
	for _, g := range r.gone {
		if g[0] <= a && a < g[1] {
			return true
		}
	}
	return false
}

// checkMaps checks that the block of every live buffer is in
// /proc/self/maps.
func (r *randomOps) checkMaps() {
	maps, err := readMaps()
	if err != nil {
		r.t.Fatal(err)
	}
	for _, l := range r.bufs {
		if blk := l.b.h.blk; blk.kind != kindEmpty && !maps.covers(addr(blk.mem), addr(blk.mem)+uintptr(len(blk.mem))) {
			r.fail("a live buffer's block is not in /proc/self/maps")
		}
	}
}

func (r *randomOps) closeAll() {
	for _, l := range r.bufs {
		_ = l.b.Free()
	}
	r.bufs = nil
	_ = r.pool.Close()
	r.old = append(r.old, r.pool)
	r.checkOldPools()
	r.checkMaps()
}

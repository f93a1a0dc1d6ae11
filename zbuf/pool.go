package zbuf

import (
	"fmt"
	"math/bits"
	"os"
	"runtime"
	"sync/atomic"
)

// maxSize is the largest buffer a Pool makes: 1 TiB.
const maxSize = 1 << 40

// Pool hands out buffers carved from anonymous mappings of at least 1 MiB
// (slabs), sorted into size classes: one page, then every power of two up
// to 1 TiB. A request is rounded up to its class; classes smaller than
// [Config.SlabSize] share slabs, each larger buffer has a mapping of its
// own. Freed buffers go back to their class's free list and are handed out
// again without a system call; what a Pool keeps resident beyond the
// buffers in use is bounded by [Config.MaxRetained].
//
// A Pool is safe for concurrent use. The zero Pool is not usable: make one
// with [NewPool]. It must not be copied. A Pool that becomes unreachable
// without Close is closed by a cleanup.
type Pool struct {
	_ noCopy
	s *state
}

// state is a Pool's insides. Blocks point here rather than at the Pool,
// so that a Pool nobody holds can be closed by its cleanup even while some
// of its buffers live on.
type state struct {
	cfg       Config  // with defaults filled in
	pageShift int     // log2 of the page size: the smallest class
	classes   []class // classes[i] holds blocks of 1<<(pageShift+i) bytes
	misc      class   // headers for mapped files and empty buffers
	empty     block   // the block of every buffer of capacity 0
	emptyRO   block   // the same, read-only, for an empty mapped file

	budget      atomic.Int64 // the part of MaxRetained no class has borrowed
	mappings    atomic.Int64 // live mappings
	mappedBytes atomic.Int64 // their bytes
	leaked      atomic.Int64 // headers reclaimed by their cleanup
	table       table        // the blocks headers hold, for their cleanups
	closed      atomic.Bool

	// Test hooks, nil outside tests. onMap is called after each new
	// mapping; onRelease after memory is given back to the kernel: a whole
	// mapping unmapped (mem must not be touched then), or a block's pages
	// dropped with MADV_DONTNEED.
	onMap     func(mem []byte)
	onRelease func(mem []byte, unmapped bool)
}

// NewPool returns a Pool configured by c, or an error wrapping
// [ErrConfig] for each problem c has. It maps nothing until the first Get.
func NewPool(c Config) (*Pool, error) {
	cfg, err := c.withDefaults()
	if err != nil {
		return nil, err
	}
	s := newState(cfg)
	p := &Pool{s: s}
	runtime.AddCleanup(p, func(s *state) { s.close() }, s)
	return p, nil
}

func newState(cfg Config) *state {
	s := &state{cfg: cfg, pageShift: bits.TrailingZeros(uint(os.Getpagesize()))}
	s.classes = make([]class, bits.Len(maxSize-1)-s.pageShift+1)
	for i := range s.classes {
		s.classes[i] = class{size: 1 << (s.pageShift + i), pool: s, secret: cfg.Secret}
	}
	s.misc.pool = s
	s.empty = block{kind: kindEmpty, cls: &s.misc, pool: s}
	s.emptyRO = block{kind: kindEmpty, ro: true, cls: &s.misc, pool: s}
	s.budget.Store(max(cfg.MaxRetained, 0))
	return s
}

// Config returns the configuration p works with: the one given to
// NewPool, with the defaults filled in.
func (p *Pool) Config() Config { return p.s.cfg }

// Get returns a buffer of length 0 and capacity n from p. The buffer is
// the caller's until it calls [Buffer.Free] (or [Pool.Put]); its memory
// holds no data from earlier buffers that the safe API can see. Get maps
// a new slab only when the class has no free block; then it may fail with
// the error of mmap (or of mlock, for a Secret pool). It returns an error
// wrapping [ErrRange] if n is negative or over 1 TiB, and [ErrClosed]
// once p is closed.
func (p *Pool) Get(n int) (Buffer, error) { return p.s.get(n) }

func (s *state) get(n int) (Buffer, error) {
	if n == 0 {
		return s.getEmpty(&s.empty)
	}
	c, err := s.class(n)
	if err != nil {
		return Buffer{}, err
	}
	if buf, ok := c.getHot(n); ok {
		return buf, nil
	}
	b, h, err := c.take(true)
	if err != nil {
		return Buffer{}, err
	}
	if h == nil {
		h = s.newHdr()
	}
	return h.attach(b, n), nil
}

// getEmpty returns a buffer of capacity 0 over e, which maps nothing.
func (s *state) getEmpty(e *block) (Buffer, error) {
	h, err := s.misc.takeHdr(0, true)
	if err != nil {
		return Buffer{}, err
	}
	if h == nil {
		h = s.newHdr()
	}
	return h.attach(e, 0), nil
}

// class returns the size class of a request for n > 0 bytes.
func (s *state) class(n int) (*class, error) {
	if n < 0 || n > maxSize {
		return nil, fmt.Errorf("%w: size %d (0 to 1 TiB)", ErrRange, n)
	}
	i := max(bits.Len(uint(n-1))-s.pageShift, 0)
	return &s.classes[i], nil
}

// block returns a block of at least n > 0 bytes with one reference, for a
// buffer that grows.
func (s *state) block(n int) (*block, error) {
	c, err := s.class(n)
	if err != nil {
		return nil, err
	}
	b, _, err := c.take(false)
	return b, err
}

// Put frees b, as [Buffer.Free] does, after checking that p made it: for a
// Buffer from another Pool it returns [ErrForeign] and leaves b alone.
func (p *Pool) Put(b Buffer) error {
	h := b.h
	if h == nil || h.gen != b.gen {
		return ErrFreed
	}
	if blk := h.blk; blk != nil && blk.pool != p.s {
		return ErrForeign
	}
	return b.Free()
}

// Close releases p's memory: free memory is unmapped at once, and the
// memory of buffers still in use is unmapped as soon as each is freed
// (they stay valid until then). After Close, Get, MapFile and ReadFull
// return [ErrClosed], as does a second Close.
func (p *Pool) Close() error { return p.s.close() }

func (s *state) close() error {
	if s.closed.Swap(true) {
		return ErrClosed
	}
	for i := range s.classes {
		s.classes[i].close()
	}
	s.misc.close()
	return nil
}

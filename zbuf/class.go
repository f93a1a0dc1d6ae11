package zbuf

import (
	"sync"

	"github.com/edsrzf/mmap-go"
)

// maxFreeHdrs bounds the free headers a class keeps; the rest are left to
// the garbage collector.
const maxFreeHdrs = 1024

// class is one size class of a Pool: the free blocks of one size, and free
// headers. Its mutex guards everything in it, and the live counts of its
// slabs. The Pool's misc class has size 0 and only headers: it serves
// mapped files and buffers of capacity 0.
type class struct {
	mu        sync.Mutex
	size      int                // block size: a power of two, a page or more
	pool      *state             // the Pool it belongs to
	warm      []*block           // free blocks whose pages may be resident: reused first
	cold      []*block           // free blocks whose pages were given back or never touched
	hdrs      []*hdr             // free headers
	hot       hot                // freed buffers kept whole for the next Get
	slabs     map[*slab]struct{} // the slabs carved for this class
	inUse     int64              // bytes of blocks held by live buffers
	warmBytes int64              // bytes of the blocks in warm
	allowance int64              // share of MaxRetained this class holds: warmBytes <= allowance
	secret    bool               // Config.Secret: wipe blocks when freed
	closed    bool
}

// take hands out a free block, mapping more memory if there is none, and
// a free header when withHdr is set (nil if there is none to reuse).
func (c *class) take(withHdr bool) (*block, *hdr, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, nil, ErrClosed
	}
	b := c.popLocked()
	if b == nil {
		var err error
		if b, err = c.growLocked(); err != nil {
			c.mu.Unlock()
			return nil, nil, err
		}
	}
	var h *hdr
	if withHdr {
		h = c.popHdrLocked()
	}
	c.inUse += int64(c.size)
	c.mu.Unlock()
	return b, h, nil
}

// popLocked pops a free block, warm ones first, or returns nil.
func (c *class) popLocked() (b *block) {
	if k := len(c.warm) - 1; k >= 0 {
		b, c.warm[k], c.warm = c.warm[k], nil, c.warm[:k]
		c.warmBytes -= int64(c.size)
		c.repayLocked()
		return b
	}
	if k := len(c.cold) - 1; k >= 0 {
		b, c.cold[k], c.cold = c.cold[k], nil, c.cold[:k]
		b.slab.live++
	}
	return b
}

// popHdrLocked pops a free header, or returns nil.
func (c *class) popHdrLocked() *hdr {
	k := len(c.hdrs) - 1
	if k < 0 {
		return nil
	}
	h := c.hdrs[k]
	c.hdrs[k], c.hdrs = nil, c.hdrs[:k]
	return h
}

// takeHdr hands out a free header, or nil if there is none to reuse, and
// counts inUse more bytes as in use. With closedErr set it fails once the
// Pool is closed.
func (c *class) takeHdr(inUse int64, closedErr bool) (*hdr, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if closedErr && c.closed {
		return nil, ErrClosed
	}
	c.inUse += inUse
	return c.popHdrLocked(), nil
}

// free takes back a freed header h and, when b is not nil, a block whose
// last handle is gone. Either may be nil.
func (c *class) free(h *hdr, b *block) {
	if b != nil && c.secret {
		clear(b.mem)
	}
	if h != nil && b != nil && c.stash(h, b) {
		return
	}
	var mm mmap.MMap
	trim := false
	c.mu.Lock()
	if h != nil && !c.closed && len(c.hdrs) < maxFreeHdrs {
		c.hdrs = append(c.hdrs, h)
	}
	if b != nil {
		mm, trim = c.putLocked(b)
	}
	c.mu.Unlock()
	if trim {
		c.trim(b)
	}
	c.pool.unmap(mm)
}

// putLocked files a block whose last handle is gone. It returns a mapping
// to unmap once the lock is released, or reports that the block is a slab
// block beyond the retained budget, for trim.
func (c *class) putLocked(b *block) (unmap mmap.MMap, trim bool) {
	size := int64(len(b.mem))
	c.inUse -= size
	switch {
	case b.kind == kindFile:
		return b.mm, false
	case c.closed && b.kind == kindLarge:
		return b.mm, false
	case c.closed:
		return c.leaveSlabLocked(b), false
	case c.keepLocked(size):
		c.warm = append(c.warm, b)
		c.reserveHotLocked()
		return nil, false
	case b.kind == kindLarge:
		return b.mm, false
	}
	return nil, true
}

// trim gives back the pages of a free slab block that the retained budget
// has no room for, and files it as cold; if it was the last block in use
// in its slab, the slab is unmapped instead.
func (c *class) trim(b *block) {
	if !c.secret { // locked pages cannot be dropped
		dontNeed(b.mem)
		if c.pool.onRelease != nil {
			c.pool.onRelease(b.mem, false)
		}
	}
	c.mu.Lock()
	mm := c.leaveSlabLocked(b)
	if mm == nil && !c.closed {
		c.cold = append(c.cold, b)
	}
	c.mu.Unlock()
	c.pool.unmap(mm)
}

// leaveSlabLocked counts one block of a slab as cold (or, once the Pool is
// closed, as gone). It returns the slab's mapping, dropped from the class,
// if no block of the slab is left in use or warm; the caller unmaps it.
func (c *class) leaveSlabLocked(b *block) mmap.MMap {
	s := b.slab
	s.live--
	if s.live > 0 {
		return nil
	}
	c.dropSlabLocked(s)
	return s.mm
}

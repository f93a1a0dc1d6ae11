package zbuf

import "github.com/edsrzf/mmap-go"

// slab is one anonymous mapping of the Pool's SlabSize, carved into the
// blocks of one class. It is unmapped when none of its blocks is in use
// and the Pool is over its retained budget, or closed.
type slab struct {
	mm     mmap.MMap // the whole mapping, kept for munmap
	blocks []block   // len(mm) / class size blocks, in address order
	live   int       // blocks not on the cold list: in use or warm; guarded by the class
}

// growLocked maps memory for one more block: a new slab for a class
// smaller than a slab, which also fills the cold list with the slab's
// other blocks, or a mapping of the block's own size for larger classes.
func (c *class) growLocked() (*block, error) {
	p := c.pool
	if c.size >= p.cfg.SlabSize {
		mm, err := p.mapAnon(c.size)
		if err != nil {
			return nil, err
		}
		return &block{mem: mm, kind: kindLarge, cls: c, mm: mm, pool: p}, nil
	}
	mm, err := p.mapAnon(p.cfg.SlabSize)
	if err != nil {
		return nil, err
	}
	s := &slab{mm: mm, blocks: make([]block, len(mm)/c.size)}
	if c.slabs == nil {
		c.slabs = make(map[*slab]struct{})
	}
	c.slabs[s] = struct{}{}
	for i := len(s.blocks) - 1; i >= 0; i-- {
		b := &s.blocks[i]
		lo, hi := i*c.size, (i+1)*c.size
		*b = block{mem: mm[lo:hi:hi], kind: kindSlot, cls: c, slab: s, pool: p}
		if i > 0 { // pushed last-first, so the lowest addresses pop first
			c.cold = append(c.cold, b)
		}
	}
	s.live = 1 // blocks[0], handed out now
	return &s.blocks[0], nil
}

// dropSlabLocked forgets a slab none of whose blocks is in use: its free
// blocks leave the free lists, the warm ones leave the retained budget,
// and the caller unmaps it.
func (c *class) dropSlabLocked(s *slab) {
	var warm int
	c.warm, warm = without(c.warm, s)
	c.cold, _ = without(c.cold, s)
	c.warmBytes -= int64(warm * c.size)
	delete(c.slabs, s)
}

// without removes the blocks of slab s from list, in place, and returns
// the shorter list and the number removed.
func without(list []*block, s *slab) ([]*block, int) {
	k := 0
	for _, b := range list {
		if b.slab != s {
			list[k] = b
			k++
		}
	}
	clear(list[k:])
	return list[:k], len(list) - k
}

// close empties the class for Pool.Close: free memory is unmapped now,
// and the slabs and blocks still in use are unmapped when their last
// buffer is freed.
func (c *class) close() {
	c.mu.Lock()
	c.closed = true
	var maps []mmap.MMap
	for _, b := range c.warm {
		if b.kind == kindLarge {
			maps = append(maps, b.mm)
		} else {
			b.slab.live-- // warm blocks count as live; now none is
		}
	}
	c.warm, c.cold, c.hdrs = nil, nil, nil
	c.pool.budget.Add(c.allowance + c.hot.reserve)
	c.warmBytes, c.allowance, c.hot.reserve = 0, 0, 0
	for s := range c.slabs {
		if s.live == 0 {
			maps = append(maps, s.mm)
			delete(c.slabs, s)
		}
	}
	c.mu.Unlock()
	for _, mm := range maps {
		c.pool.unmap(mm)
	}
	c.drainHot()
}

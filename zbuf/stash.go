package zbuf

import "sync/atomic"

// hotSlots is how many freed buffers a class keeps ready for the next
// Get, each a header with its block still attached.
const hotSlots = 4

// The states of a stash slot.
const (
	slotFree uint32 = iota // no header owns the slot
	slotOut                // its header is out: a live buffer, or on a free list
	slotIn                 // its header and block are in the stash
	slotBusy               // a header is claiming it
)

// hot is a class's stash of freed buffers. Each slot is owned by one
// header, which goes back to its own slot when freed: a Free costs one
// atomic store and a Get one compare-and-swap, where the free lists cost a
// lock and an unlock on each side. A stashed block stays counted in the
// class's inUse (Stats moves it to Retained) and keeps its slab live; the
// stash's bytes are a reserve borrowed once from the retained budget, so
// the Pool's bound holds. Close empties the stash. A buffer dropped
// without Free takes its slot's use with it.
type hot struct {
	state   [hotSlots]atomic.Uint32
	hdrs    [hotSlots]*hdr // the header of each slot in state slotIn
	on      atomic.Bool    // the reserve is borrowed: Frees may stash
	reserve int64          // the bytes borrowed; guarded by the class's mutex
}

// getHot returns a buffer of capacity n from c's stash, if it has one and
// the Pool is open.
func (c *class) getHot(n int) (Buffer, bool) {
	if c.pool.closed.Load() {
		return Buffer{}, false
	}
	t := &c.hot
	for i := range t.state {
		if t.state[i].Load() == slotIn && t.state[i].CompareAndSwap(slotIn, slotOut) {
			h := t.hdrs[i]
			t.hdrs[i] = nil
			b := h.spare
			h.spare = nil
			return h.attach(b, n), true
		}
	}
	return Buffer{}, false
}

// stash keeps freed header h and its block b for the next Get, in h's
// slot or in a free one it claims, and reports whether it did. If Close
// began meanwhile, the stash is emptied again through the free lists.
func (c *class) stash(h *hdr, b *block) bool {
	t := &c.hot
	if !t.on.Load() || c.pool.closed.Load() {
		return false
	}
	if h.slotCls != c {
		h.leaveSlot()
		i := t.claim()
		if i < 0 {
			return false
		}
		h.slotCls, h.slot = c, uint8(i+1)
	}
	i := int(h.slot) - 1
	h.spare = b
	t.hdrs[i] = h
	t.state[i].Store(slotIn)
	if c.pool.closed.Load() {
		c.drainHot()
	}
	return true
}

// claim marks a free slot busy for a header that has none and returns its
// index, or -1 if every slot is owned.
func (t *hot) claim() int {
	for i := range t.state {
		if t.state[i].Load() == slotFree && t.state[i].CompareAndSwap(slotFree, slotBusy) {
			return i
		}
	}
	return -1
}

// leaveSlot gives up the slot h owns, if any: a buffer that moved to
// another class (an Append that grew it) leaves its old class's slot to
// another header.
func (h *hdr) leaveSlot() {
	if c := h.slotCls; c != nil {
		c.hot.state[h.slot-1].Store(slotFree)
		h.slotCls, h.slot = nil, 0
	}
}

// drainHot frees every stashed block through the free lists; the headers
// stay out, left to the garbage collector.
func (c *class) drainHot() {
	t := &c.hot
	for i := range t.state {
		if t.state[i].CompareAndSwap(slotIn, slotOut) {
			h := t.hdrs[i]
			t.hdrs[i] = nil
			b := h.spare
			h.spare = nil
			c.free(nil, b)
		}
	}
}

// hotBytes returns the bytes of the blocks stashed now.
func (c *class) hotBytes() int64 {
	var n int64
	for i := range c.hot.state {
		if c.hot.state[i].Load() == slotIn {
			n += int64(c.size)
		}
	}
	return n
}

// reserveHotLocked turns the stash on once the retained budget lends it
// room for every slot. Only classes whose stash is at most 1/16 of
// MaxRetained have one.
func (c *class) reserveHotLocked() {
	want := int64(c.size) * hotSlots
	if c.hot.on.Load() || c.closed || want > c.pool.cfg.MaxRetained/16 || !c.pool.borrow(want) {
		return
	}
	c.hot.reserve = want
	c.hot.on.Store(true)
}

package zbuf

import "runtime"

// hdr is what a Buffer handle points to: one buffer's window on a block,
// its length and its state. Headers are recycled through the free lists of
// the classes, so a handle also carries the generation it was made for:
// Free bumps gen, and every handle still holding the old value is stale.
//
// A header is a small Go object; the memory it describes is not. Each has
// a cleanup, the safety net for a buffer dropped without Free. The
// cleanup must not reach the header, so the block a header holds is
// recorded twice: in blk, for the methods, and in the Pool's table under
// the header's id, for the cleanup.
type hdr struct {
	gen     uint64  // bumped by Free
	mem     []byte  // the buffer's memory; len(mem) is its capacity
	n       int     // the buffer's length, 0 <= n <= len(mem)
	err     error   // the first ErrFault met reading a mapped file
	blk     *block  // the block held; nil while the header is free
	spare   *block  // the block kept with it while in its class's stash
	slotCls *class  // the class whose stash slot it owns, or nil
	slot    uint8   // that slot's index + 1
	tab     **block // its entry in the Pool's table, which holds blk too
	id      uint32  // the entry's index
	ro      bool    // a mapped file or a view of one: read-only, reads guarded
}

// hdrKey is the argument of a header's cleanup: where to find the block
// the header held. It has no pointer to the header, and only one to the
// Pool, so the garbage collector has little to do for it.
type hdrKey struct {
	s  *state
	id uint32
}

// newHdr makes a header of Pool s and registers its cleanup.
func (s *state) newHdr() *hdr {
	h := &hdr{id: s.table.alloc()}
	h.tab = s.table.entry(h.id)
	runtime.AddCleanup(h, reclaim, hdrKey{s, h.id})
	return h
}

// reclaim runs when a header becomes unreachable. If it still held a
// block, its buffer was dropped without Free: the block goes back and the
// leak is counted in the Pool's Stats. Either way its id is reused.
func reclaim(k hdrKey) {
	entry := k.s.table.entry(k.id)
	b := *entry
	*entry = nil
	k.s.table.release(k.id)
	if b != nil {
		k.s.leaked.Add(1)
		b.release()
	}
}

// hold makes h hold b, in h and in the table.
func (h *hdr) hold(b *block) {
	h.blk, *h.tab = b, b
}

// attach makes h a live buffer of capacity c and length 0 over the start
// of b's memory, and returns its handle.
func (h *hdr) attach(b *block, c int) Buffer {
	h.mem = b.mem[:c:c]
	h.n, h.err, h.ro = 0, nil, b.ro
	h.hold(b)
	return Buffer{h, h.gen}
}

// detach makes h free: stale for every handle, holding no block. It
// returns the block h held, or nil if another Free got there first.
func (h *hdr) detach() *block {
	b := h.blk
	if b == nil {
		return nil
	}
	h.blk, *h.tab = nil, nil
	h.gen++ // mem and err stay until the next attach: stale handles never reach them
	return b
}

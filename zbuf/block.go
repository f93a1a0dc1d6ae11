package zbuf

import (
	"sync/atomic"

	"github.com/edsrzf/mmap-go"
)

// kind says where a block's memory comes from and where it goes back.
type kind uint8

const (
	kindSlot  kind = iota // carved from a slab; back to its class
	kindLarge             // a mapping of its own, reused by its class
	kindFile              // a mapped file; unmapped when released
	kindEmpty             // no memory at all, for buffers of capacity 0
)

// block is a run of mapped memory that buffers are carved from: one
// buffer and all its views share a block. When the last of them is freed
// the block is released: back to its class's free list, or unmapped.
type block struct {
	mem   []byte       // all of the block; len(mem) is its size
	views atomic.Int32 // live handles on mem beyond the first; 0 while free
	kind  kind
	ro    bool      // read-only: a mapped file
	cls   *class    // the free lists it returns to; the Pool's misc class for files
	slab  *slab     // the slab it was carved from (kindSlot)
	mm    mmap.MMap // its own mapping (kindLarge, kindFile), kept whole for munmap
	pool  *state
}

// release drops one handle and, if it was the last, gives the block back.
func (b *block) release() {
	if b.drop() {
		b.cls.free(nil, b)
	}
}

// drop removes one handle from b and reports whether it was the last.
// The common case, a buffer without views, costs a load and no atomic
// write: a sole handle being freed cannot gain a view meanwhile, since
// views are made from live handles and the caller is freeing the only
// one.
func (b *block) drop() bool {
	switch {
	case b.kind == kindEmpty:
		return false
	case b.views.Load() == 0:
		return true
	case b.views.Add(-1) >= 0:
		return false
	}
	b.views.Store(0) // went below 0: another handle dropped after our load
	return true
}

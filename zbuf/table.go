package zbuf

import (
	"sync"
	"sync/atomic"
)

// tableChunk is the number of entries in one chunk of a table.
const tableChunk = 1024

// table maps header ids to the blocks the headers hold, for their
// cleanups. Entries live in fixed chunks that never move, so the owner of
// a header writes its entry without a lock; only handing out ids takes
// one. The chunk list is replaced, never changed, when it grows.
type table struct {
	chunks atomic.Pointer[[]*[tableChunk]*block]
	mu     sync.Mutex
	next   uint32   // the next id never handed out
	free   []uint32 // ids of collected headers, handed out again first
}

// entry returns the entry of id, which alloc handed out.
func (t *table) entry(id uint32) **block {
	return &(*t.chunks.Load())[id/tableChunk][id%tableChunk]
}

// alloc hands out an id.
func (t *table) alloc() uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if k := len(t.free) - 1; k >= 0 {
		id := t.free[k]
		t.free = t.free[:k]
		return id
	}
	id := t.next
	t.next++
	if id%tableChunk == 0 {
		var chunks []*[tableChunk]*block
		if old := t.chunks.Load(); old != nil {
			chunks = append(chunks, *old...)
		}
		chunks = append(chunks, new([tableChunk]*block))
		t.chunks.Store(&chunks)
	}
	return id
}

// release takes back the id of a collected header.
func (t *table) release(id uint32) {
	t.mu.Lock()
	t.free = append(t.free, id)
	t.mu.Unlock()
}

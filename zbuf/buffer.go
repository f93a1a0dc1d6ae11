package zbuf

import "fmt"

// Buffer is a handle on a run of bytes outside the Go heap: a length (Len)
// and a capacity (Cap) over memory mapped with mmap. It is a small value,
// meant to be passed and stored by value; copies are handles on the same
// buffer, and freeing through one frees it for all.
//
// Who owns the memory, and until when: the buffer is its maker's from
// [New], [Pool.Get] (and the other constructors) until [Buffer.Free]. A
// view from [Buffer.Sub] shares the memory and must be freed too; the
// memory goes back to the Pool (or is unmapped) only when the buffer and
// every view of it are freed, in any order. A slice from [Buffer.Bytes] is
// a window on that memory, not a copy: it must not be used after the
// Free of the Buffer it came from, and the Buffer must stay reachable
// while the slice is in use.
//
// After Free, Free returns [ErrFreed] and every other method panics with
// an error wrapping ErrFreed that names the method; the zero Buffer behaves
// the same. Indexes and counts out of range panic with an error wrapping
// [ErrRange], as slice indexing does. No misuse through these methods
// touches unmapped memory.
//
// A Buffer is not safe for concurrent use, but different buffers, and a
// buffer and its views, may be used and freed from different goroutines.
// A buffer lost without Free is found by the garbage collector: a cleanup
// returns its memory and counts it in [Stats.Leaked].
type Buffer struct {
	h   *hdr
	gen uint64 // h.gen when the handle was made
}

// live returns b's header, or panics if b was freed.
func (b Buffer) live(op string) *hdr {
	if h := b.h; h != nil && h.gen == b.gen {
		return h
	}
	panic(freedError(op))
}

func freedError(op string) error { return fmt.Errorf("%w: Buffer.%s", ErrFreed, op) }

func rangeError(op string, args ...any) error {
	return fmt.Errorf("%w: Buffer.%s", ErrRange, fmt.Sprintf(op, args...))
}

// Len returns the number of bytes in the buffer.
func (b Buffer) Len() int { return b.live("Len").n }

// Cap returns the buffer's capacity: its size, the most bytes it holds
// before an Append has to move it to a larger buffer.
func (b Buffer) Cap() int { return len(b.live("Cap").mem) }

// Bytes returns the buffer's bytes, b[0:Len], as a slice of its memory
// (not a copy): writes show through, in every view. The slice's capacity
// is its length, so appending to it copies to the Go heap. It must not
// outlive [Buffer.Free]; for a mapped file whose file may shrink, use the
// accessors, which turn the fault into [ErrFault], instead.
func (b Buffer) Bytes() []byte {
	h := b.live("Bytes")
	return h.mem[:h.n:h.n]
}

// String returns a copy of the buffer's bytes as a string. For a mapped
// file that shrank it returns "" and records [ErrFault] (see Err).
func (b Buffer) String() string {
	h := b.live("String")
	if !h.ro {
		return string(h.mem[:h.n])
	}
	var s string
	h.guard(func() { s = string(h.mem[:h.n]) })
	return s
}

// Reset sets the length to 0; the capacity and the memory stay.
func (b Buffer) Reset() { b.live("Reset").n = 0 }

// Err returns the first fault an accessor met reading a mapped file, an
// error wrapping [ErrFault], or nil. Once set it stays set.
func (b Buffer) Err() error { return b.live("Err").err }

// Free releases the buffer. Its memory is returned to the Pool, or
// unmapped, once every view of it is freed too; until then the views stay
// valid. Free is idempotent: a second Free, or a Free of the zero Buffer,
// does nothing and returns [ErrFreed].
func (b Buffer) Free() error {
	h := b.h
	if h == nil || h.gen != b.gen {
		return ErrFreed
	}
	blk := h.detach()
	if blk == nil {
		return ErrFreed
	}
	var last *block
	if blk.drop() {
		last = blk
	}
	blk.cls.free(h, last)
	return nil
}

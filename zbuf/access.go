package zbuf

import (
	"bytes"
	"io"
)

// At returns the byte at index i, which must be in [0, Len). For a mapped
// file that shrank it returns 0 and records [ErrFault] (see Err).
func (b Buffer) At(i int) byte {
	h := b.live("At")
	if uint(i) >= uint(h.n) {
		panic(rangeError("At(%d) with length %d", i, h.n))
	}
	if !h.ro {
		return h.mem[i]
	}
	var c byte
	h.guard(func() { c = h.mem[i] })
	return c
}

// Set stores c at index i, which must be in [0, Cap). As in the original,
// the length grows to cover i: it becomes max(Len, i+1), and any bytes
// between the old length and i read as zero. It returns [ErrReadOnly] for
// a mapped file.
func (b Buffer) Set(i int, c byte) error {
	h := b.live("Set")
	if uint(i) >= uint(len(h.mem)) {
		panic(rangeError("Set(%d) with capacity %d", i, len(h.mem)))
	}
	if h.ro {
		return ErrReadOnly
	}
	h.mem[i] = c
	h.extend(i, i+1)
	return nil
}

// extend sets the length to max(n, end) after bytes were written at
// [start, end), zeroing the gap between the old length and start.
func (h *hdr) extend(start, end int) {
	if start > h.n {
		clear(h.mem[h.n:start])
	}
	h.n = max(h.n, end)
}

// Index returns the index of the first c in the buffer, or -1.
func (b Buffer) Index(c byte) int { return b.index("Index", 0, c) }

// IndexFrom returns the index of the first c at or after index i, or -1.
// i must be in [0, Len]. For a mapped file that shrank, Index and
// IndexFrom return -1 and record [ErrFault] (see Err).
func (b Buffer) IndexFrom(i int, c byte) int { return b.index("IndexFrom", i, c) }

func (b Buffer) index(op string, i int, c byte) int {
	h := b.live(op)
	if uint(i) > uint(h.n) {
		panic(rangeError("%s(%d) with length %d", op, i, h.n))
	}
	k := -1
	find := func() { k = bytes.IndexByte(h.mem[i:h.n], c) }
	if !h.ro {
		find()
	} else if !h.guard(find) {
		return -1
	}
	if k < 0 {
		return -1
	}
	return i + k
}

// ReadAt copies bytes from offset off into p, as [io.ReaderAt] does: it
// returns [io.EOF] when fewer than len(p) bytes are left. It is the safe
// way to copy out of a mapped file: a fault gives an error wrapping
// [ErrFault], also recorded for Err. A negative off returns an error
// wrapping [ErrRange].
func (b Buffer) ReadAt(p []byte, off int64) (int, error) {
	h := b.live("ReadAt")
	if off < 0 {
		return 0, rangeError("ReadAt at offset %d", off)
	}
	if off >= int64(h.n) {
		return 0, io.EOF
	}
	var n int
	read := func() { n = copy(p, h.mem[off:h.n]) }
	if !h.ro {
		read()
	} else if !h.guard(read) {
		return 0, h.err
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Wipe zeroes the buffer's memory, its whole capacity, and sets its length
// to 0: for a buffer that held a secret. In a Pool made with
// [Config.Secret] every buffer is wiped anyway when its memory goes back
// to the Pool. It returns [ErrReadOnly] for a mapped file.
func (b Buffer) Wipe() error {
	h := b.live("Wipe")
	if h.ro {
		return ErrReadOnly
	}
	clear(h.mem)
	h.n = 0
	return nil
}

package zbuf

// AppendByte appends c, growing the buffer if it is full.
func (b Buffer) AppendByte(c byte) error {
	h := b.live("AppendByte")
	if err := h.grow(1); err != nil {
		return err
	}
	h.mem[h.n] = c
	h.n++
	return nil
}

// Append appends p, growing the buffer if p does not fit.
//
// Growing moves the buffer to a new block of the same Pool, of twice the
// capacity or the length needed if that is more, and copies its bytes
// there: as with append on a slice, the buffer no longer shares memory
// with views made before, which keep the old memory until they are freed.
// Growing fails with [ErrClosed] once the Pool is closed, and with the
// error of mmap if no memory is left. Appending to a mapped file returns
// [ErrReadOnly].
func (b Buffer) Append(p []byte) error {
	h := b.live("Append")
	if err := h.grow(len(p)); err != nil {
		return err
	}
	h.n += copy(h.mem[h.n:], p)
	return nil
}

// AppendString appends s, as Append does.
func (b Buffer) AppendString(s string) error {
	h := b.live("AppendString")
	if err := h.grow(len(s)); err != nil {
		return err
	}
	h.n += copy(h.mem[h.n:], s)
	return nil
}

// Write appends p and returns len(p), so that a Buffer is an [io.Writer].
func (b Buffer) Write(p []byte) (int, error) {
	if err := b.Append(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// AppendBuffer appends the bytes of src, which may be b itself or a view
// of it. Reading a mapped file that shrank returns an error wrapping
// [ErrFault] and appends nothing.
func (b Buffer) AppendBuffer(src Buffer) error {
	h, s := b.live("AppendBuffer"), src.live("AppendBuffer")
	n := s.n
	if err := h.grow(n); err != nil {
		return err
	}
	if err := s.copyTo(h.mem[h.n:h.n+n], 0); err != nil {
		return err
	}
	h.n += n
	return nil
}

// copyTo copies len(dst) of s's bytes from off into dst, guarded for a
// mapped file; it returns ErrFault (also recorded in s) on a fault.
func (s *hdr) copyTo(dst []byte, off int) error {
	if !s.ro {
		copy(dst, s.mem[off:])
		return nil
	}
	if !s.guard(func() { copy(dst, s.mem[off:]) }) {
		return s.err
	}
	return nil
}

// grow makes room for extra more bytes after the length, moving the
// buffer to a larger block of its Pool if it must.
func (h *hdr) grow(extra int) error {
	if h.ro {
		return ErrReadOnly
	}
	if extra <= len(h.mem)-h.n {
		return nil
	}
	if extra > maxSize-h.n {
		return rangeError("grow to %d+%d bytes", h.n, extra)
	}
	old := h.blk
	size := min(max(h.n+extra, 2*len(h.mem)), maxSize)
	nb, err := old.pool.block(size)
	if err != nil {
		return err
	}
	copy(nb.mem, h.mem[:h.n])
	h.mem = nb.mem[:size:size]
	h.hold(nb)
	old.release()
	return nil
}

package zbuf

// Sub returns a view of n bytes of b from offset off: a Buffer of length
// and capacity n whose memory is b's, not a copy, so that writes through
// either show in the other. off and n must be within [0, Len]. The view
// keeps the memory alive: it must be freed like any Buffer, and the
// memory goes back to the Pool only when b and all its views are freed,
// in any order. Views of a mapped file are read-only too. A view that
// grows (Append past its capacity) moves to memory of its own.
func (b Buffer) Sub(off, n int) Buffer {
	h := b.live("Sub")
	if off < 0 || n < 0 || off > h.n-n {
		panic(rangeError("Sub(%d, %d) with length %d", off, n, h.n))
	}
	blk := h.blk
	v, _ := blk.cls.takeHdr(0, false)
	if v == nil {
		v = blk.pool.newHdr()
	}
	if blk.kind != kindEmpty {
		blk.views.Add(1)
	}
	v.mem = h.mem[off : off+n : off+n]
	v.n, v.err, v.ro = n, h.err, h.ro
	v.hold(blk)
	return Buffer{v, v.gen}
}

// Blit copies n bytes of src from srcOff to dst at dstOff, like the
// original's blit; src and dst may be the same buffer, or views sharing
// memory, and the ranges may overlap (the copy behaves as if through a
// temporary). srcOff+n must be within src's length and dstOff+n within
// dst's capacity. dst's length grows to cover what was written, as with
// [Buffer.Set]: bytes between its old length and dstOff read as zero.
//
// Blit returns [ErrReadOnly] if dst is a mapped file, and an error
// wrapping [ErrFault] if src is a mapped file that shrank; dst's length is
// then unchanged, though the bytes copied before the fault may show.
func Blit(src Buffer, srcOff int, dst Buffer, dstOff, n int) error {
	s, d := src.live("Blit"), dst.live("Blit")
	if srcOff < 0 || n < 0 || srcOff > s.n-n {
		panic(rangeError("Blit: source [%d:+%d] with length %d", srcOff, n, s.n))
	}
	if dstOff < 0 || dstOff > len(d.mem)-n {
		panic(rangeError("Blit: destination [%d:+%d] with capacity %d", dstOff, n, len(d.mem)))
	}
	if d.ro {
		return ErrReadOnly
	}
	if err := s.copyTo(d.mem[dstOff:dstOff+n], srcOff); err != nil {
		return err
	}
	d.extend(dstOff, dstOff+n)
	return nil
}

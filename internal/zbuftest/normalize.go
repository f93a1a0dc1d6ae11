package zbuftest

// Normalize maps an Op with arbitrary field values, as a fuzzer makes
// them, to one that mostly makes sense for the harness's current slots:
// a known kind, slots that exist, sizes and indexes a little around the
// valid range (so that both the in-range paths and the panics are taken),
// at most 4 KiB of data, and no AppendBuffer that would make a buffer
// longer than 1 MiB (repeated self-appends would grow it exponentially).
// With no slot yet, every op becomes a New.
func (h *Harness) Normalize(op Op) Op {
	op.Kind %= numKinds
	n := len(h.bufs)
	if n == 0 && op.Kind > OpFromBytes {
		op.Kind = OpNew
	}
	if n > 0 {
		op.I, op.J = mod(op.I, n), mod(op.J, n)
	}
	if len(op.Data) > 4096 {
		op.Data = op.Data[:4096]
	}
	switch op.Kind {
	case OpNew: // mostly up to a page, one in 16 up to 128 KiB
		if op.A%16 == 0 {
			op.A = mod(op.A/16, 1<<17+2) - 1
		} else {
			op.A = mod(op.A/16, 4096+2) - 1
		}
	case OpMake:
		op.A = mod(op.A, 9000) - 1
	case OpSub, OpSet, OpAt, OpIndexFrom, OpReadAt:
		l := h.extent(op.I, op.Kind == OpSet)
		op.A = mod(op.A, l+3) - 1
		op.B = mod(op.B, l+3) - 1
	case OpAppendBuffer: // self-appends double: keep buffers under 1 MiB
		if h.extent(op.I, false)+h.extent(op.J, false) > 1<<20 {
			op.Kind = OpReset
		}
	case OpBlit:
		src, dst := h.extent(op.I, false), h.extent(op.J, true)
		op.A = mod(op.A, src+2) - 1
		op.B = mod(op.B, dst+2) - 1
		op.C = mod(op.C, max(src, 1)+2) - 1
	}
	return op
}

// extent returns the length (or the capacity) of slot i's model.
func (h *Harness) extent(i int, capacity bool) int {
	if i >= len(h.mods) {
		return 0
	}
	m := h.mods[i]
	if capacity {
		return m.cap
	}
	return m.n
}

// mod returns x modulo m in [0, m).
func mod(x, m int) int {
	r := x % m
	if r < 0 {
		r += m
	}
	return r
}

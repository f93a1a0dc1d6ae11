package zbuftest

import "bytes"

// maxSize mirrors zbuf's largest buffer, which caps growth.
const maxSize = 1 << 40

// Model is a buffer made of a plain byte slice: a window [off, off+cap) on
// memory that views share, holding n bytes.
type Model struct {
	mem   *[]byte // shared with every view
	off   int
	n     int
	cap   int
	freed bool
}

// NewModel returns the model of a fresh buffer of capacity c.
func NewModel(c int) *Model {
	mem := make([]byte, c)
	return &Model{mem: &mem, cap: c}
}

// Bytes returns the model's bytes (a window on its memory, not a copy).
func (m *Model) Bytes() []byte { return (*m.mem)[m.off : m.off+m.n] }

// Len is the model's length.
func (m *Model) Len() int { return m.n }

// Cap is the model's capacity.
func (m *Model) Cap() int { return m.cap }

// window returns the model's whole capacity.
func (m *Model) window() []byte { return (*m.mem)[m.off : m.off+m.cap] }

// extend sets the length to cover bytes written at [start, end), zeroing
// the gap after the old length.
func (m *Model) extend(start, end int) {
	if start > m.n {
		clear(m.window()[m.n:start])
	}
	m.n = max(m.n, end)
}

// grow makes room for extra bytes, moving to new memory if needed.
func (m *Model) grow(extra int) {
	if extra <= m.cap-m.n {
		return
	}
	size := min(max(m.n+extra, 2*m.cap), maxSize)
	mem := make([]byte, size)
	copy(mem, m.Bytes())
	m.mem, m.off, m.cap = &mem, 0, size
}

// Append appends p.
func (m *Model) Append(p []byte) {
	p = bytes.Clone(p) // p may be the model's own memory
	m.grow(len(p))
	m.n += copy(m.window()[m.n:], p)
}

// Set stores c at i, which must be within the capacity.
func (m *Model) Set(i int, c byte) {
	m.window()[i] = c
	m.extend(i, i+1)
}

// Sub returns a view of n bytes from off, sharing the memory.
func (m *Model) Sub(off, n int) *Model {
	return &Model{mem: m.mem, off: m.off + off, n: n, cap: n}
}

// BlitModel copies n bytes of src from srcOff into dst at dstOff, as if through
// a temporary.
func BlitModel(src *Model, srcOff int, dst *Model, dstOff, n int) {
	tmp := bytes.Clone(src.Bytes()[srcOff : srcOff+n])
	copy(dst.window()[dstOff:], tmp)
	dst.extend(dstOff, dstOff+n)
}

// IndexFrom returns the index of the first c at or after i, or -1.
func (m *Model) IndexFrom(i int, c byte) int {
	k := bytes.IndexByte(m.Bytes()[i:], c)
	if k < 0 {
		return -1
	}
	return i + k
}

// Wipe zeroes the whole capacity and empties the model.
func (m *Model) Wipe() {
	clear(m.window())
	m.n = 0
}

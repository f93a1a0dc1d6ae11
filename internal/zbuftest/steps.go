package zbuftest

import (
	"bytes"
	"fmt"
	"io"

	"github.com/release-daemon/release/zbuf"
)

// outcome is what a method returned.
type outcome struct {
	val  int
	err  error
	data []byte
}

func (h *Harness) create(op Op) error {
	var b zbuf.Buffer
	var err error
	var m *Model
	switch op.Kind {
	case OpNew:
		b, err = h.get(op.A)
		m = NewModel(max(op.A, 0))
	case OpMake:
		b, err = zbuf.Make(op.A, byte(op.B))
		m = NewModel(max(op.A, 0))
		m.Append(bytes.Repeat([]byte{byte(op.B)}, max(op.A, 0)))
	case OpFromString:
		b, err = zbuf.FromString(string(op.Data))
		m = NewModel(len(op.Data))
		m.Append(op.Data)
	default:
		b, err = zbuf.FromBytes(op.Data)
		m = NewModel(len(op.Data))
		m.Append(op.Data)
	}
	if op.A < 0 && (op.Kind == OpNew || op.Kind == OpMake) {
		if !sameErr(err, zbuf.ErrRange) {
			return fmt.Errorf("error %v, want %v", err, zbuf.ErrRange)
		}
		return nil
	}
	if err != nil {
		return err
	}
	return h.add(b, m)
}

func (h *Harness) get(n int) (zbuf.Buffer, error) {
	if h.Pool != nil {
		return h.Pool.Get(n)
	}
	return zbuf.New(n)
}

func (h *Harness) sub(op Op) error {
	b, m, err := h.slot(op.I)
	if err != nil {
		return err
	}
	want := freed(m)
	if want == nil && (op.A < 0 || op.B < 0 || op.A+op.B > m.n) {
		want = zbuf.ErrRange
	}
	var v zbuf.Buffer
	if panicked, err := call(want, func() { v = b.Sub(op.A, op.B) }); panicked || err != nil {
		return err
	}
	return h.add(v, m.Sub(op.A, op.B))
}

func (h *Harness) pair(op Op) error {
	a, ma, err := h.slot(op.I)
	if err != nil {
		return err
	}
	b, mb, err := h.slot(op.J)
	if err != nil {
		return err
	}
	if op.Kind == OpAppendBuffer { // a.AppendBuffer(b)
		return check(ma, mb, nil, func() error { return a.AppendBuffer(b) }, func() { ma.Append(mb.Bytes()) })
	}
	var want error // Blit(a, A, b, B, C)
	if op.A < 0 || op.C < 0 || op.A+op.C > ma.n || op.B < 0 || op.B+op.C > mb.cap {
		want = zbuf.ErrRange
	}
	return check(ma, mb, want, func() error { return zbuf.Blit(a, op.A, b, op.B, op.C) },
		func() { BlitModel(ma, op.A, mb, op.B, op.C) })
}

// check runs a two-buffer operation that returns only an error: real on
// the buffers, model on the models, unless a panic is expected (ErrFreed
// for a freed model, else wantPanic).
func check(m1, m2 *Model, wantPanic error, real func() error, model func()) error {
	want := freed(m1)
	if want == nil {
		want = freed(m2)
	}
	if want == nil {
		want = wantPanic
	}
	var got error
	if panicked, err := call(want, func() { got = real() }); panicked || err != nil {
		return err
	}
	if got != nil {
		return fmt.Errorf("error %v", got)
	}
	model()
	return nil
}

func (h *Harness) free(op Op) error {
	b, m, err := h.slot(op.I)
	if err != nil {
		return err
	}
	err = b.Free()
	if want := freed(m); !sameErr(err, want) {
		return fmt.Errorf("free returned %v, want %v", err, want)
	}
	m.freed = true
	if _, err := call(zbuf.ErrFreed, func() { b.Len() }); err != nil {
		return fmt.Errorf("calling Len after Free: %w", err)
	}
	return nil
}

// freed returns zbuf.ErrFreed for a freed model, else nil.
func freed(m *Model) error {
	if m.freed {
		return zbuf.ErrFreed
	}
	return nil
}

func (h *Harness) unary(op Op) error {
	b, m, err := h.slot(op.I)
	if err != nil {
		return err
	}
	want := freed(m)
	if want == nil {
		want = m.rangeErr(op)
	}
	var got outcome
	if panicked, err := call(want, func() { got = apply(b, op) }); panicked || err != nil {
		return err
	}
	exp := m.apply(op)
	if got.val != exp.val || !sameErr(got.err, exp.err) || !bytes.Equal(got.data, exp.data) {
		return fmt.Errorf("got %d %v %q, model %d %v %q", got.val, got.err, got.data, exp.val, exp.err, exp.data)
	}
	return nil
}

// rangeErr returns zbuf.ErrRange if op's index is out of range for m.
func (m *Model) rangeErr(op Op) error {
	bad := false
	switch op.Kind {
	case OpSet:
		bad = op.A < 0 || op.A >= m.cap
	case OpAt:
		bad = op.A < 0 || op.A >= m.n
	case OpIndexFrom:
		bad = op.A < 0 || op.A > m.n
	}
	if bad {
		return zbuf.ErrRange
	}
	return nil
}

// apply runs a one-buffer op on a real buffer.
func apply(b zbuf.Buffer, op Op) outcome {
	switch op.Kind {
	case OpAppendByte:
		return outcome{err: b.AppendByte(byte(op.B))}
	case OpAppend:
		return outcome{err: b.Append(op.Data)}
	case OpAppendString:
		return outcome{err: b.AppendString(string(op.Data))}
	case OpWrite:
		n, err := b.Write(op.Data)
		return outcome{val: n, err: err}
	case OpSet:
		return outcome{err: b.Set(op.A, byte(op.B))}
	case OpAt:
		return outcome{val: int(b.At(op.A))}
	case OpIndex:
		return outcome{val: b.Index(byte(op.B))}
	case OpIndexFrom:
		return outcome{val: b.IndexFrom(op.A, byte(op.B))}
	case OpReset:
		b.Reset()
	case OpWipe:
		return outcome{err: b.Wipe()}
	case OpReadAt:
		p := make([]byte, max(op.B, 0))
		n, err := b.ReadAt(p, int64(op.A))
		return outcome{val: n, err: err, data: p[:n]}
	}
	return outcome{}
}

// apply runs a one-buffer op on the model and returns what the real
// method should return.
func (m *Model) apply(op Op) outcome {
	switch op.Kind {
	case OpAppendByte:
		m.Append([]byte{byte(op.B)})
	case OpAppend, OpAppendString:
		m.Append(op.Data)
	case OpWrite:
		m.Append(op.Data)
		return outcome{val: len(op.Data)}
	case OpSet:
		m.Set(op.A, byte(op.B))
	case OpAt:
		return outcome{val: int(m.Bytes()[op.A])}
	case OpIndex:
		return outcome{val: m.IndexFrom(0, byte(op.B))}
	case OpIndexFrom:
		return outcome{val: m.IndexFrom(op.A, byte(op.B))}
	case OpReset:
		m.n = 0
	case OpWipe:
		m.Wipe()
	case OpReadAt:
		return m.readAt(op.A, max(op.B, 0))
	}
	return outcome{}
}

func (m *Model) readAt(off, size int) outcome {
	if off < 0 {
		return outcome{err: zbuf.ErrRange}
	}
	if off >= m.n {
		return outcome{err: io.EOF}
	}
	p := make([]byte, size)
	n := copy(p, m.Bytes()[off:])
	if n < size {
		return outcome{val: n, err: io.EOF, data: p[:n]}
	}
	return outcome{val: n, data: p[:n]}
}

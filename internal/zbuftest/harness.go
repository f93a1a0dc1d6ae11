package zbuftest

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/release-daemon/release/zbuf"
)

// MaxSlots is the most buffers a Harness holds; creating more frees the
// new buffer at once.
const MaxSlots = 64

// Harness runs Ops on real buffers and on their models side by side.
type Harness struct {
	Pool *zbuf.Pool // New takes from it; nil means zbuf.New

	bufs []zbuf.Buffer
	mods []*Model
}

// Slots returns the number of buffers made so far, freed ones included.
func (h *Harness) Slots() int { return len(h.bufs) }

// Step applies op to the real buffers and the models and returns an error
// describing the first difference: a result, an error, a panic where the
// model expects none or none where it expects one, or any live buffer's
// length, capacity or bytes afterwards.
func (h *Harness) Step(op Op) error {
	var err error
	switch op.Kind {
	case OpNew, OpMake, OpFromString, OpFromBytes:
		err = h.create(op)
	case OpSub:
		err = h.sub(op)
	case OpBlit, OpAppendBuffer:
		err = h.pair(op)
	case OpFree:
		err = h.free(op)
	default:
		err = h.unary(op)
	}
	if err == nil {
		err = h.Check()
	}
	if err != nil {
		return fmt.Errorf("%v: %w", op, err)
	}
	return nil
}

// Check compares every live buffer with its model: length, capacity and
// bytes, and String for buffers of up to 4 KiB (it copies).
func (h *Harness) Check() error {
	for i, b := range h.bufs {
		m := h.mods[i]
		if m.freed {
			continue
		}
		got := b.Bytes()
		switch {
		case b.Len() != m.n || b.Cap() != m.cap:
			return fmt.Errorf("slot %d: Len %d Cap %d, model %d %d", i, b.Len(), b.Cap(), m.n, m.cap)
		case !bytes.Equal(got, m.Bytes()):
			return fmt.Errorf("slot %d: Bytes %q, model %q", i, got, m.Bytes())
		case cap(got) != len(got):
			return fmt.Errorf("slot %d: cap(Bytes()) %d, want its length %d", i, cap(got), len(got))
		case len(got) <= 4096 && b.String() != string(m.Bytes()):
			return fmt.Errorf("slot %d: String %q, model %q", i, b.String(), m.Bytes())
		}
	}
	return nil
}

// Close frees every live buffer and, for a Pool, checks that nothing is
// left in use.
func (h *Harness) Close() error {
	for i, b := range h.bufs {
		if !h.mods[i].freed {
			if err := b.Free(); err != nil {
				return fmt.Errorf("slot %d: Free: %w", i, err)
			}
			h.mods[i].freed = true
		}
	}
	if h.Pool != nil {
		if st := h.Pool.Stats(); st.InUse != 0 {
			return fmt.Errorf("%d bytes still in use after freeing every buffer", st.InUse)
		}
	}
	return nil
}

// slot returns slot i.
func (h *Harness) slot(i int) (zbuf.Buffer, *Model, error) {
	if i < 0 || i >= len(h.bufs) {
		return zbuf.Buffer{}, nil, fmt.Errorf("no slot %d", i)
	}
	return h.bufs[i], h.mods[i], nil
}

// add files a new buffer and its model.
func (h *Harness) add(b zbuf.Buffer, m *Model) error {
	if len(h.bufs) == MaxSlots {
		return b.Free()
	}
	h.bufs, h.mods = append(h.bufs, b), append(h.mods, m)
	return nil
}

// call runs f and checks that it panics if and only if want is not nil,
// with an error wrapping want; panicked tells the caller to skip the
// model.
func call(want error, f func()) (panicked bool, err error) {
	p := catch(f)
	switch {
	case p == nil && want == nil:
		return false, nil
	case p == nil:
		return false, fmt.Errorf("no panic, want one wrapping %v", want)
	case want == nil:
		return true, fmt.Errorf("unexpected panic: %v", p)
	}
	if e, ok := p.(error); !ok || !errors.Is(e, want) {
		return true, fmt.Errorf("panic %v, want one wrapping %v", p, want)
	}
	return true, nil
}

func catch(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}

// sameErr reports whether got matches want (both nil, or errors.Is).
func sameErr(got, want error) bool {
	if want == nil {
		return got == nil
	}
	return errors.Is(got, want)
}

package zbuf

import "sync"

// defaultPool is the Pool behind New, Make, FromString, FromBytes,
// MapFile and ReadFull: a Pool with the zero Config, made on first use and
// never closed. Make a Pool of your own to choose its Config or close it.
var defaultPool = sync.OnceValue(func() *Pool {
	p, err := NewPool(Config{})
	if err != nil {
		panic(err) // the zero Config is valid
	}
	return p
})

// New returns a buffer of length 0 and capacity size from the default
// Pool; see [Pool.Get].
func New(size int) (Buffer, error) { return defaultPool().Get(size) }

// Make returns a buffer of length and capacity n, every byte set to c, as
// the original's make does.
func Make(n int, c byte) (Buffer, error) {
	b, err := New(n)
	if err != nil {
		return Buffer{}, err
	}
	h := b.h
	h.n = n
	for i := range h.mem {
		h.mem[i] = c
	}
	return b, nil
}

// FromString returns a buffer holding a copy of s, of capacity len(s).
func FromString(s string) (Buffer, error) {
	b, err := New(len(s))
	if err != nil {
		return Buffer{}, err
	}
	b.h.n = copy(b.h.mem, s)
	return b, nil
}

// FromBytes returns a buffer holding a copy of p, of capacity len(p).
func FromBytes(p []byte) (Buffer, error) {
	b, err := New(len(p))
	if err != nil {
		return Buffer{}, err
	}
	b.h.n = copy(b.h.mem, p)
	return b, nil
}

// MapFile maps the file at path read-only with the default Pool; see
// [Pool.MapFile].
func MapFile(path string) (Buffer, error) { return defaultPool().MapFile(path) }

// DefaultStats returns the default Pool's figures (see [Pool.Stats]): the
// buffers that packages built on zbuf, such as frame, hold from it.
func DefaultStats() Stats { return defaultPool().Stats() }

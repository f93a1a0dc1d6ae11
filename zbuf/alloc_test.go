//go:build !race

// Built without -race: the race detector's instrumentation allocates.

package zbuf_test

import (
	"testing"

	"github.com/release-daemon/release/zbuf"
)

// TestZeroAllocs checks the promise of the package doc: once warm, the
// Pool's Get and Free and the Buffer methods that return no new memory
// allocate nothing.
func TestZeroAllocs(t *testing.T) {
	p := newPool(t, zbuf.Config{})
	b, _ := p.Get(64 << 10)
	defer b.Free()
	_ = b.AppendString("hello, world")
	dst, _ := p.Get(64 << 10)
	defer dst.Free()
	small := make([]byte, 16)
	var sink int
	tests := []struct {
		name string
		f    func()
	}{
		{"Get+Free 64K", func() {
			c, _ := p.Get(64 << 10)
			_ = c.Free()
		}},
		{"Get+Put 4K", func() {
			c, _ := p.Get(4096)
			_ = p.Put(c)
		}},
		{"Get+Free 0", func() {
			c, _ := p.Get(0)
			_ = c.Free()
		}},
		{"Sub+Free", func() { _ = b.Sub(1, 4).Free() }},
		{"At Set Len Cap", func() { _ = b.Set(0, b.At(1)); sink += b.Len() + b.Cap() }},
		{"Append", func() {
			dst.Reset()
			_ = dst.Append(small)
			_ = dst.AppendString("abc")
			_ = dst.AppendByte('x')
			_ = dst.AppendBuffer(b)
		}},
		{"Blit", func() { _ = zbuf.Blit(b, 0, dst, 5, 10) }},
		{"Index Bytes", func() { sink += b.Index('w') + b.IndexFrom(3, 'o') + len(b.Bytes()) }},
		{"ReadAt", func() { n, _ := b.ReadAt(small, 2); sink += n }},
		{"Wipe Reset Err", func() { _ = dst.Wipe(); dst.Reset(); _ = dst.Err() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(1000, tt.f); n != 0 {
				t.Errorf("%v allocations per run, want 0", n)
			}
		})
	}
	_ = sink
}

package fuzz

import (
	"testing"

	gofuzz "github.com/google/gofuzz"

	"github.com/release-daemon/release/internal/zbuftest"
	"github.com/release-daemon/release/zbuf"
)

// zbufOp is one operation as gofuzz builds it from the fuzzer's bytes;
// zbuftest.Harness.Normalize brings its fields near the valid range.
type zbufOp struct {
	Kind    uint8
	I, J    uint8
	A, B, C int32
	Data    []byte
}

// FuzzZbufOps decodes a sequence of up to 64 Buffer operations from the
// input (New, Make, FromString, FromBytes, the appends, Set, At, Sub,
// Blit, Index, IndexFrom, Reset, Wipe, ReadAt, Free), runs it on buffers
// of a fresh Pool and on the plain-[]byte model of package zbuftest, and
// fails at the first difference: a result, an error, a panic where the
// model expects none (or none where it expects one: out of range, use
// after Free), or any live buffer's length, capacity or bytes. At the end
// every buffer is freed and the Pool must have nothing in use and nothing
// leaked. The Pool (small slabs, a small retained budget, so that trimming
// and unmapping happen) is shared by the runs of one process, so that a
// run does not pay for mapping fresh memory.
func FuzzZbufOps(f *testing.F) {
	p, err := zbuf.NewPool(zbuf.Config{SlabSize: 1 << 20, MaxRetained: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		_ = p.Close()
		if st := p.Stats(); st.Mappings != 0 || st.Mapped != 0 {
			f.Errorf("Pool closed with every buffer freed: %+v", st)
		}
	})
	f.Add([]byte{})
	f.Add([]byte("\x00\x10\x00\x00\x05hello"))
	f.Add([]byte("zbuf: views, blits and frees across view boundaries, with growth"))
	f.Add(make([]byte, 256))
	for i := range 8 {
		seed := make([]byte, 128)
		for j := range seed {
			seed[j] = byte(i*37 + j*11)
		}
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var ops []zbufOp
		gofuzz.NewFromGoFuzz(in).NilChance(0).NumElements(0, 64).Fuzz(&ops)
		h := &zbuftest.Harness{Pool: p}
		for _, o := range ops {
			op := h.Normalize(zbuftest.Op{Kind: zbuftest.Kind(o.Kind), I: int(o.I), J: int(o.J),
				A: int(o.A), B: int(o.B), C: int(o.C), Data: o.Data})
			if err := h.Step(op); err != nil {
				t.Fatal(err)
			}
		}
		if err := h.Close(); err != nil { // frees all, checks InUse is 0
			t.Fatal(err)
		}
		if st := p.Stats(); st.Leaked != 0 {
			t.Fatalf("%d buffers leaked", st.Leaked)
		}
	})
}

package zbuf_test

import (
	"errors"
	"testing"

	"github.com/release-daemon/release/internal/zbuftest"
	"github.com/release-daemon/release/zbuf"
)

func TestModelViews(t *testing.T) {
	runModel(t, []modelCase{
		{"Sub shares memory", []zbuftest.Op{opFromString("abcdef"), opSub(0, 2, 3), opSet(1, 0, 'X'), opSet(0, 4, 'Y')}},
		{"Sub of Sub", []zbuftest.Op{opFromString("abcdef"), opSub(0, 1, 4), opSub(1, 1, 2), opSet(2, 1, 'Z')}},
		{"Sub empty", []zbuftest.Op{opFromString("abc"), opSub(0, 3, 0), opSub(0, 0, 0)}},
		{"Sub of empty buffer", []zbuftest.Op{opNew(0), opSub(0, 0, 0)}},
		{"Sub out of range", []zbuftest.Op{opFromString("abc"), opSub(0, 2, 2)}},
		{"Sub past length within cap", []zbuftest.Op{opNew(10), opAppend(0, "ab"), opSub(0, 0, 3)}},
		{"Sub negative", []zbuftest.Op{opFromString("abc"), opSub(0, -1, 1), opSub(0, 1, -1)}},
		{"view grows away", []zbuftest.Op{opFromString("abcdef"), opSub(0, 1, 2), opAppend(1, "xyz"), opSet(0, 1, 'Q')}},
		{"parent grows away", []zbuftest.Op{opFromString("abc"), opSub(0, 0, 2), opAppend(0, "defg"), opSet(0, 0, 'Q')}},
		{"parent Reset overwrites view", []zbuftest.Op{opFromString("abcdef"), opSub(0, 2, 3), opReset(0), opAppend(0, "zz"), opSet(0, 4, '!')}},
		{"Free parent, view lives", []zbuftest.Op{opFromString("abcdef"), opSub(0, 1, 3), opFree(0), opSet(1, 0, 'v'), opAt(1, 2)}},
		{"Free view, parent lives", []zbuftest.Op{opFromString("abcdef"), opSub(0, 1, 3), opFree(1), opSet(0, 1, 'p'), opFree(1)}},
		{"Free all views in any order", []zbuftest.Op{opFromString("abcdef"), opSub(0, 0, 2), opSub(0, 2, 2), opSub(1, 1, 1),
			opFree(1), opFree(0), opAppendByte(3, '+'), opFree(3), opFree(2)}},
		{"Wipe through view", []zbuftest.Op{opFromString("abcdef"), opSub(0, 2, 2), opWipe(1)}},
	})
}

func TestModelBlit(t *testing.T) {
	runModel(t, []modelCase{
		{"between buffers", []zbuftest.Op{opFromString("hello"), opNew(10), opBlit(0, 1, 1, 0, 3)}},
		{"into gap", []zbuftest.Op{opFromString("hello"), opNew(10), opBlit(0, 0, 1, 4, 5)}},
		{"overwrite middle", []zbuftest.Op{opFromString("hello"), opFromString("0123456789"), opBlit(0, 0, 1, 3, 2)}},
		{"overlap forward", []zbuftest.Op{opFromString("abcdefgh"), opBlit(0, 0, 0, 2, 5)}},
		{"overlap backward", []zbuftest.Op{opFromString("abcdefgh"), opBlit(0, 2, 0, 0, 5)}},
		{"grow dst length in place", []zbuftest.Op{opNew(10), opAppend(0, "abcd"), opBlit(0, 0, 0, 3, 4)}},
		{"zero bytes", []zbuftest.Op{opFromString("ab"), opNew(1), opBlit(0, 2, 1, 1, 0)}},
		{"source out of range", []zbuftest.Op{opFromString("ab"), opNew(10), opBlit(0, 1, 1, 0, 2)}},
		{"destination past capacity", []zbuftest.Op{opFromString("ab"), opNew(3), opBlit(0, 0, 1, 2, 2)}},
		{"negative", []zbuftest.Op{opFromString("ab"), opNew(3), opBlit(0, -1, 1, 0, 1), opBlit(0, 0, 1, -1, 1), opBlit(0, 0, 1, 0, -1)}},
		{"view to parent across its boundary", []zbuftest.Op{opFromString("abcdefgh"), opSub(0, 2, 4), opBlit(1, 0, 0, 4, 4)}},
		{"parent to view", []zbuftest.Op{opFromString("abcdefgh"), opSub(0, 2, 4), opBlit(0, 0, 1, 1, 3)}},
		{"view to sibling view, overlapping", []zbuftest.Op{opFromString("abcdefgh"), opSub(0, 0, 6), opSub(0, 3, 5), opBlit(1, 0, 2, 1, 4)}},
		{"view past its capacity", []zbuftest.Op{opFromString("abcdefgh"), opSub(0, 2, 3), opBlit(0, 0, 1, 1, 3)}},
		{"AppendBuffer from view into parent gap", []zbuftest.Op{opFromString("abcdef"), opSub(0, 1, 4), opReset(0), opAppend(0, "xy"), opAppendBuffer(0, 1)}},
	})
}

// TestFreeWithLiveViews checks that the memory of a buffer stays in use
// while any view lives, whatever the order of the Frees, and returns to
// the Pool with the last one.
func TestFreeWithLiveViews(t *testing.T) {
	for _, order := range permutations(4) {
		p := newPool(t, zbuf.Config{})
		b, err := p.Get(64 << 10)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.AppendString("0123456789"); err != nil {
			t.Fatal(err)
		}
		mid := b.Sub(0, 10)
		bufs := []zbuf.Buffer{b, b.Sub(2, 5), mid, mid.Sub(8, 2)}
		for k, i := range order {
			if got := p.Stats().InUse; got != 64<<10 {
				t.Fatalf("order %v, before Free %d: InUse %d, want %d", order, k, got, 64<<10)
			}
			for _, j := range order[k:] { // the survivors still read their bytes
				_ = bufs[j].String()
			}
			if err := bufs[i].Free(); err != nil {
				t.Fatalf("order %v: Free(%d): %v", order, i, err)
			}
			if err := bufs[i].Free(); !errors.Is(err, zbuf.ErrFreed) {
				t.Fatalf("order %v: second Free(%d) = %v, want ErrFreed", order, i, err)
			}
		}
		if got := p.Stats().InUse; got != 0 {
			t.Fatalf("order %v: InUse %d after the last Free, want 0", order, got)
		}
	}
}

func TestViewsSurvivePoolClose(t *testing.T) {
	p := newPool(t, zbuf.Config{})
	b, err := p.Get(100)
	if err != nil {
		t.Fatal(err)
	}
	_ = b.AppendString("still here")
	v := b.Sub(6, 4)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Get(1); !errors.Is(err, zbuf.ErrClosed) {
		t.Fatalf("Get after Close: %v, want ErrClosed", err)
	}
	if err := b.Append(make([]byte, 200)); !errors.Is(err, zbuf.ErrClosed) {
		t.Fatalf("growing after Close: %v, want ErrClosed", err)
	}
	w := v.Sub(0, 2) // views can still be made
	if err := b.Free(); err != nil {
		t.Fatal(err)
	}
	if v.String() != "here" || w.String() != "he" {
		t.Fatalf("views read %q %q after Close and the parent's Free", v.String(), w.String())
	}
	if st := p.Stats(); st.Mappings != 1 {
		t.Fatalf("Mappings %d with a view alive after Close, want 1", st.Mappings)
	}
	_ = v.Free()
	_ = w.Free()
	if st := p.Stats(); st.Mappings != 0 || st.Mapped != 0 || st.InUse != 0 {
		t.Fatalf("after the last Free: %+v, want nothing mapped", st)
	}
	if err := p.Close(); !errors.Is(err, zbuf.ErrClosed) {
		t.Fatalf("second Close: %v, want ErrClosed", err)
	}
}

// permutations returns every order of 0..n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

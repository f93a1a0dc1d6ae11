package zbuf_test

import (
	"testing"

	"github.com/release-daemon/release/internal/zbuftest"
	"github.com/release-daemon/release/zbuf"
)

// Readable constructors for the steps of the model tables.
func opNew(c int) zbuftest.Op          { return zbuftest.Op{Kind: zbuftest.OpNew, A: c} }
func opMake(n int, c byte) zbuftest.Op { return zbuftest.Op{Kind: zbuftest.OpMake, A: n, B: int(c)} }
func opFromString(s string) zbuftest.Op {
	return zbuftest.Op{Kind: zbuftest.OpFromString, Data: []byte(s)}
}
func opFromBytes(s string) zbuftest.Op {
	return zbuftest.Op{Kind: zbuftest.OpFromBytes, Data: []byte(s)}
}
func opAppendByte(i int, c byte) zbuftest.Op {
	return zbuftest.Op{Kind: zbuftest.OpAppendByte, I: i, B: int(c)}
}
func opAppend(i int, s string) zbuftest.Op {
	return zbuftest.Op{Kind: zbuftest.OpAppend, I: i, Data: []byte(s)}
}
func opAppendString(i int, s string) zbuftest.Op {
	return zbuftest.Op{Kind: zbuftest.OpAppendString, I: i, Data: []byte(s)}
}
func opWrite(i int, s string) zbuftest.Op {
	return zbuftest.Op{Kind: zbuftest.OpWrite, I: i, Data: []byte(s)}
}
func opAppendBuffer(dst, src int) zbuftest.Op {
	return zbuftest.Op{Kind: zbuftest.OpAppendBuffer, I: dst, J: src}
}
func opSet(i, at int, c byte) zbuftest.Op {
	return zbuftest.Op{Kind: zbuftest.OpSet, I: i, A: at, B: int(c)}
}
func opAt(i, at int) zbuftest.Op        { return zbuftest.Op{Kind: zbuftest.OpAt, I: i, A: at} }
func opSub(i, off, n int) zbuftest.Op   { return zbuftest.Op{Kind: zbuftest.OpSub, I: i, A: off, B: n} }
func opIndex(i int, c byte) zbuftest.Op { return zbuftest.Op{Kind: zbuftest.OpIndex, I: i, B: int(c)} }
func opIndexFrom(i, from int, c byte) zbuftest.Op {
	return zbuftest.Op{Kind: zbuftest.OpIndexFrom, I: i, A: from, B: int(c)}
}
func opReset(i int) zbuftest.Op { return zbuftest.Op{Kind: zbuftest.OpReset, I: i} }
func opWipe(i int) zbuftest.Op  { return zbuftest.Op{Kind: zbuftest.OpWipe, I: i} }
func opReadAt(i, off, n int) zbuftest.Op {
	return zbuftest.Op{Kind: zbuftest.OpReadAt, I: i, A: off, B: n}
}
func opFree(i int) zbuftest.Op { return zbuftest.Op{Kind: zbuftest.OpFree, I: i} }
func opBlit(src, so, dst, do, n int) zbuftest.Op {
	return zbuftest.Op{Kind: zbuftest.OpBlit, I: src, A: so, J: dst, B: do, C: n}
}

// modelCase is a sequence of steps run on real buffers and on the model.
type modelCase struct {
	name  string
	steps []zbuftest.Op
}

// runModel runs each case twice: with a Pool of its own and with the
// default Pool (zbuf.New).
func runModel(t *testing.T, cases []modelCase) {
	t.Helper()
	for _, tc := range cases {
		for _, own := range []bool{true, false} {
			name := tc.name + "/default"
			if own {
				name = tc.name + "/pool"
			}
			t.Run(name, func(t *testing.T) {
				h := &zbuftest.Harness{}
				if own {
					h.Pool = newPool(t, zbuf.Config{})
				}
				for _, op := range tc.steps {
					if err := h.Step(op); err != nil {
						t.Fatal(err)
					}
				}
				if err := h.Close(); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestModelConstructors(t *testing.T) {
	runModel(t, []modelCase{
		{"New", []zbuftest.Op{opNew(10), opNew(0), opNew(4096), opNew(4097), opNew(1 << 20), opNew(5 << 20)}},
		{"New negative", []zbuftest.Op{opNew(-1)}},
		{"Make", []zbuftest.Op{opMake(5, 'x'), opMake(0, 'x'), opMake(70000, 0xff)}},
		{"Make negative", []zbuftest.Op{opMake(-3, 'x')}},
		{"FromString", []zbuftest.Op{opFromString("hello"), opFromString("")}},
		{"FromBytes", []zbuftest.Op{opFromBytes("hello\x00world"), opFromBytes("")}},
	})
}

func TestModelAppend(t *testing.T) {
	runModel(t, []modelCase{
		{"AppendByte within cap", []zbuftest.Op{opNew(4), opAppendByte(0, 'a'), opAppendByte(0, 'b')}},
		{"AppendByte grows", []zbuftest.Op{opNew(2), opAppendByte(0, 'a'), opAppendByte(0, 'b'), opAppendByte(0, 'c')}},
		{"AppendByte to empty", []zbuftest.Op{opNew(0), opAppendByte(0, 'a'), opAppendByte(0, 'b')}},
		{"Append", []zbuftest.Op{opNew(8), opAppend(0, "abc"), opAppend(0, "defgh"), opAppend(0, "")}},
		{"Append grows more than double", []zbuftest.Op{opNew(3), opAppend(0, "ab"), opAppend(0, "0123456789")}},
		{"Append large", []zbuftest.Op{opNew(100), opAppend(0, string(make([]byte, 9000)))}},
		{"AppendString", []zbuftest.Op{opNew(1), opAppendString(0, "xyz"), opAppendString(0, "")}},
		{"Write", []zbuftest.Op{opNew(4), opWrite(0, "abcdef"), opWrite(0, "")}},
		{"AppendBuffer", []zbuftest.Op{opFromString("ab"), opFromString("cd"), opAppendBuffer(0, 1)}},
		{"AppendBuffer self", []zbuftest.Op{opFromString("abc"), opAppendBuffer(0, 0), opAppendBuffer(0, 0)}},
		{"AppendBuffer empty", []zbuftest.Op{opFromString("ab"), opNew(0), opAppendBuffer(0, 1), opAppendBuffer(1, 0)}},
	})
}

func TestModelAccess(t *testing.T) {
	runModel(t, []modelCase{
		{"At", []zbuftest.Op{opFromString("abc"), opAt(0, 0), opAt(0, 2)}},
		{"At past length", []zbuftest.Op{opNew(10), opAppend(0, "abc"), opAt(0, 3)}},
		{"At negative", []zbuftest.Op{opFromString("abc"), opAt(0, -1)}},
		{"Set within length", []zbuftest.Op{opFromString("abc"), opSet(0, 1, 'X')}},
		{"Set extends length", []zbuftest.Op{opNew(10), opSet(0, 0, 'a'), opSet(0, 1, 'b')}},
		{"Set zeroes the gap", []zbuftest.Op{opMake(10, 'x'), opReset(0), opSet(0, 5, 'y')}},
		{"Set past capacity", []zbuftest.Op{opNew(4), opSet(0, 4, 'a')}},
		{"Set negative", []zbuftest.Op{opNew(4), opSet(0, -1, 'a')}},
		{"Index", []zbuftest.Op{opFromString("abcabc"), opIndex(0, 'c'), opIndex(0, 'z'), opIndex(0, 'a')}},
		{"Index empty", []zbuftest.Op{opNew(0), opIndex(0, 0)}},
		{"Index ignores bytes past length", []zbuftest.Op{opMake(8, 'q'), opReset(0), opAppend(0, "ab"), opIndex(0, 'q')}},
		{"IndexFrom", []zbuftest.Op{opFromString("abcabc"), opIndexFrom(0, 1, 'a'), opIndexFrom(0, 4, 'a'), opIndexFrom(0, 6, 'a')}},
		{"IndexFrom out of range", []zbuftest.Op{opFromString("abc"), opIndexFrom(0, 4, 'a')}},
		{"IndexFrom negative", []zbuftest.Op{opFromString("abc"), opIndexFrom(0, -1, 'a')}},
		{"Reset", []zbuftest.Op{opFromString("abc"), opReset(0), opAppend(0, "z")}},
		{"Wipe", []zbuftest.Op{opFromString("secret"), opSub(0, 1, 3), opWipe(0), opAppend(0, "ok")}},
		{"ReadAt", []zbuftest.Op{opFromString("hello"), opReadAt(0, 0, 5), opReadAt(0, 1, 2), opReadAt(0, 3, 10)}},
		{"ReadAt past end", []zbuftest.Op{opFromString("hello"), opReadAt(0, 5, 1), opReadAt(0, 99, 1), opReadAt(0, 0, 0)}},
		{"ReadAt negative", []zbuftest.Op{opFromString("hello"), opReadAt(0, -1, 2)}},
	})
}

func TestModelFree(t *testing.T) {
	runModel(t, []modelCase{
		{"Free twice", []zbuftest.Op{opNew(8), opFree(0), opFree(0)}},
		{"use after Free", []zbuftest.Op{opFromString("abc"), opFree(0), opAt(0, 0), opAppend(0, "x"),
			opSet(0, 0, 'a'), opIndex(0, 'a'), opReset(0), opWipe(0), opReadAt(0, 0, 1), opSub(0, 0, 1)}},
		{"Blit after Free", []zbuftest.Op{opFromString("abc"), opFromString("def"), opFree(1), opBlit(0, 0, 1, 0, 1), opBlit(1, 0, 0, 0, 1)}},
		{"AppendBuffer after Free", []zbuftest.Op{opFromString("abc"), opFromString("d"), opFree(1), opAppendBuffer(0, 1), opAppendBuffer(1, 0)}},
		{"Free reused slot stays stale", []zbuftest.Op{opNew(8), opFree(0), opNew(8), opAppend(1, "x"), opAt(0, 0), opFree(0)}},
	})
}

package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/release-daemon/release/endian"
	"github.com/release-daemon/release/u128"
)

// FuzzEndianReader runs a program of Reader calls over untrusted bytes, in
// both byte orders. The input's first byte is the program's length; the
// program's bytes follow, and the rest is the data the Reader reads. Each
// program byte is an opcode (low 4 bits) and an argument (high 4 bits); see
// endianCount.
//
// Checks: no panic; every read that fits returns what encoding/binary
// decodes at the same offset (Bytes returns a view of exactly those bytes);
// the first read that does not fit, or a negative count, returns zero,
// consumes nothing and sets Err, and from then on every call returns zero
// and Err keeps that first error; Offset and Len always agree with the
// bytes consumed and never leave the input. Then the values read are
// written back with a Writer of the same order: the result must equal the
// bytes consumed, and reading it again must give the same values.
func FuzzEndianReader(f *testing.F) {
	data := make([]byte, 64)
	for i := range data {
		data[i] = byte(0xf0 - 3*i)
	}
	seed := func(program []byte) []byte {
		return append(append([]byte{byte(len(program))}, program...), data...)
	}
	f.Add([]byte{})
	f.Add(seed(nil))
	f.Add(seed([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8}))          // every getter
	f.Add(seed([]byte{0x39, 0x2a, 8, 8, 8, 8, 6}))          // Bytes(3), Skip(2), then past the end
	f.Add(seed([]byte{2, 0x0b, 2}))                         // a negative count
	f.Add(seed([]byte{0x1d, 0}))                            // Bytes(256): short
	f.Add(seed([]byte{0x0f, 0}))                            // Bytes(MaxInt)
	f.Add(append([]byte{3, 6, 6, 6}, data[:20]...))         // cut inside the third Uint64
	f.Add(append([]byte{4, 8, 0x0c, 0xf9, 0}, data[:8]...)) // short Uint128, then more
	f.Fuzz(func(t *testing.T, in []byte) {
		var program []byte
		if len(in) > 0 {
			n := min(int(in[0]), len(in)-1)
			program, in = in[1:1+n], in[1+n:]
		}
		for _, o := range endianOrders {
			endianCheck(t, o.ours, o.std, program, in)
		}
	})
}

var endianOrders = []struct {
	ours endian.ByteOrder
	std  binary.ByteOrder
}{
	{endian.Big, binary.BigEndian},
	{endian.Little, binary.LittleEndian},
}

// Opcodes 0 to 8 are the getters; the others are Bytes and Skip with the
// counts endianCount gives.
const (
	endianOpUint8 = iota
	endianOpInt8
	endianOpUint16
	endianOpInt16
	endianOpUint32
	endianOpInt32
	endianOpUint64
	endianOpInt64
	endianOpUint128
	endianOpBytes    // Bytes(arg)
	endianOpSkip     // Skip(arg)
	endianOpBytesNeg // Bytes(-1-arg)
	endianOpSkipNeg  // Skip(-1-arg)
	endianOpBytesBig // Bytes(arg<<8)
	endianOpSkipBig  // Skip(arg<<8)
	endianOpBytesMax // Bytes(MaxInt-arg)
)

// endianCount returns the number of bytes op asks for.
func endianCount(op, arg int) int {
	switch op {
	case endianOpUint8, endianOpInt8:
		return 1
	case endianOpUint16, endianOpInt16:
		return 2
	case endianOpUint32, endianOpInt32:
		return 4
	case endianOpUint64, endianOpInt64:
		return 8
	case endianOpUint128:
		return 16
	case endianOpBytes, endianOpSkip:
		return arg
	case endianOpBytesNeg, endianOpSkipNeg:
		return -1 - arg
	case endianOpBytesBig, endianOpSkipBig:
		return arg << 8
	}
	return math.MaxInt - arg
}

// endianIsBytes reports whether op calls Bytes.
func endianIsBytes(op int) bool {
	return op == endianOpBytes || op == endianOpBytesNeg || op == endianOpBytesBig || op == endianOpBytesMax
}

// endianStep is one successful read: its opcode, the value (integers
// sign- or zero-extended into Lo) and the bytes it consumed.
type endianStep struct {
	op  int
	v   u128.Uint128
	raw []byte
}

func endianCheck(t *testing.T, order endian.ByteOrder, std binary.ByteOrder, program, in []byte) {
	r := order.NewReader(in)
	off := 0
	var wantErr error
	var steps []endianStep
	for i, c := range program {
		op, arg := int(c&15), int(c>>4)
		n := endianCount(op, arg)
		got, view := endianGet(&r, op, n)
		want, wantView := u128.Uint128{}, []byte(nil)
		switch {
		case wantErr != nil:
		case n < 0:
			wantErr = endian.ErrNegativeCount
		case n > len(in)-off:
			wantErr = io.ErrUnexpectedEOF
		default:
			raw := in[off : off+n]
			want = endianDecode(std, op, raw)
			if endianIsBytes(op) {
				wantView = raw
			}
			steps = append(steps, endianStep{op, want, raw})
			off += n
		}
		if got != want {
			t.Fatalf("%v: step %d (op %d, count %d) = %#v, want %#v", order, i, op, n, got, want)
		}
		if (view == nil) != (wantView == nil) || !bytes.Equal(view, wantView) ||
			len(view) > 0 && (&view[0] != &wantView[0] || cap(view) != len(view)) {
			t.Fatalf("%v: step %d (op %d, count %d) returned % x (cap %d), want a view of % x",
				order, i, op, n, view, cap(view), wantView)
		}
		if r.Offset() != off || r.Len() != len(in)-off || r.Offset() > len(in) {
			t.Fatalf("%v: after step %d: Offset %d, Len %d; want %d, %d", order, i, r.Offset(), r.Len(), off, len(in)-off)
		}
		if r.Err() != wantErr {
			t.Fatalf("%v: after step %d: Err %v, want %v", order, i, r.Err(), wantErr)
		}
	}
	if wantErr != nil && !errors.Is(wantErr, io.ErrUnexpectedEOF) && !errors.Is(wantErr, endian.ErrNegativeCount) {
		t.Fatalf("%v: unexpected error %v", order, wantErr)
	}
	endianRoundTrip(t, order, steps, in[:off])
}

// endianRoundTrip writes steps back with a Writer, compares the result with
// the bytes they were read from, and reads it again.
func endianRoundTrip(t *testing.T, order endian.ByteOrder, steps []endianStep, consumed []byte) {
	w := order.NewWriter(nil)
	for _, s := range steps {
		endianPut(&w, s)
	}
	if !bytes.Equal(w.Bytes(), consumed) {
		t.Fatalf("%v: writing back gives % x, want % x", order, w.Bytes(), consumed)
	}
	r := order.NewReader(w.Bytes())
	for i, s := range steps {
		got, view := endianGet(&r, s.op, len(s.raw))
		if got != s.v || (endianIsBytes(s.op) && !bytes.Equal(view, s.raw)) {
			t.Fatalf("%v: read back step %d (op %d) = %#v, % x; want %#v, % x", order, i, s.op, got, view, s.v, s.raw)
		}
	}
	if r.Err() != nil || r.Len() != 0 {
		t.Fatalf("%v: read back: Err %v, Len %d", order, r.Err(), r.Len())
	}
}

// endianGet calls the Reader method for op. Bytes ops return their view;
// Skip ops return nil.
func endianGet(r *endian.Reader, op, n int) (u128.Uint128, []byte) {
	switch op {
	case endianOpUint8:
		return u128.From64(uint64(r.Uint8())), nil
	case endianOpInt8:
		return u128.From64(uint64(r.Int8())), nil
	case endianOpUint16:
		return u128.From64(uint64(r.Uint16())), nil
	case endianOpInt16:
		return u128.From64(uint64(r.Int16())), nil
	case endianOpUint32:
		return u128.From64(uint64(r.Uint32())), nil
	case endianOpInt32:
		return u128.From64(uint64(r.Int32())), nil
	case endianOpUint64:
		return u128.From64(r.Uint64()), nil
	case endianOpInt64:
		return u128.From64(uint64(r.Int64())), nil
	case endianOpUint128:
		return r.Uint128(), nil
	case endianOpSkip, endianOpSkipNeg, endianOpSkipBig:
		r.Skip(n)
		return u128.Uint128{}, nil
	}
	return u128.Uint128{}, r.Bytes(n)
}

// endianDecode is what op must return for the bytes p, computed with
// encoding/binary alone.
func endianDecode(std binary.ByteOrder, op int, p []byte) u128.Uint128 {
	switch op {
	case endianOpUint8:
		return u128.From64(uint64(p[0]))
	case endianOpInt8:
		return u128.From64(uint64(int8(p[0])))
	case endianOpUint16:
		return u128.From64(uint64(std.Uint16(p)))
	case endianOpInt16:
		return u128.From64(uint64(int16(std.Uint16(p))))
	case endianOpUint32:
		return u128.From64(uint64(std.Uint32(p)))
	case endianOpInt32:
		return u128.From64(uint64(int32(std.Uint32(p))))
	case endianOpUint64:
		return u128.From64(std.Uint64(p))
	case endianOpInt64:
		return u128.From64(std.Uint64(p))
	case endianOpUint128:
		if std == binary.BigEndian {
			return u128.New(std.Uint64(p[8:]), std.Uint64(p))
		}
		return u128.New(std.Uint64(p), std.Uint64(p[8:]))
	}
	return u128.Uint128{}
}

// endianPut writes s back with the Writer method for its opcode; Bytes and
// Skip write the bytes they consumed.
func endianPut(w *endian.Writer, s endianStep) {
	switch s.op {
	case endianOpUint8:
		w.Uint8(uint8(s.v.Lo))
	case endianOpInt8:
		w.Int8(int8(s.v.Lo))
	case endianOpUint16:
		w.Uint16(uint16(s.v.Lo))
	case endianOpInt16:
		w.Int16(int16(s.v.Lo))
	case endianOpUint32:
		w.Uint32(uint32(s.v.Lo))
	case endianOpInt32:
		w.Int32(int32(s.v.Lo))
	case endianOpUint64:
		w.Uint64(s.v.Lo)
	case endianOpInt64:
		w.Int64(int64(s.v.Lo))
	case endianOpUint128:
		w.Uint128(s.v)
	default:
		w.Write(s.raw)
	}
}

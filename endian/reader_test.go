package endian_test

import (
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/release-daemon/release/endian"
	"github.com/release-daemon/release/u128"
)

// orders pairs each of our orders with encoding/binary's.
var orders = []struct {
	name string
	ours endian.ByteOrder
	std  binary.ByteOrder
}{
	{name: "Big", ours: endian.Big, std: binary.BigEndian},
	{name: "Little", ours: endian.Little, std: binary.LittleEndian},
}

// view is what a Bytes op returned, in a comparable form.
type view struct {
	s     string
	isNil bool
}

// readOp is one step of a read program: read calls the Reader, want decodes
// the same bytes independently, and zero is what read must return after
// an error.
type readOp struct {
	name  string
	width int
	read  func(r *endian.Reader) any
	want  func(o binary.ByteOrder, b []byte) any
	zero  any
}

// program mixes every getter, including Bytes and Skip; its width is 51.
var program = []readOp{
	{"Uint8", 1, func(r *endian.Reader) any { return r.Uint8() }, func(_ binary.ByteOrder, b []byte) any { return b[0] }, uint8(0)},
	{"Int16", 2, func(r *endian.Reader) any { return r.Int16() }, func(o binary.ByteOrder, b []byte) any { return int16(o.Uint16(b)) }, int16(0)},
	{"Uint32", 4, func(r *endian.Reader) any { return r.Uint32() }, func(o binary.ByteOrder, b []byte) any { return o.Uint32(b) }, uint32(0)},
	{"Bytes(3)", 3, func(r *endian.Reader) any { p := r.Bytes(3); return view{string(p), p == nil} }, func(_ binary.ByteOrder, b []byte) any { return view{string(b[:3]), false} }, view{"", true}},
	{"Int64", 8, func(r *endian.Reader) any { return r.Int64() }, func(o binary.ByteOrder, b []byte) any { return int64(o.Uint64(b)) }, int64(0)},
	{"Int8", 1, func(r *endian.Reader) any { return r.Int8() }, func(_ binary.ByteOrder, b []byte) any { return int8(b[0]) }, int8(0)},
	{"Uint16", 2, func(r *endian.Reader) any { return r.Uint16() }, func(o binary.ByteOrder, b []byte) any { return o.Uint16(b) }, uint16(0)},
	{"Skip(2)", 2, func(r *endian.Reader) any { r.Skip(2); return nil }, func(binary.ByteOrder, []byte) any { return nil }, nil},
	{"Uint128", 16, func(r *endian.Reader) any { return r.Uint128() }, want128, u128.Uint128{}},
	{"Int32", 4, func(r *endian.Reader) any { return r.Int32() }, func(o binary.ByteOrder, b []byte) any { return int32(o.Uint32(b)) }, int32(0)},
	{"Uint64", 8, func(r *endian.Reader) any { return r.Uint64() }, func(o binary.ByteOrder, b []byte) any { return o.Uint64(b) }, uint64(0)},
	{"Bytes(0)", 0, func(r *endian.Reader) any { p := r.Bytes(0); return view{string(p), p == nil} }, func(binary.ByteOrder, []byte) any { return view{"", false} }, view{"", true}},
}

// want128 decodes a Uint128 with two 64-bit calls of o.
func want128(o binary.ByteOrder, b []byte) any {
	if o == binary.BigEndian {
		return u128.New(o.Uint64(b[8:]), o.Uint64(b))
	}
	return u128.New(o.Uint64(b), o.Uint64(b[8:]))
}

// TestReaderEveryCut runs program over every prefix of its input: each read
// that fits returns the value encoding/binary decodes; the first that does
// not, and every read after it, returns zero, consumes nothing and leaves
// io.ErrUnexpectedEOF in Err.
func TestReaderEveryCut(t *testing.T) {
	total := 0
	for _, op := range program {
		total += op.width
	}
	rng := newRand()
	var input []byte
	for len(input) < total {
		input = append(input, randomBytes(rng)...)
	}
	input = input[:total]
	for _, o := range orders {
		for cut := 0; cut <= total; cut++ {
			r := o.ours.NewReader(input[:cut])
			consumed, failed := 0, false
			for i, op := range program {
				want := op.zero
				if !failed && consumed+op.width <= cut {
					want = op.want(o.std, input[consumed:])
					consumed += op.width
				} else {
					failed = true
				}
				if got := op.read(&r); got != want {
					t.Fatalf("%s, cut %d, op %d %s = %#v, want %#v", o.name, cut, i, op.name, got, want)
				}
				if r.Offset() != consumed || r.Len() != cut-consumed {
					t.Fatalf("%s, cut %d, after op %d %s: Offset %d, Len %d, want %d, %d",
						o.name, cut, i, op.name, r.Offset(), r.Len(), consumed, cut-consumed)
				}
				if wantErr := errIf(failed, io.ErrUnexpectedEOF); r.Err() != wantErr {
					t.Fatalf("%s, cut %d, after op %d %s: Err = %v, want %v", o.name, cut, i, op.name, r.Err(), wantErr)
				}
			}
			if failed != (cut < total) {
				t.Fatalf("%s, cut %d: failed = %v", o.name, cut, failed)
			}
		}
	}
}

// errIf returns err if cond holds, else nil.
func errIf(cond bool, err error) error {
	if cond {
		return err
	}
	return nil
}

// TestReaderSticky checks that after a short read, a smaller read that would
// fit still returns zero.
func TestReaderSticky(t *testing.T) {
	r := endian.Little.NewReader([]byte{1, 2, 3})
	if v := r.Uint32(); v != 0 || !errors.Is(r.Err(), io.ErrUnexpectedEOF) {
		t.Fatalf("Uint32 of 3 bytes = %d, %v", v, r.Err())
	}
	if v := r.Uint8(); v != 0 {
		t.Errorf("Uint8 after error = %d, want 0", v)
	}
	if p := r.Bytes(1); p != nil {
		t.Errorf("Bytes(1) after error = %v, want nil", p)
	}
	if p := r.Bytes(0); p != nil {
		t.Errorf("Bytes(0) after error = %v, want nil", p)
	}
	r.Skip(-1) // the first error stays
	if r.Offset() != 0 || r.Len() != 3 || r.Err() != io.ErrUnexpectedEOF {
		t.Errorf("after error: Offset %d, Len %d, Err %v; want 0, 3, %v", r.Offset(), r.Len(), r.Err(), io.ErrUnexpectedEOF)
	}
}

func TestReaderNegativeCount(t *testing.T) {
	tests := []struct {
		name string
		call func(r *endian.Reader) []byte
	}{
		{name: "Bytes", call: func(r *endian.Reader) []byte { return r.Bytes(-1) }},
		{name: "Skip", call: func(r *endian.Reader) []byte { r.Skip(-1 << 62); return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := endian.Big.NewReader([]byte{1, 2, 3, 4})
			r.Uint8()
			if p := tt.call(&r); p != nil {
				t.Errorf("returned %v, want nil", p)
			}
			if !errors.Is(r.Err(), endian.ErrNegativeCount) {
				t.Errorf("Err = %v, want ErrNegativeCount", r.Err())
			}
			if v := r.Uint16(); v != 0 || r.Offset() != 1 || r.Len() != 3 {
				t.Errorf("after error: Uint16 %d, Offset %d, Len %d; want 0, 1, 3", v, r.Offset(), r.Len())
			}
			r.Skip(100) // the first error stays
			if !errors.Is(r.Err(), endian.ErrNegativeCount) {
				t.Errorf("Err after a later short read = %v, want ErrNegativeCount", r.Err())
			}
		})
	}
}

// TestReaderBytesView checks that Bytes aliases the input and that its
// capacity stops at its length.
func TestReaderBytesView(t *testing.T) {
	input := []byte("abcdefgh")
	r := endian.Big.NewReader(input)
	r.Skip(2)
	p := r.Bytes(3)
	if string(p) != "cde" || cap(p) != 3 {
		t.Fatalf("Bytes(3) = %q with cap %d, want \"cde\" with cap 3", p, cap(p))
	}
	input[2] = 'C'
	if p[0] != 'C' {
		t.Errorf("Bytes is a copy: input changed to %q, view is %q", input, p)
	}
	p[1] = 'D'
	if input[3] != 'D' {
		t.Errorf("Bytes is a copy: view changed to %q, input is %q", p, input)
	}
	_ = append(p, 'x')
	if input[5] != 'f' {
		t.Errorf("append to the view overwrote the input: %q", input)
	}
	if rest := r.Bytes(r.Len()); string(rest) != "fgh" || r.Err() != nil {
		t.Errorf("Bytes(Len()) = %q, %v", rest, r.Err())
	}
}

func TestReaderZeroValue(t *testing.T) {
	var r endian.Reader
	if p := r.Bytes(0); len(p) != 0 || r.Err() != nil {
		t.Errorf("Bytes(0) = %v, %v; want empty, nil", p, r.Err())
	}
	if v := r.Uint128(); !v.IsZero() || r.Err() != io.ErrUnexpectedEOF {
		t.Errorf("Uint128 = %v, Err %v; want 0, %v", v, r.Err(), io.ErrUnexpectedEOF)
	}
}

// TestReaderCopyLooksAhead checks that a copied Reader keeps its own
// position.
func TestReaderCopyLooksAhead(t *testing.T) {
	r := endian.Little.NewReader([]byte{1, 0, 2, 0})
	peek := r
	if v := peek.Uint16(); v != 1 {
		t.Fatalf("peek.Uint16 = %d", v)
	}
	if r.Offset() != 0 {
		t.Errorf("reading a copy moved the original to %d", r.Offset())
	}
}

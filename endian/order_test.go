package endian_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/release-daemon/release/endian"
	"github.com/release-daemon/release/u128"
)

// Both orders can stand in for encoding/binary's.
var (
	_ binary.ByteOrder       = endian.Big
	_ binary.AppendByteOrder = endian.Little
	_ endian.ByteOrder       = endian.Little
)

// ascending is 01 02 ... 10; descending is ff fe ... f0, which sets the sign
// bit of every signed width in both orders.
var (
	ascending  = []byte{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10}
	descending = []byte{0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8, 0xf7, 0xf6, 0xf5, 0xf4, 0xf3, 0xf2, 0xf1, 0xf0}
)

// codecCase checks one get/put/append triple of one order on one pattern.
type codecCase struct {
	name string
	run  func(t *testing.T)
}

// codecOf builds a codecCase: get(in) must be want, put(want) and
// append(want) must produce in[:width], and nothing else may change.
func codecOf[T comparable](name string, width int, in []byte, want T,
	get func([]byte) T, put func([]byte, T), app func([]byte, T) []byte) codecCase {
	return codecCase{name: name, run: func(t *testing.T) {
		if got := get(in); got != want {
			t.Errorf("get(% x) = %#v, want %#v", in[:width], got, want)
		}
		buf := bytes.Repeat([]byte{0xaa}, width+4)
		put(buf, want)
		if wantBuf := append(in[:width:width], 0xaa, 0xaa, 0xaa, 0xaa); !bytes.Equal(buf, wantBuf) {
			t.Errorf("put(%#v) = % x, want % x", want, buf, wantBuf)
		}
		prefix := []byte{0x55, 0x66}
		got := app(prefix, want)
		if wantApp := append([]byte{0x55, 0x66}, in[:width]...); !bytes.Equal(got, wantApp) {
			t.Errorf("append(55 66, %#v) = % x, want % x", want, got, wantApp)
		}
		if back := get(got[len(prefix):]); back != want {
			t.Errorf("get(append(%#v)) = %#v", want, back)
		}
	}}
}

func TestKnownPatterns(t *testing.T) {
	b, l := endian.Big, endian.Little
	a, d := ascending, descending
	cases := []codecCase{
		codecOf("Big/Uint16/asc", 2, a, uint16(0x0102), b.Uint16, b.PutUint16, b.AppendUint16),
		codecOf("Big/Uint16/desc", 2, d, uint16(0xfffe), b.Uint16, b.PutUint16, b.AppendUint16),
		codecOf("Big/Int16/asc", 2, a, int16(0x0102), b.Int16, b.PutInt16, b.AppendInt16),
		codecOf("Big/Int16/desc", 2, d, int16(-2), b.Int16, b.PutInt16, b.AppendInt16),
		codecOf("Big/Uint32/asc", 4, a, uint32(0x01020304), b.Uint32, b.PutUint32, b.AppendUint32),
		codecOf("Big/Uint32/desc", 4, d, uint32(0xfffefdfc), b.Uint32, b.PutUint32, b.AppendUint32),
		codecOf("Big/Int32/asc", 4, a, int32(0x01020304), b.Int32, b.PutInt32, b.AppendInt32),
		codecOf("Big/Int32/desc", 4, d, int32(-0x00010204), b.Int32, b.PutInt32, b.AppendInt32),
		codecOf("Big/Uint64/asc", 8, a, uint64(0x0102030405060708), b.Uint64, b.PutUint64, b.AppendUint64),
		codecOf("Big/Uint64/desc", 8, d, uint64(0xfffefdfcfbfaf9f8), b.Uint64, b.PutUint64, b.AppendUint64),
		codecOf("Big/Int64/asc", 8, a, int64(0x0102030405060708), b.Int64, b.PutInt64, b.AppendInt64),
		codecOf("Big/Int64/desc", 8, d, int64(-0x0001020304050608), b.Int64, b.PutInt64, b.AppendInt64),
		codecOf("Big/Uint128/asc", 16, a, u128.New(0x090a0b0c0d0e0f10, 0x0102030405060708), b.Uint128, b.PutUint128, b.AppendUint128),
		codecOf("Big/Uint128/desc", 16, d, u128.New(0xf7f6f5f4f3f2f1f0, 0xfffefdfcfbfaf9f8), b.Uint128, b.PutUint128, b.AppendUint128),

		codecOf("Little/Uint16/asc", 2, a, uint16(0x0201), l.Uint16, l.PutUint16, l.AppendUint16),
		codecOf("Little/Uint16/desc", 2, d, uint16(0xfeff), l.Uint16, l.PutUint16, l.AppendUint16),
		codecOf("Little/Int16/asc", 2, a, int16(0x0201), l.Int16, l.PutInt16, l.AppendInt16),
		codecOf("Little/Int16/desc", 2, d, int16(-0x0101), l.Int16, l.PutInt16, l.AppendInt16),
		codecOf("Little/Uint32/asc", 4, a, uint32(0x04030201), l.Uint32, l.PutUint32, l.AppendUint32),
		codecOf("Little/Uint32/desc", 4, d, uint32(0xfcfdfeff), l.Uint32, l.PutUint32, l.AppendUint32),
		codecOf("Little/Int32/asc", 4, a, int32(0x04030201), l.Int32, l.PutInt32, l.AppendInt32),
		codecOf("Little/Int32/desc", 4, d, int32(-0x03020101), l.Int32, l.PutInt32, l.AppendInt32),
		codecOf("Little/Uint64/asc", 8, a, uint64(0x0807060504030201), l.Uint64, l.PutUint64, l.AppendUint64),
		codecOf("Little/Uint64/desc", 8, d, uint64(0xf8f9fafbfcfdfeff), l.Uint64, l.PutUint64, l.AppendUint64),
		codecOf("Little/Int64/asc", 8, a, int64(0x0807060504030201), l.Int64, l.PutInt64, l.AppendInt64),
		codecOf("Little/Int64/desc", 8, d, int64(-0x0706050403020101), l.Int64, l.PutInt64, l.AppendInt64),
		codecOf("Little/Uint128/asc", 16, a, u128.New(0x0807060504030201, 0x100f0e0d0c0b0a09), l.Uint128, l.PutUint128, l.AppendUint128),
		codecOf("Little/Uint128/desc", 16, d, u128.New(0xf8f9fafbfcfdfeff, 0xf0f1f2f3f4f5f6f7), l.Uint128, l.PutUint128, l.AppendUint128),
	}
	for _, c := range cases {
		t.Run(c.name, c.run)
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		order fmt.Stringer
		want  string
	}{
		{order: endian.Big, want: "BigEndian"},
		{order: endian.Little, want: "LittleEndian"},
	}
	for _, tt := range tests {
		if got := tt.order.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
		if got := fmt.Sprint(tt.order); got != tt.want {
			t.Errorf("fmt.Sprint = %q, want %q", got, tt.want)
		}
	}
}

// TestBinaryRead checks that Big and Little work as orders for
// encoding/binary's own functions.
func TestBinaryRead(t *testing.T) {
	var v struct {
		A uint16
		B int32
	}
	if err := binary.Read(bytes.NewReader(descending), endian.Little, &v); err != nil {
		t.Fatal(err)
	}
	if v.A != 0xfeff || v.B != int32(-0x05040303) {
		t.Errorf("binary.Read with Little = %#v", v)
	}
}

// TestShortPanics checks that every getter and putter of both orders panics
// on every slice shorter than its width, as encoding/binary does, and not
// on a slice of exactly that width.
func TestShortPanics(t *testing.T) {
	tests := []struct {
		name  string
		width int
		call  func(b []byte)
	}{
		{"Big.Uint16", 2, func(b []byte) { endian.Big.Uint16(b) }},
		{"Big.Int16", 2, func(b []byte) { endian.Big.Int16(b) }},
		{"Big.Uint32", 4, func(b []byte) { endian.Big.Uint32(b) }},
		{"Big.Int32", 4, func(b []byte) { endian.Big.Int32(b) }},
		{"Big.Uint64", 8, func(b []byte) { endian.Big.Uint64(b) }},
		{"Big.Int64", 8, func(b []byte) { endian.Big.Int64(b) }},
		{"Big.Uint128", 16, func(b []byte) { endian.Big.Uint128(b) }},
		{"Big.PutUint16", 2, func(b []byte) { endian.Big.PutUint16(b, 1) }},
		{"Big.PutInt16", 2, func(b []byte) { endian.Big.PutInt16(b, 1) }},
		{"Big.PutUint32", 4, func(b []byte) { endian.Big.PutUint32(b, 1) }},
		{"Big.PutInt32", 4, func(b []byte) { endian.Big.PutInt32(b, 1) }},
		{"Big.PutUint64", 8, func(b []byte) { endian.Big.PutUint64(b, 1) }},
		{"Big.PutInt64", 8, func(b []byte) { endian.Big.PutInt64(b, 1) }},
		{"Big.PutUint128", 16, func(b []byte) { endian.Big.PutUint128(b, u128.From64(1)) }},
		{"Little.Uint16", 2, func(b []byte) { endian.Little.Uint16(b) }},
		{"Little.Int16", 2, func(b []byte) { endian.Little.Int16(b) }},
		{"Little.Uint32", 4, func(b []byte) { endian.Little.Uint32(b) }},
		{"Little.Int32", 4, func(b []byte) { endian.Little.Int32(b) }},
		{"Little.Uint64", 8, func(b []byte) { endian.Little.Uint64(b) }},
		{"Little.Int64", 8, func(b []byte) { endian.Little.Int64(b) }},
		{"Little.Uint128", 16, func(b []byte) { endian.Little.Uint128(b) }},
		{"Little.PutUint16", 2, func(b []byte) { endian.Little.PutUint16(b, 1) }},
		{"Little.PutInt16", 2, func(b []byte) { endian.Little.PutInt16(b, 1) }},
		{"Little.PutUint32", 4, func(b []byte) { endian.Little.PutUint32(b, 1) }},
		{"Little.PutInt32", 4, func(b []byte) { endian.Little.PutInt32(b, 1) }},
		{"Little.PutUint64", 8, func(b []byte) { endian.Little.PutUint64(b, 1) }},
		{"Little.PutInt64", 8, func(b []byte) { endian.Little.PutInt64(b, 1) }},
		{"Little.PutUint128", 16, func(b []byte) { endian.Little.PutUint128(b, u128.From64(1)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if panics(func() { tt.call(make([]byte, tt.width)) }) {
				t.Errorf("panics on %d bytes", tt.width)
			}
			for n := range tt.width {
				if !panics(func() { tt.call(make([]byte, n)) }) {
					t.Errorf("does not panic on %d bytes", n)
				}
			}
		})
	}
}

// panics reports whether f panics.
func panics(f func()) (panicked bool) {
	defer func() { panicked = recover() != nil }()
	f()
	return false
}

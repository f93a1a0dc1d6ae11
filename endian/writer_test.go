package endian_test

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"testing"

	"github.com/release-daemon/release/endian"
	"github.com/release-daemon/release/u128"
)

var _ io.Writer = (*endian.Writer)(nil)

// record holds one value of every width, written and read in this order.
type record struct {
	u8   uint8
	i8   int8
	u16  uint16
	i16  int16
	u32  uint32
	i32  int32
	u64  uint64
	i64  int64
	u128 u128.Uint128
	raw  string
}

var records = []record{
	{},
	{1, -1, 0x0102, -2, 0x01020304, -3, 0x0102030405060708, -4, u128.New(5, 6), "x"},
	{math.MaxUint8, math.MinInt8, math.MaxUint16, math.MinInt16, math.MaxUint32, math.MinInt32,
		math.MaxUint64, math.MinInt64, u128.New(math.MaxUint64, math.MaxUint64), "raw bytes"},
	{0x80, math.MaxInt8, 0x8000, math.MaxInt16, 0x80000000, math.MaxInt32,
		1 << 63, math.MaxInt64, u128.New(0, 1<<63), ""},
}

func (rec record) write(w *endian.Writer) {
	w.Uint8(rec.u8)
	w.Int8(rec.i8)
	w.Uint16(rec.u16)
	w.Int16(rec.i16)
	w.Uint32(rec.u32)
	w.Int32(rec.i32)
	w.Uint64(rec.u64)
	w.Int64(rec.i64)
	w.Uint128(rec.u128)
	w.Uint8(uint8(len(rec.raw)))
	if n, err := w.Write([]byte(rec.raw)); n != len(rec.raw) || err != nil {
		panic(fmt.Sprintf("Write = %d, %v", n, err))
	}
}

func readRecord(r *endian.Reader) record {
	return record{
		u8: r.Uint8(), i8: r.Int8(), u16: r.Uint16(), i16: r.Int16(),
		u32: r.Uint32(), i32: r.Int32(), u64: r.Uint64(), i64: r.Int64(),
		u128: r.Uint128(), raw: string(r.Bytes(int(r.Uint8()))),
	}
}

// appendRecord encodes rec with the Append methods, for comparison.
func appendRecord(b []byte, o endian.ByteOrder, rec record) []byte {
	b = append(b, rec.u8, byte(rec.i8))
	b = o.AppendUint16(b, rec.u16)
	b = o.AppendUint16(b, uint16(rec.i16))
	b = o.AppendUint32(b, rec.u32)
	b = o.AppendUint32(b, uint32(rec.i32))
	b = o.AppendUint64(b, rec.u64)
	b = o.AppendUint64(b, uint64(rec.i64))
	b = o.AppendUint128(b, rec.u128)
	b = append(b, byte(len(rec.raw)))
	return append(b, rec.raw...)
}

func TestWriterRoundTrip(t *testing.T) {
	for _, o := range orders {
		t.Run(o.name, func(t *testing.T) {
			w := o.ours.NewWriter(nil)
			var want []byte
			for _, rec := range records {
				rec.write(&w)
				want = appendRecord(want, o.ours, rec)
			}
			if !bytes.Equal(w.Bytes(), want) || w.Len() != len(want) {
				t.Fatalf("Writer wrote % x (Len %d), Append methods % x", w.Bytes(), w.Len(), want)
			}
			r := o.ours.NewReader(w.Bytes())
			for i, rec := range records {
				if got := readRecord(&r); got != rec {
					t.Errorf("record %d read back as %+v, want %+v", i, got, rec)
				}
			}
			if r.Err() != nil || r.Len() != 0 {
				t.Errorf("after reading back: Err %v, Len %d", r.Err(), r.Len())
			}
		})
	}
}

func TestWriterKeepsPrefix(t *testing.T) {
	buf := make([]byte, 2, 64)
	buf[0], buf[1] = 'h', 'i'
	w := endian.Little.NewWriter(buf)
	w.Uint16(0x0201)
	fmt.Fprintf(&w, "!%d", 7)
	if got := string(w.Bytes()); got != "hi\x01\x02!7" || w.Len() != 6 {
		t.Fatalf("Bytes = %q, Len %d", got, w.Len())
	}
	if &w.Bytes()[0] != &buf[0] {
		t.Error("Writer did not append in place though buf had capacity")
	}
	w.Reset()
	if w.Len() != 0 || cap(w.Bytes()) != 64 {
		t.Fatalf("after Reset: Len %d, cap %d; want 0, 64", w.Len(), cap(w.Bytes()))
	}
	w.Uint8(9)
	if got := w.Bytes(); !bytes.Equal(got, []byte{9}) || &got[0] != &buf[0] {
		t.Errorf("after Reset, Uint8(9) gives % x, not in the old storage", got)
	}
}

func TestWriterZeroValueIsBig(t *testing.T) {
	var w endian.Writer
	w.Uint32(0x01020304)
	if got := w.Bytes(); !bytes.Equal(got, []byte{1, 2, 3, 4}) {
		t.Errorf("zero Writer Uint32 = % x, want 01 02 03 04", got)
	}
}

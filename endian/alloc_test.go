//go:build !race

// Built without -race: the race detector's instrumentation allocates.

package endian_test

import (
	"testing"

	"github.com/release-daemon/release/endian"
	"github.com/release-daemon/release/u128"
)

// Sinks keep the compiler from discarding the calls under test.
var (
	allocSink64  uint64
	allocSink128 u128.Uint128
	allocSinkBuf []byte
	allocSinkErr error
)

func TestZeroAllocs(t *testing.T) {
	src := make([]byte, 64)
	for i := range src {
		src[i] = byte(i * 7)
	}
	dst := make([]byte, 0, 64)
	put := make([]byte, 16)
	v128 := u128.New(1, 2)
	tests := []struct {
		name string
		f    func()
	}{
		{"Big getters", func() {
			b := endian.Big
			allocSink64 = uint64(b.Uint16(src)) + uint64(b.Int16(src)) + uint64(b.Uint32(src)) +
				uint64(b.Int32(src)) + b.Uint64(src) + uint64(b.Int64(src))
			allocSink128 = b.Uint128(src)
		}},
		{"Little getters", func() {
			l := endian.Little
			allocSink64 = uint64(l.Uint16(src)) + uint64(l.Int16(src)) + uint64(l.Uint32(src)) +
				uint64(l.Int32(src)) + l.Uint64(src) + uint64(l.Int64(src))
			allocSink128 = l.Uint128(src)
		}},
		{"Big putters", func() {
			b := endian.Big
			b.PutUint16(put, 1)
			b.PutInt16(put, -1)
			b.PutUint32(put, 2)
			b.PutInt32(put, -2)
			b.PutUint64(put, 3)
			b.PutInt64(put, -3)
			b.PutUint128(put, v128)
		}},
		{"Little putters", func() {
			l := endian.Little
			l.PutUint16(put, 1)
			l.PutInt16(put, -1)
			l.PutUint32(put, 2)
			l.PutInt32(put, -2)
			l.PutUint64(put, 3)
			l.PutInt64(put, -3)
			l.PutUint128(put, v128)
		}},
		{"Big appends", func() {
			b := endian.Big
			d := b.AppendInt16(b.AppendUint16(dst[:0], 1), -1)
			d = b.AppendInt32(b.AppendUint32(d, 2), -2)
			d = b.AppendInt64(b.AppendUint64(d, 3), -3)
			allocSinkBuf = b.AppendUint128(d, v128)
		}},
		{"Little appends", func() {
			l := endian.Little
			d := l.AppendInt16(l.AppendUint16(dst[:0], 1), -1)
			d = l.AppendInt32(l.AppendUint32(d, 2), -2)
			d = l.AppendInt64(l.AppendUint64(d, 3), -3)
			allocSinkBuf = l.AppendUint128(d, v128)
		}},
		{"Reader", func() {
			for _, o := range []endian.ByteOrder{endian.Big, endian.Little} {
				r := o.NewReader(src)
				allocSink64 = uint64(r.Uint8()) + uint64(r.Int8()) + uint64(r.Uint16()) + uint64(r.Int16()) +
					uint64(r.Uint32()) + uint64(r.Int32()) + r.Uint64() + uint64(r.Int64())
				allocSink128 = r.Uint128()
				allocSinkBuf = r.Bytes(4)
				r.Skip(2)
				r.Skip(-1)                // records ErrNegativeCount
				allocSink64 += r.Uint64() // returns 0 after the error
				allocSinkErr = r.Err()
				short := o.NewReader(src[:3])
				allocSink64 += short.Uint64() // records io.ErrUnexpectedEOF
				allocSinkErr = short.Err()
			}
		}},
		{"Writer", func() {
			for _, o := range []endian.ByteOrder{endian.Big, endian.Little} {
				w := o.NewWriter(dst[:0])
				w.Uint8(1)
				w.Int8(-1)
				w.Uint16(2)
				w.Int16(-2)
				w.Uint32(3)
				w.Int32(-3)
				w.Uint64(4)
				w.Int64(-4)
				w.Uint128(v128)
				w.Write(src[:4])
				allocSinkBuf = w.Bytes()
				w.Reset()
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(100, tt.f); n != 0 {
				t.Errorf("%v allocations per run, want 0", n)
			}
		})
	}
}

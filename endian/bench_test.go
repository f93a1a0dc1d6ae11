package endian_test

import (
	"testing"

	"github.com/release-daemon/release/endian"
	"github.com/release-daemon/release/u128"
)

// Each benchmark stores its result here, so the calls cannot be optimized
// away.
var (
	sink16  uint16
	sink32  uint32
	sink64  uint64
	sink128 u128.Uint128
	sinkBuf []byte
)

// benchSrc is what the getters decode.
var benchSrc = []byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10}

func BenchmarkBigGet(b *testing.B) {
	src := benchSrc
	b.Run("Uint16", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(2)
		var s uint16
		for b.Loop() {
			s += endian.Big.Uint16(src)
		}
		sink16 = s
	})
	b.Run("Uint32", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(4)
		var s uint32
		for b.Loop() {
			s += endian.Big.Uint32(src)
		}
		sink32 = s
	})
	b.Run("Uint64", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(8)
		var s uint64
		for b.Loop() {
			s += endian.Big.Uint64(src)
		}
		sink64 = s
	})
	b.Run("Uint128", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(16)
		var s u128.Uint128
		for b.Loop() {
			v := endian.Big.Uint128(src)
			s.Lo += v.Lo
			s.Hi += v.Hi
		}
		sink128 = s
	})
}

func BenchmarkLittleGet(b *testing.B) {
	src := benchSrc
	b.Run("Uint16", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(2)
		var s uint16
		for b.Loop() {
			s += endian.Little.Uint16(src)
		}
		sink16 = s
	})
	b.Run("Uint32", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(4)
		var s uint32
		for b.Loop() {
			s += endian.Little.Uint32(src)
		}
		sink32 = s
	})
	b.Run("Uint64", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(8)
		var s uint64
		for b.Loop() {
			s += endian.Little.Uint64(src)
		}
		sink64 = s
	})
	b.Run("Uint128", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(16)
		var s u128.Uint128
		for b.Loop() {
			v := endian.Little.Uint128(src)
			s.Lo += v.Lo
			s.Hi += v.Hi
		}
		sink128 = s
	})
}

func BenchmarkBigPut(b *testing.B) {
	dst := make([]byte, 16)
	b.Run("Uint16", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(2)
		var v uint16
		for b.Loop() {
			endian.Big.PutUint16(dst, v)
			v++
		}
		sinkBuf = dst
	})
	b.Run("Uint32", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(4)
		var v uint32
		for b.Loop() {
			endian.Big.PutUint32(dst, v)
			v++
		}
		sinkBuf = dst
	})
	b.Run("Uint64", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(8)
		var v uint64
		for b.Loop() {
			endian.Big.PutUint64(dst, v)
			v++
		}
		sinkBuf = dst
	})
	b.Run("Uint128", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(16)
		var v u128.Uint128
		for b.Loop() {
			endian.Big.PutUint128(dst, v)
			v.Lo++
		}
		sinkBuf = dst
	})
}

func BenchmarkLittlePut(b *testing.B) {
	dst := make([]byte, 16)
	b.Run("Uint16", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(2)
		var v uint16
		for b.Loop() {
			endian.Little.PutUint16(dst, v)
			v++
		}
		sinkBuf = dst
	})
	b.Run("Uint32", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(4)
		var v uint32
		for b.Loop() {
			endian.Little.PutUint32(dst, v)
			v++
		}
		sinkBuf = dst
	})
	b.Run("Uint64", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(8)
		var v uint64
		for b.Loop() {
			endian.Little.PutUint64(dst, v)
			v++
		}
		sinkBuf = dst
	})
	b.Run("Uint128", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(16)
		var v u128.Uint128
		for b.Loop() {
			endian.Little.PutUint128(dst, v)
			v.Lo++
		}
		sinkBuf = dst
	})
}

func BenchmarkBigAppend(b *testing.B) {
	dst := make([]byte, 0, 16)
	b.Run("Uint16", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(2)
		var v uint16
		for b.Loop() {
			dst = endian.Big.AppendUint16(dst[:0], v)
			v++
		}
		sinkBuf = dst
	})
	b.Run("Uint32", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(4)
		var v uint32
		for b.Loop() {
			dst = endian.Big.AppendUint32(dst[:0], v)
			v++
		}
		sinkBuf = dst
	})
	b.Run("Uint64", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(8)
		var v uint64
		for b.Loop() {
			dst = endian.Big.AppendUint64(dst[:0], v)
			v++
		}
		sinkBuf = dst
	})
	b.Run("Uint128", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(16)
		var v u128.Uint128
		for b.Loop() {
			dst = endian.Big.AppendUint128(dst[:0], v)
			v.Lo++
		}
		sinkBuf = dst
	})
}

func BenchmarkLittleAppend(b *testing.B) {
	dst := make([]byte, 0, 16)
	b.Run("Uint16", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(2)
		var v uint16
		for b.Loop() {
			dst = endian.Little.AppendUint16(dst[:0], v)
			v++
		}
		sinkBuf = dst
	})
	b.Run("Uint32", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(4)
		var v uint32
		for b.Loop() {
			dst = endian.Little.AppendUint32(dst[:0], v)
			v++
		}
		sinkBuf = dst
	})
	b.Run("Uint64", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(8)
		var v uint64
		for b.Loop() {
			dst = endian.Little.AppendUint64(dst[:0], v)
			v++
		}
		sinkBuf = dst
	})
	b.Run("Uint128", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(16)
		var v u128.Uint128
		for b.Loop() {
			dst = endian.Little.AppendUint128(dst[:0], v)
			v.Lo++
		}
		sinkBuf = dst
	})
}

// BenchmarkReaderUint64 reads a 4 KiB buffer 8 bytes at a time, starting
// over when it is used up.
func BenchmarkReaderUint64(b *testing.B) {
	src := make([]byte, 4096)
	for i := range src {
		src[i] = byte(i)
	}
	for _, o := range []struct {
		name  string
		order endian.ByteOrder
	}{{"Big", endian.Big}, {"Little", endian.Little}} {
		b.Run(o.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(8)
			r := o.order.NewReader(src)
			var s uint64
			for b.Loop() {
				if r.Len() < 8 {
					r = o.order.NewReader(src)
				}
				s += r.Uint64()
			}
			sink64 = s
		})
	}
}

// BenchmarkWriterUint64 appends to a 4 KiB buffer 8 bytes at a time,
// resetting it when full.
func BenchmarkWriterUint64(b *testing.B) {
	for _, o := range []struct {
		name  string
		order endian.ByteOrder
	}{{"Big", endian.Big}, {"Little", endian.Little}} {
		b.Run(o.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(8)
			w := o.order.NewWriter(make([]byte, 0, 4096))
			var v uint64
			for b.Loop() {
				if w.Len() > 4096-8 {
					w.Reset()
				}
				w.Uint64(v)
				v++
			}
			sinkBuf = w.Bytes()
		})
	}
}

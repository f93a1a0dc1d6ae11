package bench

import (
	"encoding/binary"
	"testing"

	"github.com/release-daemon/release/endian"
	"github.com/release-daemon/release/u128"
)

// The endian benchmarks run each operation as impl=release (package endian)
// and impl=binary (encoding/binary; for Uint128, two of its 64-bit calls),
// so that `benchstat -col /impl` prints the ratios side by side. Every loop
// calls the function directly, so that both sides get inlined as they would
// be in real code, and folds the results into a package-level sink.

var (
	endianSink16  uint16
	endianSink32  uint32
	endianSink64  uint64
	endianSink128 u128.Uint128
	endianSinkBuf []byte
)

// endianSrc is what the getters decode; endianDst is what the putters fill.
var (
	endianSrc = []byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10}
	endianDst = make([]byte, 16)
)

// endianOp is one operation with its two implementations, each running the
// whole b.Loop.
type endianOp struct {
	name            string
	width           int64
	release, binary func(b *testing.B)
}

func BenchmarkEndian(b *testing.B) {
	ops := append(endianGetOps(), endianPutOps()...)
	for _, impl := range []string{"release", "binary"} {
		b.Run("impl="+impl, func(b *testing.B) {
			for _, op := range ops {
				b.Run("op="+op.name, func(b *testing.B) {
					b.ReportAllocs()
					b.SetBytes(op.width)
					if impl == "release" {
						op.release(b)
					} else {
						op.binary(b)
					}
				})
			}
		})
	}
}

func endianGetOps() []endianOp {
	src := endianSrc
	return []endianOp{
		{"BigUint16", 2,
			func(b *testing.B) {
				var s uint16
				for b.Loop() {
					s += endian.Big.Uint16(src)
				}
				endianSink16 = s
			},
			func(b *testing.B) {
				var s uint16
				for b.Loop() {
					s += binary.BigEndian.Uint16(src)
				}
				endianSink16 = s
			}},
		{"LittleUint16", 2,
			func(b *testing.B) {
				var s uint16
				for b.Loop() {
					s += endian.Little.Uint16(src)
				}
				endianSink16 = s
			},
			func(b *testing.B) {
				var s uint16
				for b.Loop() {
					s += binary.LittleEndian.Uint16(src)
				}
				endianSink16 = s
			}},
		{"BigUint32", 4,
			func(b *testing.B) {
				var s uint32
				for b.Loop() {
					s += endian.Big.Uint32(src)
				}
				endianSink32 = s
			},
			func(b *testing.B) {
				var s uint32
				for b.Loop() {
					s += binary.BigEndian.Uint32(src)
				}
				endianSink32 = s
			}},
		{"LittleUint32", 4,
			func(b *testing.B) {
				var s uint32
				for b.Loop() {
					s += endian.Little.Uint32(src)
				}
				endianSink32 = s
			},
			func(b *testing.B) {
				var s uint32
				for b.Loop() {
					s += binary.LittleEndian.Uint32(src)
				}
				endianSink32 = s
			}},
		{"BigUint64", 8,
			func(b *testing.B) {
				var s uint64
				for b.Loop() {
					s += endian.Big.Uint64(src)
				}
				endianSink64 = s
			},
			func(b *testing.B) {
				var s uint64
				for b.Loop() {
					s += binary.BigEndian.Uint64(src)
				}
				endianSink64 = s
			}},
		{"LittleUint64", 8,
			func(b *testing.B) {
				var s uint64
				for b.Loop() {
					s += endian.Little.Uint64(src)
				}
				endianSink64 = s
			},
			func(b *testing.B) {
				var s uint64
				for b.Loop() {
					s += binary.LittleEndian.Uint64(src)
				}
				endianSink64 = s
			}},
		{"BigUint128", 16,
			func(b *testing.B) {
				var s u128.Uint128
				for b.Loop() {
					v := endian.Big.Uint128(src)
					s.Lo += v.Lo
					s.Hi += v.Hi
				}
				endianSink128 = s
			},
			func(b *testing.B) {
				var s u128.Uint128
				for b.Loop() {
					v := u128.Uint128{Hi: binary.BigEndian.Uint64(src), Lo: binary.BigEndian.Uint64(src[8:])}
					s.Lo += v.Lo
					s.Hi += v.Hi
				}
				endianSink128 = s
			}},
		{"LittleUint128", 16,
			func(b *testing.B) {
				var s u128.Uint128
				for b.Loop() {
					v := endian.Little.Uint128(src)
					s.Lo += v.Lo
					s.Hi += v.Hi
				}
				endianSink128 = s
			},
			func(b *testing.B) {
				var s u128.Uint128
				for b.Loop() {
					v := u128.Uint128{Lo: binary.LittleEndian.Uint64(src), Hi: binary.LittleEndian.Uint64(src[8:])}
					s.Lo += v.Lo
					s.Hi += v.Hi
				}
				endianSink128 = s
			}},
	}
}

func endianPutOps() []endianOp {
	dst := endianDst
	return []endianOp{
		{"BigPutUint16", 2,
			func(b *testing.B) {
				var v uint16
				for b.Loop() {
					endian.Big.PutUint16(dst, v)
					v++
				}
				endianSinkBuf = dst
			},
			func(b *testing.B) {
				var v uint16
				for b.Loop() {
					binary.BigEndian.PutUint16(dst, v)
					v++
				}
				endianSinkBuf = dst
			}},
		{"LittlePutUint16", 2,
			func(b *testing.B) {
				var v uint16
				for b.Loop() {
					endian.Little.PutUint16(dst, v)
					v++
				}
				endianSinkBuf = dst
			},
			func(b *testing.B) {
				var v uint16
				for b.Loop() {
					binary.LittleEndian.PutUint16(dst, v)
					v++
				}
				endianSinkBuf = dst
			}},
		{"BigPutUint32", 4,
			func(b *testing.B) {
				var v uint32
				for b.Loop() {
					endian.Big.PutUint32(dst, v)
					v++
				}
				endianSinkBuf = dst
			},
			func(b *testing.B) {
				var v uint32
				for b.Loop() {
					binary.BigEndian.PutUint32(dst, v)
					v++
				}
				endianSinkBuf = dst
			}},
		{"LittlePutUint32", 4,
			func(b *testing.B) {
				var v uint32
				for b.Loop() {
					endian.Little.PutUint32(dst, v)
					v++
				}
				endianSinkBuf = dst
			},
			func(b *testing.B) {
				var v uint32
				for b.Loop() {
					binary.LittleEndian.PutUint32(dst, v)
					v++
				}
				endianSinkBuf = dst
			}},
		{"BigPutUint64", 8,
			func(b *testing.B) {
				var v uint64
				for b.Loop() {
					endian.Big.PutUint64(dst, v)
					v++
				}
				endianSinkBuf = dst
			},
			func(b *testing.B) {
				var v uint64
				for b.Loop() {
					binary.BigEndian.PutUint64(dst, v)
					v++
				}
				endianSinkBuf = dst
			}},
		{"LittlePutUint64", 8,
			func(b *testing.B) {
				var v uint64
				for b.Loop() {
					endian.Little.PutUint64(dst, v)
					v++
				}
				endianSinkBuf = dst
			},
			func(b *testing.B) {
				var v uint64
				for b.Loop() {
					binary.LittleEndian.PutUint64(dst, v)
					v++
				}
				endianSinkBuf = dst
			}},
		{"BigPutUint128", 16,
			func(b *testing.B) {
				var v u128.Uint128
				for b.Loop() {
					endian.Big.PutUint128(dst, v)
					v.Lo++
				}
				endianSinkBuf = dst
			},
			func(b *testing.B) {
				var v u128.Uint128
				for b.Loop() {
					binary.BigEndian.PutUint64(dst, v.Hi)
					binary.BigEndian.PutUint64(dst[8:], v.Lo)
					v.Lo++
				}
				endianSinkBuf = dst
			}},
		{"LittlePutUint128", 16,
			func(b *testing.B) {
				var v u128.Uint128
				for b.Loop() {
					endian.Little.PutUint128(dst, v)
					v.Lo++
				}
				endianSinkBuf = dst
			},
			func(b *testing.B) {
				var v u128.Uint128
				for b.Loop() {
					binary.LittleEndian.PutUint64(dst, v.Lo)
					binary.LittleEndian.PutUint64(dst[8:], v.Hi)
					v.Lo++
				}
				endianSinkBuf = dst
			}},
	}
}

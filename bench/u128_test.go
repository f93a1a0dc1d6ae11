package bench

// Each case is its own loop, with no
// closure call inside it, since a call costs more than the operations
// measured. Run with -bench U128 and compare with `benchstat -col /impl`.

import (
	"math/big"
	"testing"

	"github.com/release-daemon/release/u128"
	luke "lukechampine.com/uint128"
)

var (
	sinkRelease u128.Uint128
	sinkLuke    luke.Uint128
	sinkBig     *big.Int
	sinkString  string
	sinkBytes   []byte
	sinkErr     error
	sinkBool    bool
)

const max39 = "340282366920938463463374607431768211455"

// Operands: a full 128-bit value, and a divisor of 64 and of 128 bits. The
// loops feed each result back into the next operation so that nothing is
// hoisted out of them.
var (
	xLo, xHi = uint64(0x0123456789abcdef), uint64(0x0fedcba987654321)
	yLo, yHi = uint64(0x00000000ffffffff), uint64(0x0000000000012345)
)

func BenchmarkU128Add(b *testing.B) {
	b.Run("impl=release", func(b *testing.B) {
		x, y := u128.New(xLo, xHi), u128.New(yLo, yHi)
		b.ReportAllocs()
		for b.Loop() {
			x = x.Add(y)
		}
		sinkRelease = x
	})
	b.Run("impl=luke", func(b *testing.B) {
		x, y := luke.New(xLo, xHi), luke.New(yLo, yHi)
		b.ReportAllocs()
		for b.Loop() {
			x = x.AddWrap(y)
		}
		sinkLuke = x
	})
}

func BenchmarkU128Mul(b *testing.B) {
	b.Run("impl=release", func(b *testing.B) {
		x, y := u128.New(xLo, xHi), u128.New(yLo, yHi)
		b.ReportAllocs()
		for b.Loop() {
			x = x.Mul(y)
		}
		sinkRelease = x
	})
	b.Run("impl=luke", func(b *testing.B) {
		x, y := luke.New(xLo, xHi), luke.New(yLo, yHi)
		b.ReportAllocs()
		for b.Loop() {
			x = x.MulWrap(y)
		}
		sinkLuke = x
	})
}

func BenchmarkU128QuoRem64(b *testing.B) {
	b.Run("impl=release", func(b *testing.B) {
		x := u128.New(xLo, xHi)
		b.ReportAllocs()
		for b.Loop() {
			q, r := x.QuoRem64(yLo)
			x = q.Add64(r | xHi)
		}
		sinkRelease = x
	})
	b.Run("impl=luke", func(b *testing.B) {
		x := luke.New(xLo, xHi)
		b.ReportAllocs()
		for b.Loop() {
			q, r := x.QuoRem64(yLo)
			x = q.Add64(r | xHi)
		}
		sinkLuke = x
	})
}

func BenchmarkU128QuoRem128(b *testing.B) {
	b.Run("impl=release", func(b *testing.B) {
		x, y := u128.New(xLo, xHi), u128.New(yLo, yHi)
		b.ReportAllocs()
		for b.Loop() {
			q, r := x.QuoRem(y)
			x = u128.New(r.Lo, q.Lo|xHi)
		}
		sinkRelease = x
	})
	b.Run("impl=luke", func(b *testing.B) {
		x, y := luke.New(xLo, xHi), luke.New(yLo, yHi)
		b.ReportAllocs()
		for b.Loop() {
			q, r := x.QuoRem(y)
			x = luke.New(r.Lo, q.Lo|xHi)
		}
		sinkLuke = x
	})
	b.Run("impl=big", func(b *testing.B) {
		x, y := u128.New(xLo, xHi).Big(), u128.New(yLo, yHi).Big()
		q, r := new(big.Int), new(big.Int)
		b.ReportAllocs()
		for b.Loop() {
			q.QuoRem(x, y, r)
		}
		sinkBig = q
	})
}

func BenchmarkU128String(b *testing.B) {
	b.Run("impl=release", func(b *testing.B) {
		x := u128.Max
		b.ReportAllocs()
		for b.Loop() {
			sinkString = x.String()
		}
	})
	b.Run("impl=luke", func(b *testing.B) {
		x := luke.Max
		b.ReportAllocs()
		for b.Loop() {
			sinkString = x.String()
		}
	})
	b.Run("impl=big", func(b *testing.B) {
		x := u128.Max.Big()
		b.ReportAllocs()
		for b.Loop() {
			sinkString = x.String()
		}
	})
}

func BenchmarkU128Append(b *testing.B) {
	b.Run("impl=release", func(b *testing.B) {
		x, buf := u128.Max, make([]byte, 0, 64)
		b.ReportAllocs()
		for b.Loop() {
			buf = x.Append(buf[:0], 10)
		}
		sinkBytes = buf
	})
	b.Run("impl=big", func(b *testing.B) {
		x, buf := u128.Max.Big(), make([]byte, 0, 64)
		b.ReportAllocs()
		for b.Loop() {
			buf = x.Append(buf[:0], 10)
		}
		sinkBytes = buf
	})
}

func BenchmarkU128Parse39(b *testing.B) {
	b.Run("impl=release", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkRelease, sinkErr = u128.Parse(max39, 10)
		}
	})
	b.Run("impl=luke", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkLuke, sinkErr = luke.FromString(max39)
		}
	})
	b.Run("impl=big", func(b *testing.B) {
		x := new(big.Int)
		b.ReportAllocs()
		for b.Loop() {
			_, ok := x.SetString(max39, 10)
			sinkBool = ok
		}
	})
}

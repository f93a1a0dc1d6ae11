package u128_test

import (
	"testing"

	"github.com/release-daemon/release/u128"
)

var (
	sinkU   u128.Uint128
	sinkU64 uint64
	sinkB   []byte
	sinkS   string
)

func BenchmarkAdd(b *testing.B) {
	x, y := u128.New(1<<63+5, 1), u128.New(1<<63+7, 2)
	b.ReportAllocs()
	for b.Loop() {
		x = x.Add(y)
	}
	sinkU = x
}

func BenchmarkMul(b *testing.B) {
	x, y := u128.New(0x123456789, 3), u128.New(0x987654321, 0)
	b.ReportAllocs()
	for b.Loop() {
		x = x.Mul(y)
	}
	sinkU = x
}

func BenchmarkQuoRem64(b *testing.B) {
	x := u128.New(0x0123456789abcdef, 0x0fedcba987654321)
	b.ReportAllocs()
	for b.Loop() {
		sinkU, sinkU64 = x.QuoRem64(1e19)
	}
}

func BenchmarkQuoRem128(b *testing.B) {
	x, y := u128.New(0x0123456789abcdef, 0x0fedcba987654321), u128.New(0xffff, 0x12345)
	b.ReportAllocs()
	for b.Loop() {
		sinkU, _ = x.QuoRem(y)
	}
}

func BenchmarkString(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkS = u128.Max.String()
	}
}

func BenchmarkAppend(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	b.SetBytes(39)
	for b.Loop() {
		buf = u128.Max.Append(buf[:0], 10)
	}
	sinkB = buf
}

func BenchmarkParse39(b *testing.B) {
	const s = "340282366920938463463374607431768211455"
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		sinkU, _ = u128.Parse(s, 10)
	}
}

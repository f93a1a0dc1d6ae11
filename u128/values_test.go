package u128_test

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/release-daemon/release/u128"
)

// edgeValues are the values where carries, borrows and halves meet.
func edgeValues() []u128.Uint128 {
	vs := []u128.Uint128{
		{}, u128.From64(1), u128.From64(2), u128.From64(3), u128.From64(10),
		u128.From64(1<<63 - 1), u128.From64(1 << 63), u128.From64(1<<64 - 1),
		u128.New(0, 1), u128.New(1, 1), u128.New(1<<64-1, 1),
		u128.New(0, 1<<63), u128.New(1<<64-1, 1<<63-1), u128.Max,
		u128.Max.Sub64(1), u128.From64(1e19), u128.From64(1e19).Mul64(1e19),
	}
	for n := uint(0); n < 128; n += 7 {
		p := u128.From64(1).Lsh(n)
		vs = append(vs, p, p.Sub64(1), p.Add64(1))
	}
	return vs
}

// randomValue returns a value whose bit length is itself random, so that
// small, 64-bit and full 128-bit values are all common.
func randomValue(r *rand.Rand) u128.Uint128 {
	v := u128.New(r.Uint64(), r.Uint64())
	return v.Rsh(uint(r.IntN(129)))
}

// testValues is edgeValues plus n random values from a fixed seed.
func testValues(n int) []u128.Uint128 {
	r := rand.New(rand.NewPCG(1, 2))
	vs := edgeValues()
	for range n {
		vs = append(vs, randomValue(r))
	}
	return vs
}

var two128 = new(big.Int).Lsh(big.NewInt(1), 128)

// wrap reduces b modulo 2^128.
func wrap(b *big.Int) *big.Int { return new(big.Int).Mod(b, two128) }

func fromBig(t testing.TB, b *big.Int) u128.Uint128 {
	t.Helper()
	v, ok := u128.FromBig(b)
	if !ok {
		t.Fatalf("FromBig(%v) does not fit", b)
	}
	return v
}

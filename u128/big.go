package u128

import "math/big"

// Big returns u as a new [big.Int].
func (u Uint128) Big() *big.Int {
	var b [16]byte
	u.putBytes(&b)
	return new(big.Int).SetBytes(b[:])
}

// FromBig returns b modulo 2^128 (two's complement wrapping, as a Go
// conversion of a negative integer to an unsigned one gives) and whether b
// fit: false when b is negative or needs more than 128 bits. A nil b is 0.
func FromBig(b *big.Int) (Uint128, bool) {
	if b == nil {
		return Uint128{}, true
	}
	fits := b.Sign() >= 0 && b.BitLen() <= 128
	m := b
	if !fits {
		m = new(big.Int).And(b, Max.Big()) // And works on two's complement
	}
	var buf [16]byte
	m.FillBytes(buf[:])
	return fromBytes(&buf), fits
}

package u128

import "math/bits"

// Add returns u + v, wrapping modulo 2^128.
func (u Uint128) Add(v Uint128) Uint128 {
	lo, carry := bits.Add64(u.Lo, v.Lo, 0)
	hi, _ := bits.Add64(u.Hi, v.Hi, carry)
	return Uint128{lo, hi}
}

// AddOverflow returns u + v, wrapped modulo 2^128, and whether it overflowed.
func (u Uint128) AddOverflow(v Uint128) (Uint128, bool) {
	lo, carry := bits.Add64(u.Lo, v.Lo, 0)
	hi, carry := bits.Add64(u.Hi, v.Hi, carry)
	return Uint128{lo, hi}, carry != 0
}

// Add64 returns u + v, wrapping modulo 2^128.
func (u Uint128) Add64(v uint64) Uint128 {
	lo, carry := bits.Add64(u.Lo, v, 0)
	return Uint128{lo, u.Hi + carry}
}

// Sub returns u - v, wrapping modulo 2^128.
func (u Uint128) Sub(v Uint128) Uint128 {
	lo, borrow := bits.Sub64(u.Lo, v.Lo, 0)
	hi, _ := bits.Sub64(u.Hi, v.Hi, borrow)
	return Uint128{lo, hi}
}

// SubOverflow returns u - v, wrapped modulo 2^128, and whether it
// underflowed (v > u).
func (u Uint128) SubOverflow(v Uint128) (Uint128, bool) {
	lo, borrow := bits.Sub64(u.Lo, v.Lo, 0)
	hi, borrow := bits.Sub64(u.Hi, v.Hi, borrow)
	return Uint128{lo, hi}, borrow != 0
}

// Sub64 returns u - v, wrapping modulo 2^128.
func (u Uint128) Sub64(v uint64) Uint128 {
	lo, borrow := bits.Sub64(u.Lo, v, 0)
	return Uint128{lo, u.Hi - borrow}
}

// Mul returns u * v, wrapping modulo 2^128.
func (u Uint128) Mul(v Uint128) Uint128 {
	hi, lo := bits.Mul64(u.Lo, v.Lo)
	hi += u.Hi*v.Lo + u.Lo*v.Hi
	return Uint128{lo, hi}
}

// MulOverflow returns u * v, wrapped modulo 2^128, and whether the full
// product did not fit in 128 bits.
func (u Uint128) MulOverflow(v Uint128) (Uint128, bool) {
	hi, lo := bits.Mul64(u.Lo, v.Lo)
	c1, p1 := bits.Mul64(u.Hi, v.Lo)
	c2, p2 := bits.Mul64(u.Lo, v.Hi)
	hi, c3 := bits.Add64(hi, p1, 0)
	hi, c4 := bits.Add64(hi, p2, 0)
	over := (u.Hi != 0 && v.Hi != 0) || c1|c2|c3|c4 != 0
	return Uint128{lo, hi}, over
}

// Mul64 returns u * v, wrapping modulo 2^128.
func (u Uint128) Mul64(v uint64) Uint128 {
	hi, lo := bits.Mul64(u.Lo, v)
	return Uint128{lo, hi + u.Hi*v}
}

package u128

import "math/bits"

// QuoRem returns the quotient u / v and the remainder u % v.
// It panics if v is 0, as integer division by zero does.
func (u Uint128) QuoRem(v Uint128) (q, r Uint128) {
	if v.Hi == 0 {
		q, r64 := u.QuoRem64(v.Lo)
		return q, Uint128{Lo: r64}
	}
	// v >= 2^64, so the quotient fits in 64 bits. Estimate it from the top
	// 64 bits of v, normalised, against u/2 (so that the estimate's Div64
	// cannot overflow); the estimate is exact or one too large.
	n := uint(bits.LeadingZeros64(v.Hi))
	top := v.Lsh(n).Hi
	half := u.Rsh(1)
	est, _ := bits.Div64(half.Hi, half.Lo, top)
	est >>= 63 - n
	if est != 0 {
		est--
	}
	q = Uint128{Lo: est}
	r = u.Sub(v.Mul64(est))
	if r.Cmp(v) >= 0 {
		q.Lo++
		r = r.Sub(v)
	}
	return q, r
}

// QuoRem64 returns the quotient u / v and the remainder u % v for a 64-bit v.
// It panics if v is 0.
func (u Uint128) QuoRem64(v uint64) (q Uint128, r uint64) {
	if u.Hi < v {
		q.Lo, r = bits.Div64(u.Hi, u.Lo, v)
		return q, r
	}
	q.Hi, r = u.Hi/v, u.Hi%v // panics here when v is 0
	q.Lo, r = bits.Div64(r, u.Lo, v)
	return q, r
}

// Quo returns u / v. It panics if v is 0.
func (u Uint128) Quo(v Uint128) Uint128 {
	q, _ := u.QuoRem(v)
	return q
}

// Rem returns u % v. It panics if v is 0.
func (u Uint128) Rem(v Uint128) Uint128 {
	_, r := u.QuoRem(v)
	return r
}

package u128

import (
	"math"
	"math/bits"
)

// Uint128 is an unsigned 128-bit integer: Hi*2^64 + Lo. The zero value is 0.
// Values are compared with == or [Uint128.Cmp].
type Uint128 struct {
	Lo, Hi uint64 // the low and the high 64 bits
}

// Max is the largest Uint128, 2^128 - 1. Treat it as a constant.
var Max = Uint128{Lo: math.MaxUint64, Hi: math.MaxUint64}

// From64 returns v as a Uint128.
func From64(v uint64) Uint128 { return Uint128{Lo: v} }

// New returns the Uint128 whose halves are lo and hi.
func New(lo, hi uint64) Uint128 { return Uint128{Lo: lo, Hi: hi} }

// IsZero reports whether u is 0.
func (u Uint128) IsZero() bool { return u.Lo|u.Hi == 0 }

// Equals reports whether u == v.
func (u Uint128) Equals(v Uint128) bool { return u == v }

// Cmp returns -1 if u < v, 0 if u == v and +1 if u > v.
func (u Uint128) Cmp(v Uint128) int {
	switch {
	case u == v:
		return 0
	case u.Hi < v.Hi || (u.Hi == v.Hi && u.Lo < v.Lo):
		return -1
	default:
		return 1
	}
}

// LeadingZeros returns the number of leading zero bits in u; it is 128 for 0.
func (u Uint128) LeadingZeros() int {
	if u.Hi != 0 {
		return bits.LeadingZeros64(u.Hi)
	}
	return 64 + bits.LeadingZeros64(u.Lo)
}

// TrailingZeros returns the number of trailing zero bits in u; it is 128 for 0.
func (u Uint128) TrailingZeros() int {
	if u.Lo != 0 {
		return bits.TrailingZeros64(u.Lo)
	}
	return 64 + bits.TrailingZeros64(u.Hi)
}

// OnesCount returns the number of one bits in u.
func (u Uint128) OnesCount() int {
	return bits.OnesCount64(u.Lo) + bits.OnesCount64(u.Hi)
}

// Len returns the minimum number of bits needed to represent u; it is 0 for 0.
func (u Uint128) Len() int { return 128 - u.LeadingZeros() }

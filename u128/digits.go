package u128

import "math/bits"

// digitsLower and digitsUpper are the digits of bases up to 36.
const (
	digitsLower = "0123456789abcdefghijklmnopqrstuvwxyz"
	digitsUpper = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

// decimalPairs holds "00" through "99", so decimal digits are made two at a time.
const decimalPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

// maxDigits is the length of Max in base 2, the longest form of any base.
const maxDigits = 128

// digitBuf holds the digits of one Uint128, written right to left.
type digitBuf [maxDigits]byte

// decimal writes u in base 10 into the end of buf and returns the index of
// its first digit.
func (u Uint128) decimal(buf *digitBuf) int {
	i := len(buf)
	for u.Hi != 0 {
		var r uint64
		u, r = u.QuoRem64(1e19)
		i = putDecimal(buf, i, r, 19)
	}
	return putDecimal(buf, i, u.Lo, 0)
}

// putDecimal writes v in base 10 ending before buf[i], zero-padded to at least
// width digits, and returns the index of its first digit.
func putDecimal(buf *digitBuf, i int, v uint64, width int) int {
	end := i
	for v >= 100 {
		p := (v % 100) * 2
		v /= 100
		i -= 2
		buf[i], buf[i+1] = decimalPairs[p], decimalPairs[p+1]
	}
	if v >= 10 {
		i -= 2
		buf[i], buf[i+1] = decimalPairs[v*2], decimalPairs[v*2+1]
	} else {
		i--
		buf[i] = byte('0' + v)
	}
	for end-i < width {
		i--
		buf[i] = '0'
	}
	return i
}

// digits writes u in the given base (2 to 36) into the end of buf, with
// letters from the given digit set, and returns the index of its first digit.
func (u Uint128) digits(buf *digitBuf, base int, set string) int {
	if base == 10 {
		return u.decimal(buf)
	}
	i := len(buf)
	if base&(base-1) == 0 {
		shift := uint(bits.TrailingZeros(uint(base)))
		mask := uint64(base - 1)
		for {
			i--
			buf[i] = set[u.Lo&mask]
			u = u.Rsh(shift)
			if u.IsZero() {
				return i
			}
		}
	}
	// Other bases: peel off the largest power of the base that fits in a
	// uint64, then write each chunk with 64-bit division.
	chunk, width := uint64(base), 1
	for hi, lo := bits.Mul64(chunk, uint64(base)); hi == 0; hi, lo = bits.Mul64(chunk, uint64(base)) {
		chunk, width = lo, width+1
	}
	for u.Hi != 0 {
		var r uint64
		u, r = u.QuoRem64(chunk)
		i = putDigits(buf, i, r, base, width, set)
	}
	return putDigits(buf, i, u.Lo, base, 0, set)
}

// putDigits is putDecimal for any base.
func putDigits(buf *digitBuf, i int, v uint64, base, width int, set string) int {
	end, b := i, uint64(base)
	for {
		i--
		buf[i] = set[v%b]
		v /= b
		if v == 0 {
			break
		}
	}
	for end-i < width {
		i--
		buf[i] = '0'
	}
	return i
}

package u128

import (
	"encoding/binary"
	"math/bits"
)

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
// its first digit. It peels off 16 digits per 128-bit division and writes
// them as two groups of eight with 32-bit arithmetic, whose steps are
// independent of each other and so overlap in the processor.
func (u Uint128) decimal(buf *digitBuf) int {
	i := len(buf)
	for u.Hi != 0 {
		var r uint64
		u, r = u.QuoRem64(1e16)
		i = put8(buf, i, uint32(r%1e8))
		i = put8(buf, i, uint32(r/1e8))
	}
	v := u.Lo
	for v >= 1e8 {
		i = put8(buf, i, uint32(v%1e8))
		v /= 1e8
	}
	return putShort(buf, i, uint32(v))
}

// put8 writes x < 10^8 as exactly eight digits ending before buf[i]. It
// works on all eight at once in one uint64 (SWAR), the first digit in the
// lowest byte: split into two 4-digit lanes, each lane into two pairs, each
// pair into two digits, using multiply-shift division (exact for these
// ranges), then add '0' to every byte.
func put8(buf *digitBuf, i int, x uint32) int {
	v := uint64(x/10000) | uint64(x%10000)<<32 // lanes < 10000
	q := (v * 5243 >> 19) & 0x0000007F0000007F // lane / 100
	v = q | (v-q*100)<<16                      // lanes < 100
	q = (v * 103 >> 10) & 0x000F000F000F000F   // lane / 10
	v = q | (v-q*10)<<8                        // one digit a byte
	binary.LittleEndian.PutUint64(buf[i-8:i], v+0x3030303030303030)
	return i - 8
}

// putShort writes x < 10^8 with no leading zeros ending before buf[i].
func putShort(buf *digitBuf, i int, x uint32) int {
	for x >= 100 {
		i -= 2
		putPair(buf, i, x%100)
		x /= 100
	}
	if x >= 10 {
		i -= 2
		putPair(buf, i, x)
		return i
	}
	i--
	buf[i] = byte('0' + x)
	return i
}

// putPair writes the two digits of p < 100 at buf[i:i+2].
func putPair(buf *digitBuf, i int, p uint32) {
	buf[i], buf[i+1] = decimalPairs[2*p], decimalPairs[2*p+1]
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

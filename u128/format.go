package u128

import (
	"fmt"
	"io"
)

// Format implements [fmt.Formatter]. The verbs %d, %v and %s give base 10,
// %b base 2, %o and %O base 8 (%O with a 0o prefix), %x and %X base 16, and
// each takes the width, precision and flags (+ - # 0 and space) exactly as
// it does for a uint64. %#v prints the Go syntax of the struct. Any other
// verb prints as fmt prints a bad verb: %!c(u128.Uint128=42).
func (u Uint128) Format(f fmt.State, verb rune) {
	set, base := digitsLower, 10
	switch verb {
	case 'd', 's':
	case 'v':
		if f.Flag('#') {
			fmt.Fprintf(f, "u128.Uint128{Lo:%#x, Hi:%#x}", u.Lo, u.Hi)
			return
		}
	case 'b':
		base = 2
	case 'o', 'O':
		base = 8
	case 'x':
		base = 16
	case 'X':
		set, base = digitsUpper, 16
	default:
		fmt.Fprintf(f, "%%!%c(u128.Uint128=%s)", verb, u.String())
		return
	}
	var buf [maxDigits + 8]byte
	writePadded(f, u.formatNumber(buf[:0], f, verb, base, set))
}

// formatNumber appends u's digits with the zeros that the precision or the
// 0 flag asks for, then any prefix and sign, as fmt does for a uint64.
func (u Uint128) formatNumber(dst []byte, f fmt.State, verb rune, base int, set string) []byte {
	prec, hasPrec := f.Precision()
	if hasPrec && prec == 0 && u.IsZero() {
		return dst // fmt prints no digits for a zero with precision 0
	}
	if !hasPrec && f.Flag('0') && !f.Flag('-') {
		prec, _ = f.Width()
		if (f.Flag('+') && verb != 'v') || f.Flag(' ') {
			prec-- // leave room for the sign
		}
	}
	var digits digitBuf
	i := u.digits(&digits, base, set)
	if f.Flag('+') && verb != 'v' { // fmt reads %+v as a request for field names
		dst = append(dst, '+')
	} else if f.Flag(' ') {
		dst = append(dst, ' ')
	}
	zeros := max(prec-(len(digits)-i), 0)
	first := digits[i]
	if zeros > 0 {
		first = '0'
	}
	dst = append(dst, prefix(f.Flag('#'), verb, base, first)...)
	for range zeros {
		dst = append(dst, '0')
	}
	return append(dst, digits[i:]...)
}

// prefix returns the base prefix fmt writes before a uint64's digits. With
// %#O fmt writes both prefixes: the 0o, then the 0 of %#o.
func prefix(sharp bool, verb rune, base int, first byte) string {
	switch {
	case verb == 'O' && sharp && first != '0':
		return "0o0"
	case verb == 'O':
		return "0o"
	case !sharp:
		return ""
	case base == 2:
		return "0b"
	case base == 16 && verb == 'X':
		return "0X"
	case base == 16:
		return "0x"
	case base == 8 && first != '0':
		return "0"
	}
	return ""
}

// writePadded writes s with spaces up to the width, on the right for the
// - flag and on the left otherwise.
func writePadded(f fmt.State, s []byte) {
	width, _ := f.Width()
	fill := max(width-len(s), 0)
	if f.Flag('-') {
		f.Write(s)
		writeSpaces(f, fill)
		return
	}
	writeSpaces(f, fill)
	f.Write(s)
}

func writeSpaces(f fmt.State, n int) {
	const spaces = "                                "
	for n > 0 {
		k := min(n, len(spaces))
		io.WriteString(f, spaces[:k])
		n -= k
	}
}

var _ fmt.Formatter = Uint128{}

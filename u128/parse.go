package u128

import "math/bits"

// Parse interprets s in the given base (0, or 2 to 36) and returns its value,
// with the rules of [strconv.ParseUint]: no sign; for base 0 the prefix
// picks the base ("0b" 2, "0o" or "0" 8, "0x" 16, else 10) and underscores
// may separate digits, as in Go literals.
//
// Errors are [*NumError] values wrapping [ErrSyntax], [ErrRange] or
// [ErrBase]. On ErrRange the value returned is [Max], as strconv returns the
// largest value of its size. A base 10 string of up to 39 digits is parsed
// without allocating.
func Parse(s string, base int) (Uint128, error) {
	if s == "" {
		return Uint128{}, numError(s, ErrSyntax)
	}
	if base == 10 || (base == 0 && s[0] != '0' && !hasUnderscore(s)) {
		return parseDecimal(s)
	}
	digits, b, lead := s, base, false
	switch {
	case base == 0:
		digits, b, lead = splitPrefix(s)
	case base < 2 || base > 36:
		return Uint128{}, numError(s, ErrBase)
	}
	v, err := parseDigits(s, digits, b, base == 0)
	if err != nil {
		return v, err
	}
	if base == 0 && hasUnderscore(digits) && !underscoresOK(digits, lead) {
		return Uint128{}, numError(s, ErrSyntax)
	}
	return v, nil
}

// splitPrefix reads Go's base prefix for a base 0 string. lead reports
// whether it took a prefix or a leading octal 0, which counts as a digit
// before an underscore.
func splitPrefix(s string) (digits string, base int, lead bool) {
	if s[0] != '0' {
		return s, 10, false
	}
	if len(s) >= 3 {
		switch s[1] | 0x20 { // lower case
		case 'b':
			return s[2:], 2, true
		case 'o':
			return s[2:], 8, true
		case 'x':
			return s[2:], 16, true
		}
	}
	return s[1:], 8, true
}

// parseDigits accumulates digits in base b, skipping underscores when they
// are allowed. s is the whole input, for errors.
func parseDigits(s, digits string, b int, underscores bool) (Uint128, error) {
	var v Uint128
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c == '_' && underscores {
			continue
		}
		d := digitValue(c)
		if d >= b {
			return Uint128{}, numError(s, ErrSyntax)
		}
		var over bool
		if v, over = v.mulAdd64(uint64(b), uint64(d)); over {
			return Max, numError(s, ErrRange)
		}
	}
	return v, nil
}

// digitValue returns the value of the digit c, or 36 when c is none.
func digitValue(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c|0x20 && c|0x20 <= 'z':
		return int(c|0x20-'a') + 10
	}
	return 36
}

// mulAdd64 returns u*m + a and whether that overflowed 128 bits.
func (u Uint128) mulAdd64(m, a uint64) (Uint128, bool) {
	hi, lo := bits.Mul64(u.Lo, m)
	top, mid := bits.Mul64(u.Hi, m)
	hi, c1 := bits.Add64(hi, mid, 0)
	lo, c2 := bits.Add64(lo, a, 0)
	hi, c3 := bits.Add64(hi, 0, c2)
	return Uint128{lo, hi}, top|c1|c3 != 0
}

func hasUnderscore(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '_' {
			return true
		}
	}
	return false
}

// underscoresOK reports whether every underscore in digits stands between
// two digits; lead says a prefix came before them, which counts as a digit.
func underscoresOK(digits string, lead bool) bool {
	afterDigit := lead
	for i := 0; i < len(digits); i++ {
		if digits[i] == '_' {
			if !afterDigit {
				return false
			}
			afterDigit = false
			continue
		}
		afterDigit = true
	}
	return afterDigit
}

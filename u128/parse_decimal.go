package u128

// parseDecimal parses a string of decimal digits: the first len%8 one at a
// time, then eight at a time, in 64 bits for as long as the value fits.
func parseDecimal(s string) (Uint128, error) {
	if s == "" {
		return Uint128{}, numError(s, ErrSyntax)
	}
	head := len(s) % 8
	var lo uint64
	for i := range head {
		d := s[i] - '0'
		if d > 9 {
			return Uint128{}, numError(s, ErrSyntax)
		}
		lo = lo*10 + uint64(d)
	}
	v := Uint128{Lo: lo}
	for i := head; i < len(s); i += 8 {
		chunk, ok := eightDigits(s[i : i+8])
		if !ok {
			return parseDecimalSlow(s, i, v)
		}
		var over bool
		if v.Hi == 0 && v.Lo <= max64Before8 {
			v.Lo = v.Lo*1e8 + chunk
		} else if v, over = v.mulAdd64(1e8, chunk); over {
			return Max, numError(s, ErrRange)
		}
	}
	return v, nil
}

// max64Before8 is the largest uint64 that can take eight more digits.
const max64Before8 = (1<<64 - 1 - 99999999) / 100000000

// parseDecimalSlow goes on from s[i:] one digit at a time, to find the first
// bad digit or overflow just where strconv would.
func parseDecimalSlow(s string, i int, v Uint128) (Uint128, error) {
	for ; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return Uint128{}, numError(s, ErrSyntax)
		}
		var over bool
		if v, over = v.mulAdd64(10, uint64(d)); over {
			return Max, numError(s, ErrRange)
		}
	}
	return v, nil
}

// eightDigits returns the value of eight decimal digits and whether they
// were all digits, working on all eight bytes at once in one uint64 (SWAR).
func eightDigits(s string) (uint64, bool) {
	_ = s[7]
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	const (
		zeros = 0x3030303030303030 // '0' in every byte
		high  = 0xF0F0F0F0F0F0F0F0
		six   = 0x0606060606060606
	)
	// A digit byte is 0x30..0x39: its high nibble is 3, and adding 6 keeps it 3.
	if x&high != zeros || (x+six)&high != zeros {
		return 0, false
	}
	x -= zeros // s[0], the most significant digit, is the lowest byte
	x = (x*10 + x>>8) & 0x00FF00FF00FF00FF
	x = (x*100 + x>>16) & 0x0000FFFF0000FFFF
	x = (x*10000 + x>>32) & 0x00000000FFFFFFFF
	return x, true
}

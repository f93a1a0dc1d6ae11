package u128

// String returns u in base 10.
func (u Uint128) String() string {
	var buf digitBuf
	return string(buf[u.decimal(&buf):])
}

// Text returns u in the given base, from 2 to 36, with lower-case letters for
// digits of 10 and above. It panics for any other base, as
// [strconv.FormatUint] does.
func (u Uint128) Text(base int) string {
	var buf digitBuf
	return string(buf[u.digits(&buf, checkBase(base), digitsLower):])
}

// Append appends u in the given base, from 2 to 36, to dst and returns the
// extended slice. It does not allocate when dst has room.
func (u Uint128) Append(dst []byte, base int) []byte {
	var buf digitBuf
	return append(dst, buf[u.digits(&buf, checkBase(base), digitsLower):]...)
}

func checkBase(base int) int {
	if base < 2 || base > 36 {
		panic("u128: illegal base")
	}
	return base
}

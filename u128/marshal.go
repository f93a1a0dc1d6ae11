package u128

import (
	"encoding/binary"
	"fmt"
)

// MarshalText implements [encoding.TextMarshaler]: u in base 10, so that
// encoding/json writes a Uint128 as a quoted decimal string.
func (u Uint128) MarshalText() ([]byte, error) { return u.Append(nil, 10), nil }

// AppendText implements [encoding.TextAppender].
func (u Uint128) AppendText(b []byte) ([]byte, error) { return u.Append(b, 10), nil }

// UnmarshalText implements [encoding.TextUnmarshaler]: it parses base 10
// (no prefix, no underscores), the form MarshalText writes.
func (u *Uint128) UnmarshalText(text []byte) error {
	v, err := parseDecimal(string(text))
	if err != nil {
		return err
	}
	*u = v
	return nil
}

// MarshalBinary implements [encoding.BinaryMarshaler]: 16 bytes, big-endian.
func (u Uint128) MarshalBinary() ([]byte, error) {
	return u.AppendBinary(make([]byte, 0, 16))
}

// AppendBinary implements [encoding.BinaryAppender].
func (u Uint128) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint64(b, u.Hi)
	return binary.BigEndian.AppendUint64(b, u.Lo), nil
}

// UnmarshalBinary implements [encoding.BinaryUnmarshaler]. It takes exactly
// 16 bytes, big-endian, and returns [ErrBinaryLength] for any other length.
func (u *Uint128) UnmarshalBinary(data []byte) error {
	if len(data) != 16 {
		return fmt.Errorf("%w, not %d", ErrBinaryLength, len(data))
	}
	*u = fromBytes((*[16]byte)(data))
	return nil
}

// putBytes writes u big-endian into b.
func (u Uint128) putBytes(b *[16]byte) {
	binary.BigEndian.PutUint64(b[:8], u.Hi)
	binary.BigEndian.PutUint64(b[8:], u.Lo)
}

// fromBytes reads a big-endian Uint128 from b.
func fromBytes(b *[16]byte) Uint128 {
	return Uint128{Lo: binary.BigEndian.Uint64(b[8:]), Hi: binary.BigEndian.Uint64(b[:8])}
}

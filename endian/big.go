package endian

import (
	"encoding/binary"

	"github.com/release-daemon/release/u128"
)

// Every method here decodes from or encodes into the first bytes of b and
// panics, as encoding/binary does, when b is shorter than the width.

// Uint16 decodes a big-endian uint16 from b[:2].
func (bigEndian) Uint16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }

// Int16 decodes a big-endian two's complement int16 from b[:2].
func (bigEndian) Int16(b []byte) int16 { return int16(binary.BigEndian.Uint16(b)) }

// Uint32 decodes a big-endian uint32 from b[:4].
func (bigEndian) Uint32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

// Int32 decodes a big-endian two's complement int32 from b[:4].
func (bigEndian) Int32(b []byte) int32 { return int32(binary.BigEndian.Uint32(b)) }

// Uint64 decodes a big-endian uint64 from b[:8].
func (bigEndian) Uint64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// Int64 decodes a big-endian two's complement int64 from b[:8].
func (bigEndian) Int64(b []byte) int64 { return int64(binary.BigEndian.Uint64(b)) }

// Uint128 decodes a big-endian Uint128 from b[:16]: Hi from b[:8], then Lo
// from b[8:16].
func (bigEndian) Uint128(b []byte) u128.Uint128 {
	_ = b[15] // one bounds check for all 16 bytes
	return u128.Uint128{Hi: binary.BigEndian.Uint64(b), Lo: binary.BigEndian.Uint64(b[8:])}
}

// PutUint16 encodes v into b[:2], big-endian.
func (bigEndian) PutUint16(b []byte, v uint16) { binary.BigEndian.PutUint16(b, v) }

// PutInt16 encodes v into b[:2], big-endian two's complement.
func (bigEndian) PutInt16(b []byte, v int16) { binary.BigEndian.PutUint16(b, uint16(v)) }

// PutUint32 encodes v into b[:4], big-endian.
func (bigEndian) PutUint32(b []byte, v uint32) { binary.BigEndian.PutUint32(b, v) }

// PutInt32 encodes v into b[:4], big-endian two's complement.
func (bigEndian) PutInt32(b []byte, v int32) { binary.BigEndian.PutUint32(b, uint32(v)) }

// PutUint64 encodes v into b[:8], big-endian.
func (bigEndian) PutUint64(b []byte, v uint64) { binary.BigEndian.PutUint64(b, v) }

// PutInt64 encodes v into b[:8], big-endian two's complement.
func (bigEndian) PutInt64(b []byte, v int64) { binary.BigEndian.PutUint64(b, uint64(v)) }

// PutUint128 encodes v into b[:16], big-endian: v.Hi into b[:8], then v.Lo
// into b[8:16].
func (bigEndian) PutUint128(b []byte, v u128.Uint128) {
	_ = b[15] // one bounds check for all 16 bytes
	binary.BigEndian.PutUint64(b, v.Hi)
	binary.BigEndian.PutUint64(b[8:], v.Lo)
}

// AppendUint16 appends the 2 big-endian bytes of v to b.
func (bigEndian) AppendUint16(b []byte, v uint16) []byte {
	return binary.BigEndian.AppendUint16(b, v)
}

// AppendInt16 appends the 2 big-endian two's complement bytes of v to b.
func (bigEndian) AppendInt16(b []byte, v int16) []byte {
	return binary.BigEndian.AppendUint16(b, uint16(v))
}

// AppendUint32 appends the 4 big-endian bytes of v to b.
func (bigEndian) AppendUint32(b []byte, v uint32) []byte {
	return binary.BigEndian.AppendUint32(b, v)
}

// AppendInt32 appends the 4 big-endian two's complement bytes of v to b.
func (bigEndian) AppendInt32(b []byte, v int32) []byte {
	return binary.BigEndian.AppendUint32(b, uint32(v))
}

// AppendUint64 appends the 8 big-endian bytes of v to b.
func (bigEndian) AppendUint64(b []byte, v uint64) []byte {
	return binary.BigEndian.AppendUint64(b, v)
}

// AppendInt64 appends the 8 big-endian two's complement bytes of v to b.
func (bigEndian) AppendInt64(b []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(v))
}

// AppendUint128 appends the 16 big-endian bytes of v to b: v.Hi's, then
// v.Lo's.
func (bigEndian) AppendUint128(b []byte, v u128.Uint128) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(b, v.Hi), v.Lo)
}

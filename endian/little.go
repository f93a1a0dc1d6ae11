package endian

import (
	"encoding/binary"

	"github.com/release-daemon/release/u128"
)

// Every method here decodes from or encodes into the first bytes of b and
// panics, as encoding/binary does, when b is shorter than the width.

// Uint16 decodes a little-endian uint16 from b[:2].
func (littleEndian) Uint16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }

// Int16 decodes a little-endian two's complement int16 from b[:2].
func (littleEndian) Int16(b []byte) int16 { return int16(binary.LittleEndian.Uint16(b)) }

// Uint32 decodes a little-endian uint32 from b[:4].
func (littleEndian) Uint32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

// Int32 decodes a little-endian two's complement int32 from b[:4].
func (littleEndian) Int32(b []byte) int32 { return int32(binary.LittleEndian.Uint32(b)) }

// Uint64 decodes a little-endian uint64 from b[:8].
func (littleEndian) Uint64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// Int64 decodes a little-endian two's complement int64 from b[:8].
func (littleEndian) Int64(b []byte) int64 { return int64(binary.LittleEndian.Uint64(b)) }

// Uint128 decodes a little-endian Uint128 from b[:16]: Lo from b[:8], then Hi
// from b[8:16], each little-endian.
func (littleEndian) Uint128(b []byte) u128.Uint128 {
	_ = b[15] // one bounds check for all 16 bytes
	return u128.Uint128{Lo: binary.LittleEndian.Uint64(b), Hi: binary.LittleEndian.Uint64(b[8:])}
}

// PutUint16 encodes v into b[:2], little-endian.
func (littleEndian) PutUint16(b []byte, v uint16) { binary.LittleEndian.PutUint16(b, v) }

// PutInt16 encodes v into b[:2], little-endian two's complement.
func (littleEndian) PutInt16(b []byte, v int16) { binary.LittleEndian.PutUint16(b, uint16(v)) }

// PutUint32 encodes v into b[:4], little-endian.
func (littleEndian) PutUint32(b []byte, v uint32) { binary.LittleEndian.PutUint32(b, v) }

// PutInt32 encodes v into b[:4], little-endian two's complement.
func (littleEndian) PutInt32(b []byte, v int32) { binary.LittleEndian.PutUint32(b, uint32(v)) }

// PutUint64 encodes v into b[:8], little-endian.
func (littleEndian) PutUint64(b []byte, v uint64) { binary.LittleEndian.PutUint64(b, v) }

// PutInt64 encodes v into b[:8], little-endian two's complement.
func (littleEndian) PutInt64(b []byte, v int64) { binary.LittleEndian.PutUint64(b, uint64(v)) }

// PutUint128 encodes v into b[:16], little-endian: v.Lo into b[:8], then v.Hi
// into b[8:16], each little-endian.
func (littleEndian) PutUint128(b []byte, v u128.Uint128) {
	_ = b[15] // one bounds check for all 16 bytes
	binary.LittleEndian.PutUint64(b, v.Lo)
	binary.LittleEndian.PutUint64(b[8:], v.Hi)
}

// AppendUint16 appends the 2 little-endian bytes of v to b.
func (littleEndian) AppendUint16(b []byte, v uint16) []byte {
	return binary.LittleEndian.AppendUint16(b, v)
}

// AppendInt16 appends the 2 little-endian two's complement bytes of v to b.
func (littleEndian) AppendInt16(b []byte, v int16) []byte {
	return binary.LittleEndian.AppendUint16(b, uint16(v))
}

// AppendUint32 appends the 4 little-endian bytes of v to b.
func (littleEndian) AppendUint32(b []byte, v uint32) []byte {
	return binary.LittleEndian.AppendUint32(b, v)
}

// AppendInt32 appends the 4 little-endian two's complement bytes of v to b.
func (littleEndian) AppendInt32(b []byte, v int32) []byte {
	return binary.LittleEndian.AppendUint32(b, uint32(v))
}

// AppendUint64 appends the 8 little-endian bytes of v to b.
func (littleEndian) AppendUint64(b []byte, v uint64) []byte {
	return binary.LittleEndian.AppendUint64(b, v)
}

// AppendInt64 appends the 8 little-endian two's complement bytes of v to b.
func (littleEndian) AppendInt64(b []byte, v int64) []byte {
	return binary.LittleEndian.AppendUint64(b, uint64(v))
}

// AppendUint128 appends the 16 little-endian bytes of v to b: v.Lo's, then
// v.Hi's.
func (littleEndian) AppendUint128(b []byte, v u128.Uint128) []byte {
	return binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(b, v.Lo), v.Hi)
}

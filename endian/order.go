package endian

import (
	"encoding/binary"

	"github.com/release-daemon/release/u128"
)

// ByteOrder is the part of [Big] and [Little] that code choosing an order at
// run time needs. It includes [binary.ByteOrder] and
// [binary.AppendByteOrder], so Big and Little can be passed wherever package
// encoding/binary wants an order. Calls through the interface are not
// inlined; call Big and Little directly where speed matters.
type ByteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
	Uint128(b []byte) u128.Uint128                 // decodes b[:16]; panics if shorter
	PutUint128(b []byte, v u128.Uint128)           // encodes v into b[:16]; panics if shorter
	AppendUint128(b []byte, v u128.Uint128) []byte // appends v's 16 bytes to b
	NewReader(b []byte) Reader                     // a checked Reader of b in this order
	NewWriter(buf []byte) Writer                   // a Writer appending to buf in this order
}

// Big is the big-endian (network) byte order: the most significant byte
// comes first. Its methods, for X in Uint16, Int16, Uint32, Int32, Uint64,
// Int64 and Uint128 (a [u128.Uint128]), are
//
//	X(b []byte) x                 // decodes b[:width]
//	PutX(b []byte, v x)           // encodes v into b[:width]
//	AppendX(b []byte, v x) []byte // appends the encoding of v to b
//
// plus NewReader, NewWriter and String. X and PutX panic if len(b) is less
// than the width, as encoding/binary does.
var Big bigEndian

// Little is the little-endian byte order: the least significant byte comes
// first. It has the same methods as [Big].
var Little littleEndian

// Both orders must satisfy ByteOrder.
var (
	_ ByteOrder = Big
	_ ByteOrder = Little
)

// bigEndian is the type of [Big].
type bigEndian struct{}

// littleEndian is the type of [Little].
type littleEndian struct{}

// String returns "BigEndian".
func (bigEndian) String() string { return "BigEndian" }

// String returns "LittleEndian".
func (littleEndian) String() string { return "LittleEndian" }

// NewReader returns a big-endian [Reader] over b. See [Reader] for its rules.
func (bigEndian) NewReader(b []byte) Reader { return Reader{buf: b} }

// NewReader returns a little-endian [Reader] over b. See [Reader] for its rules.
func (littleEndian) NewReader(b []byte) Reader { return Reader{buf: b, little: true} }

// NewWriter returns a big-endian [Writer] that appends to buf, after the
// len(buf) bytes already there.
func (bigEndian) NewWriter(buf []byte) Writer { return Writer{buf: buf} }

// NewWriter returns a little-endian [Writer] that appends to buf, after the
// len(buf) bytes already there.
func (littleEndian) NewWriter(buf []byte) Writer { return Writer{buf: buf, little: true} }

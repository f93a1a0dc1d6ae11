package endian

import (
	"encoding/binary"
	"io"

	"github.com/release-daemon/release/u128"
)

// Reader is a checked cursor over a byte slice, for input that may be short
// or hostile. Make one with [Big].NewReader or [Little].NewReader; the zero
// Reader has no bytes to read.
//
// A Reader is a small value meant to live on the stack: keep it in a
// variable and call its methods, which have pointer receivers. Copying a
// Reader copies its position, which is a cheap way to look ahead.
//
// Its methods never panic. A read that needs more bytes than are left
// returns zero (or nil), consumes nothing and records [io.ErrUnexpectedEOF];
// a negative count records [ErrNegativeCount]. The first error sticks: from
// then on every getter returns zero without consuming anything, and
// [Reader.Err] returns that error. So a decoder can make all its reads and
// check Err once at the end. A Reader never allocates and never modifies
// the bytes it reads.
type Reader struct {
	buf    []byte // the whole input
	off    int    // bytes consumed; 0 <= off <= len(buf)
	err    error  // first error, or nil
	little bool   // byte order: false is big-endian
}

// next consumes and returns the next n >= 0 bytes, capped so that appending
// to them cannot overwrite the rest of the input. It returns nil and records
// io.ErrUnexpectedEOF when fewer than n bytes are left, and returns nil once
// an error is recorded.
func (r *Reader) next(n int) []byte {
	if r.err != nil || n > len(r.buf)-r.off {
		r.fail(io.ErrUnexpectedEOF)
		return nil
	}
	p := r.buf[r.off : r.off+n : r.off+n]
	r.off += n
	return p
}

// fail records err unless an error is already recorded.
func (r *Reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// Err returns the first error the Reader met: [io.ErrUnexpectedEOF],
// [ErrNegativeCount], or nil if every read so far succeeded.
func (r *Reader) Err() error { return r.err }

// Len returns the number of bytes not yet consumed. A failed read consumes
// nothing, so after an error Len still counts the bytes that were left.
func (r *Reader) Len() int { return len(r.buf) - r.off }

// Offset returns the number of bytes consumed so far: the offset, in the
// slice given to NewReader, of the next byte to be read.
func (r *Reader) Offset() int { return r.off }

// Bytes consumes the next n bytes and returns them as a view into the input,
// not a copy: it is valid as long as the input is, and changes to the input
// show through it. Its capacity is n, so appending to it copies rather than
// overwriting the input. If fewer than n bytes are left, or an error was
// recorded before, Bytes returns nil; a negative n records
// [ErrNegativeCount].
func (r *Reader) Bytes(n int) []byte {
	if n < 0 {
		r.fail(ErrNegativeCount)
		return nil
	}
	return r.next(n)
}

// Skip consumes the next n bytes without looking at them. Like [Reader.Bytes]
// it records [io.ErrUnexpectedEOF] if fewer than n bytes are left and
// [ErrNegativeCount] if n is negative.
func (r *Reader) Skip(n int) { r.Bytes(n) }

// Uint8 consumes and returns the next byte.
func (r *Reader) Uint8() uint8 {
	if p := r.next(1); p != nil {
		return p[0]
	}
	return 0
}

// Int8 consumes the next byte and returns it as a two's complement int8.
func (r *Reader) Int8() int8 { return int8(r.Uint8()) }

// Uint16 consumes the next 2 bytes and decodes them as a uint16.
func (r *Reader) Uint16() uint16 {
	p := r.next(2)
	switch {
	case p == nil:
		return 0
	case r.little:
		return binary.LittleEndian.Uint16(p)
	}
	return binary.BigEndian.Uint16(p)
}

// Int16 consumes the next 2 bytes and decodes them as a two's complement
// int16.
func (r *Reader) Int16() int16 { return int16(r.Uint16()) }

// Uint32 consumes the next 4 bytes and decodes them as a uint32.
func (r *Reader) Uint32() uint32 {
	p := r.next(4)
	switch {
	case p == nil:
		return 0
	case r.little:
		return binary.LittleEndian.Uint32(p)
	}
	return binary.BigEndian.Uint32(p)
}

// Int32 consumes the next 4 bytes and decodes them as a two's complement
// int32.
func (r *Reader) Int32() int32 { return int32(r.Uint32()) }

// Uint64 consumes the next 8 bytes and decodes them as a uint64.
func (r *Reader) Uint64() uint64 {
	p := r.next(8)
	switch {
	case p == nil:
		return 0
	case r.little:
		return binary.LittleEndian.Uint64(p)
	}
	return binary.BigEndian.Uint64(p)
}

// Int64 consumes the next 8 bytes and decodes them as a two's complement
// int64.
func (r *Reader) Int64() int64 { return int64(r.Uint64()) }

// Uint128 consumes the next 16 bytes and decodes them as a [u128.Uint128],
// laid out as [Big].Uint128 or [Little].Uint128 reads it.
func (r *Reader) Uint128() u128.Uint128 {
	p := r.next(16)
	switch {
	case p == nil:
		return u128.Uint128{}
	case r.little:
		return Little.Uint128(p)
	}
	return Big.Uint128(p)
}

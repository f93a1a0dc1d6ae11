// Package endian reads and writes fixed-width integers in a byte slice, in
// big-endian ([Big]) or little-endian ([Little]) byte order. It replaces the
// Release_bytes module of the OCaml Release library.
//
// # Three ways in
//
// [Big] and [Little] work like encoding/binary's BigEndian and LittleEndian,
// and add the signed widths and [u128.Uint128]. For X in Uint16, Int16,
// Uint32, Int32, Uint64, Int64 and Uint128 each has X(b), PutX(b, v) and
// AppendX(b, v). They are meant for trusted input whose length has already
// been checked: X and PutX panic when b is too short, just as encoding/binary
// does. They are small enough to be inlined, never allocate (AppendX only
// when append must grow b), and run as fast as encoding/binary, which they
// call.
//
// [Reader], from Big.NewReader(b) or Little.NewReader(b), is a checked cursor
// for untrusted input. Its getters never panic: a read past the end returns
// zero, consumes nothing and records [io.ErrUnexpectedEOF], and after the
// first error every getter returns zero, so a decoder checks [Reader.Err]
// once at the end. [Reader.Bytes] returns views into the input, not copies.
//
// [Writer], from Big.NewWriter(buf) or Little.NewWriter(buf), appends to buf
// and implements [io.Writer]. It never fails.
//
// # Format
//
// Signed integers are two's complement, so IntN and UintN give the same
// bytes for the same bits. A Uint128 is 16 bytes: big-endian puts Hi's 8
// bytes first, then Lo's, each big-endian; little-endian puts Lo's 8 bytes
// first, then Hi's, each little-endian. In both orders that is simply the
// 128-bit value in that byte order.
//
// # What it does not do
//
// It does no I/O: a Reader decodes bytes already in memory, and a Writer
// only appends to a slice (package frame moves messages over connections).
// It has no varints, floats, strings or reflection-driven struct encoding;
// use encoding/binary for those. It has no native-endian order and no
// unsafe tricks. It never logs.
//
// # Mapping from Release_bytes
//
// In the original, read_X_at off buf reads at offset off, read_X buf reads at
// offset 0, and write_X v buf appends to a growing Buffer.t; here the buffer
// is a []byte and appending returns the new slice, or goes through a Writer w
// made by the same order. Reads from the original raised Invalid_argument on
// a short buffer; Big and Little panic instead, and a [Reader] records
// [io.ErrUnexpectedEOF]. The rows for Little_endian are those of Big_endian
// with Little in place of Big.
//
//	Release_bytes                       package endian
//	read_byte_at off buf                b[off]                       (or r.Uint8())
//	read_byte buf                       b[0]
//	write_byte v buf                    b = append(b, byte(v))       (or w.Uint8(uint8(v)))
//	Big_endian.read_int16_at off buf    Big.Uint16(b[off:])
//	Big_endian.read_int16 buf           Big.Uint16(b)
//	Big_endian.write_int16 v buf        b = Big.AppendUint16(b, uint16(v))  (or w.Uint16)
//	Big_endian.read_int_at off buf      Big.Uint32(b[off:])
//	Big_endian.read_int buf             Big.Uint32(b)
//	Big_endian.write_int v buf          b = Big.AppendUint32(b, uint32(v))  (or w.Uint32)
//	Big_endian.read_int32_at off buf    Big.Int32(b[off:])
//	Big_endian.read_int32 buf           Big.Int32(b)
//	Big_endian.write_int32 v buf        b = Big.AppendInt32(b, v)           (or w.Int32)
//	Big_endian.read_uint32_at off buf   Big.Uint32(b[off:])
//	Big_endian.read_uint32 buf          Big.Uint32(b)
//	Big_endian.write_uint32 v buf       b = Big.AppendUint32(b, v)          (or w.Uint32)
//	Big_endian.read_int64_at off buf    Big.Int64(b[off:])
//	Big_endian.read_int64 buf           Big.Int64(b)
//	Big_endian.write_int64 v buf        b = Big.AppendInt64(b, v)           (or w.Int64)
//	Big_endian.read_uint64_at off buf   Big.Uint64(b[off:])
//	Big_endian.read_uint64 buf          Big.Uint64(b)
//	Big_endian.write_uint64 v buf       b = Big.AppendUint64(b, v)          (or w.Uint64)
//	Big_endian.read_uint128_at off buf  Big.Uint128(b[off:])
//	Big_endian.read_uint128 buf         Big.Uint128(b)
//	Big_endian.write_uint128 v buf      b = Big.AppendUint128(b, v)         (or w.Uint128)
//	Big_endian.write_X_byte v buf       b = append(b, byte(v))       (or w.Uint8(uint8(v)))
//
// Notes on the rows:
//
//   - write_X_byte, for every X (int16, int, int32, uint32, int64, uint64,
//     uint128), appends a single byte, the low 8 bits of v, whatever the
//     order; it is not a full-width write.
//   - The original's int16 and int are OCaml ints (63 bits) filled from 2 or
//     4 bytes without sign extension, so read_int16 gives 0 to 65535 and
//     read_int gives 0 to 2^32-1: Uint16 and Uint32 return the same values.
//     Use Int16 or Int32 where the field is really signed. write_int16 and
//     write_int silently kept the low 16 or 32 bits of v; here that
//     truncation is the caller's explicit uint16 or uint32 conversion, so
//     check the range first wherever wrapping would be a bug (the original's
//     frame header wrapped lengths of 2^32 and more).
//   - int32 and int64 map to Int32 and Int64; the original's Stdint Uint32,
//     Uint64 and Uint128 map to uint32, uint64 and [u128.Uint128].
//   - The original declared a width of 32 bytes for Uint128, so its
//     read_uint128 and write_uint128 consumed and produced 32 bytes, the
//     extra 16 holding no defined value. This package uses 16 bytes, the
//     width of the value; it does not reproduce the 32-byte layout.
package endian

package endian

import (
	"encoding/binary"

	"github.com/release-daemon/release/u128"
)

// Writer appends integers in one byte order to a growing byte slice. Make
// one with [Big].NewWriter or [Little].NewWriter; the zero Writer is a
// big-endian Writer with no buffer. It never fails; it allocates only when
// the slice must grow, as append does.
//
// Like [Reader], a Writer is a small value meant to be kept in a variable;
// its methods have pointer receivers. Don't use a copy of a Writer after
// writing through the original: both would share, and overwrite, the same
// spare capacity.
type Writer struct {
	buf    []byte
	little bool // byte order: false is big-endian
}

// Bytes returns everything appended so far, after the bytes already in the
// slice given to NewWriter. It shares the Writer's storage: it is valid
// until the next write or [Writer.Reset].
func (w *Writer) Bytes() []byte { return w.buf }

// Len returns len(w.Bytes()).
func (w *Writer) Len() int { return len(w.buf) }

// Reset empties the Writer, including the bytes the slice given to NewWriter
// held, and keeps its storage for reuse.
func (w *Writer) Reset() { w.buf = w.buf[:0] }

// Write appends p. It implements [io.Writer] and always returns len(p), nil.
func (w *Writer) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// Uint8 appends the byte v.
func (w *Writer) Uint8(v uint8) { w.buf = append(w.buf, v) }

// Int8 appends v as one two's complement byte.
func (w *Writer) Int8(v int8) { w.buf = append(w.buf, byte(v)) }

// Uint16 appends the 2 bytes of v.
func (w *Writer) Uint16(v uint16) {
	if w.little {
		w.buf = binary.LittleEndian.AppendUint16(w.buf, v)
		return
	}
	w.buf = binary.BigEndian.AppendUint16(w.buf, v)
}

// Int16 appends the 2 two's complement bytes of v.
func (w *Writer) Int16(v int16) { w.Uint16(uint16(v)) }

// Uint32 appends the 4 bytes of v.
func (w *Writer) Uint32(v uint32) {
	if w.little {
		w.buf = binary.LittleEndian.AppendUint32(w.buf, v)
		return
	}
	w.buf = binary.BigEndian.AppendUint32(w.buf, v)
}

// Int32 appends the 4 two's complement bytes of v.
func (w *Writer) Int32(v int32) { w.Uint32(uint32(v)) }

// Uint64 appends the 8 bytes of v.
func (w *Writer) Uint64(v uint64) {
	if w.little {
		w.buf = binary.LittleEndian.AppendUint64(w.buf, v)
		return
	}
	w.buf = binary.BigEndian.AppendUint64(w.buf, v)
}

// Int64 appends the 8 two's complement bytes of v.
func (w *Writer) Int64(v int64) { w.Uint64(uint64(v)) }

// Uint128 appends the 16 bytes of v, laid out as [Big].AppendUint128 or
// [Little].AppendUint128 writes them.
func (w *Writer) Uint128(v u128.Uint128) {
	if w.little {
		w.buf = Little.AppendUint128(w.buf, v)
		return
	}
	w.buf = Big.AppendUint128(w.buf, v)
}

package endian

import "errors"

// Errors recorded by a [Reader] and returned by [Reader.Err]. A read past the
// end of the input records [io.ErrUnexpectedEOF] itself, not a wrapper, so
// both == and [errors.Is] work on it.
var (
	// ErrNegativeCount is recorded by [Reader.Bytes] and [Reader.Skip] when
	// they are given a negative count.
	ErrNegativeCount = errors.New("endian: negative count")
)

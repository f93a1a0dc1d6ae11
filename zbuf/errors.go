package zbuf

import "errors"

// Errors returned, or wrapped, by this package. Misuse that is a bug in the
// caller (an index out of range, a method called on a freed Buffer) panics
// instead, with an error value wrapping [ErrRange] or [ErrFreed], so that a
// recover can still tell them apart with [errors.Is].
var (
	// ErrFreed means a Buffer was used after Free: Free called twice
	// returns it, and any other method on a freed Buffer panics with an
	// error wrapping it. The zero Buffer counts as freed.
	ErrFreed = errors.New("zbuf: use of freed Buffer")

	// ErrClosed is returned by a Pool's methods, and by an Append that
	// needs to grow a buffer, once the Pool has been closed.
	ErrClosed = errors.New("zbuf: Pool closed")

	// ErrReadOnly is returned by every method that would write to a
	// Buffer made by MapFile, or to one of its views.
	ErrReadOnly = errors.New("zbuf: read-only Buffer")

	// ErrFault means the memory behind a mapped file could not be read:
	// the file shrank after it was mapped. The accessor that met it
	// returns zero values, and [Buffer.Err] keeps reporting it.
	ErrFault = errors.New("zbuf: fault reading mapped file")

	// ErrRange means a size, offset or count is negative or too large. It
	// is returned by the functions that return errors and wrapped by the
	// panics of those that do not.
	ErrRange = errors.New("zbuf: out of range")

	// ErrForeign is returned by [Pool.Put] for a Buffer that another Pool
	// made; the Buffer is left as it was.
	ErrForeign = errors.New("zbuf: Buffer from another Pool")

	// ErrConfig wraps each problem [NewPool] finds in a [Config].
	ErrConfig = errors.New("zbuf: invalid Config")
)

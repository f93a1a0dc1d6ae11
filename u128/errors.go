package u128

import (
	"errors"
	"strconv"
	"strings"
)

var (
	// ErrSyntax means a string is not a number in the given base. It is
	// [strconv.ErrSyntax], so code written for strconv keeps working.
	ErrSyntax = strconv.ErrSyntax

	// ErrRange means a number does not fit in 128 bits. It is
	// [strconv.ErrRange].
	ErrRange = strconv.ErrRange

	// ErrBase means a base outside 0 and 2 to 36 was asked for.
	ErrBase = errors.New("u128: invalid base")

	// ErrBinaryLength means a binary form that is not exactly 16 bytes.
	ErrBinaryLength = errors.New("u128: binary form must be 16 bytes")
)

// NumError records a failed conversion, as [strconv.NumError] does.
type NumError struct {
	Func string // the failing function ("u128.Parse")
	Num  string // the input
	Err  error  // ErrSyntax, ErrRange or ErrBase
}

// Error returns "Func: parsing "Num": reason", as strconv's.
func (e *NumError) Error() string {
	return e.Func + ": parsing " + strconv.Quote(e.Num) + ": " + e.Err.Error()
}

// Unwrap returns Err, so that errors.Is finds ErrSyntax, ErrRange or ErrBase.
func (e *NumError) Unwrap() error { return e.Err }

// numError returns a *NumError for a failed Parse of s, with its own copy
// of s so that the error does not keep a caller's larger string alive.
func numError(s string, err error) *NumError {
	return &NumError{Func: "u128.Parse", Num: strings.Clone(s), Err: err}
}

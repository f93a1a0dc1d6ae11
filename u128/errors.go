package u128

import (
	"errors"
	"strconv"
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

// numError returns the error strconv would give, naming this package.
func numError(s string, err error) *strconv.NumError {
	return &strconv.NumError{Func: "u128.Parse", Num: string([]byte(s)), Err: err}
}

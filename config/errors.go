package config

import (
	"errors"
	"strconv"
	"strings"
)

// The sentinels every error from this package wraps. Test for them with
// [errors.Is]; a [*ParseError] says where, and its Err wraps one of these.
var (
	// ErrSyntax means the text is not in the Release format: a bad token, a
	// bad escape, a number out of range, an invalid regexp, text that is
	// not valid UTF-8, a NUL byte or a byte order mark.
	ErrSyntax = errors.New("config: syntax error")

	// ErrDuplicate means a section or a key appears twice.
	ErrDuplicate = errors.New("config: duplicate")

	// ErrUnknown means a section or a key that the [Spec] does not list.
	ErrUnknown = errors.New("config: unknown")

	// ErrMissing means a required key (one with no default) is absent, or,
	// from a getter, that the key is not in the [Config].
	ErrMissing = errors.New("config: missing")

	// ErrInvalid means a value failed one of its key's validations, or a
	// value that cannot be written in the Release format.
	ErrInvalid = errors.New("config: invalid value")

	// ErrType means a value of the wrong kind for a typed getter or for a
	// [Decode] field, or a Decode target that is not a pointer to a struct.
	ErrType = errors.New("config: wrong type")

	// ErrTooLarge means input over [MaxSize] bytes, a line over
	// [MaxLineLength] bytes, or more regexps to parse than
	// [MaxRegexpParse] allows.
	ErrTooLarge = errors.New("config: too large")
)

// ParseError says where parsing, validating or decoding failed. Line and
// Column count from 1; Column counts bytes, as go/scanner does. Line is 0
// when the error has no place in the file (a missing key of a section that
// is not in the file, a default value, a file that is too large), and Column
// is 0 when only the line is known.
type ParseError struct {
	File   string // the name given to ParseBytes or ParseReader, or Parse's path
	Line   int    // the line, from 1; 0 when the error has no place in the file
	Column int    // the byte in the line, from 1; 0 when only the line is known
	Key    string // "section.key", "key" in the global section, "section" for a whole section; "" for syntax errors
	Err    error  // wraps ErrSyntax, ErrDuplicate, ErrUnknown, ErrMissing, ErrInvalid, ErrType or ErrTooLarge
}

// Error returns "file:line:column: key: message", leaving out the parts that
// are empty or zero.
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("config: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	if e.Line > 0 {
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(":")
		if e.Column > 0 {
			b.WriteString(strconv.Itoa(e.Column))
			b.WriteString(":")
		}
	}
	if b.Len() > len("config: ") {
		b.WriteString(" ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(strings.TrimPrefix(e.Err.Error(), "config: "))
	}
	return b.String()
}

// Unwrap returns Err, so that errors.Is finds the sentinel.
func (e *ParseError) Unwrap() error { return e.Err }

// ErrorList is every error found in one parse, validation or decode, sorted
// by line (errors with no line last). It is the error that [Parse],
// [ParseBytes], [ParseReader] and [Decode] return when the input is at
// fault: the first [*ParseError] is found with errors.AsType[*ParseError],
// all of them with errors.AsType[ErrorList], and [errors.Is] looks through
// every one. At most [MaxErrors] syntax errors are collected; past that the
// parse stops.
type ErrorList []*ParseError

// Error returns the errors' messages, one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the errors, for errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// err returns l as an error: nil when l is empty.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

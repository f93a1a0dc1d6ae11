package config

import (
	"cmp"
	"fmt"
	"slices"
)

// sink collects the errors of one parse, up to MaxErrors.
type sink struct {
	file string
	errs ErrorList
	full bool
}

// add records an error; past MaxErrors it records one last error and drops
// the rest.
func (s *sink) add(line, col int, key string, err error) {
	if s.full {
		return
	}
	if len(s.errs) == MaxErrors {
		s.full = true
		err, key = fmt.Errorf("%w: too many errors; stopped after %d", ErrSyntax, MaxErrors), ""
	}
	s.errs = append(s.errs, &ParseError{File: s.file, Line: line, Column: col, Key: key, Err: err})
}

// addf records an error that wraps sentinel, with a message.
func (s *sink) addf(line, col int, sentinel error, format string, args ...any) {
	s.add(line, col, "", fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...)))
}

// sorted returns the errors ordered by line and column, those with no line
// last, as an error (nil when there are none).
func (s *sink) sorted() error {
	slices.SortStableFunc(s.errs, func(a, b *ParseError) int {
		if (a.Line == 0) != (b.Line == 0) {
			return cmp.Compare(b.Line, a.Line) // line 0 after the rest
		}
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return s.errs.err()
}

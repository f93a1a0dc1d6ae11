package config

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// Parse reads the file at path, parses it and checks it against spec (see
// [Spec] for what a nil spec means). The file is read once, at most
// [MaxSize]+1 bytes of it, and closed before Parse returns, whatever
// happens. An error opening or reading it is the [*os.PathError] from
// package os (so errors.Is(err, fs.ErrNotExist) and fs.ErrPermission
// work; a directory gives "is a directory"); every error in its contents is
// in the returned [ErrorList].
func Parse(path string, spec Spec) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	if size > MaxSize {
		return nil, tooLarge(path)
	}
	src, err := readAll(f, path, size)
	if err != nil {
		return nil, err
	}
	return parseString(path, src, spec)
}

// ParseReader reads r to its end, at most [MaxSize]+1 bytes, and parses what
// it read as [Parse] does; name is used in errors. It does not close r.
func ParseReader(name string, r io.Reader, spec Spec) (*Config, error) {
	src, err := readAll(r, name, 0)
	if err != nil {
		return nil, err
	}
	return parseString(name, src, spec)
}

// ParseBytes parses data as [Parse] does; name is used in errors. The
// Config does not keep data: it makes its own copy.
func ParseBytes(name string, data []byte, spec Spec) (*Config, error) {
	if len(data) > MaxSize {
		return nil, tooLarge(name)
	}
	return parseString(name, string(data), spec)
}

// readAll reads r into a string, with room for size bytes to begin with.
func readAll(r io.Reader, name string, size int64) (string, error) {
	var b strings.Builder
	b.Grow(int(size) + 1)
	n, err := io.Copy(&b, io.LimitReader(r, MaxSize+1))
	if err != nil {
		return "", err
	}
	if n > MaxSize {
		return "", tooLarge(name)
	}
	return b.String(), nil
}

func tooLarge(name string) error {
	return ErrorList{{File: name, Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxSize)}}
}

// parseString parses src and applies spec.
func parseString(name, src string, spec Spec) (*Config, error) {
	s := &sink{file: name}
	if !checkText(src, s) {
		return nil, s.sorted()
	}
	c := parse(name, src, s)
	if len(s.errs) > 0 {
		return nil, s.sorted()
	}
	if spec != nil {
		spec.apply(c, s)
		if len(s.errs) > 0 {
			return nil, s.sorted()
		}
	}
	return c, nil
}

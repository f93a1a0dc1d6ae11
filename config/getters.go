package config

import (
	"fmt"
	"log/slog"
	"regexp"
)

// The typed getters return the value of key in section ("" for the global
// section) as a Go value. When the key is absent the error is a
// [*ParseError] wrapping [ErrMissing]; when its value has another kind, a
// *ParseError wrapping [ErrType] that points at the value's line.

// Int returns an int value.
func (c *Config) Int(section, key string) (int64, error) {
	return getAs(c, section, key, "an int", Value.Int)
}

// Float returns a float value, or an int value converted to float64.
func (c *Config) Float(section, key string) (float64, error) {
	return getAs(c, section, key, "a float", asFloat)
}

// Bool returns a bool value.
func (c *Config) Bool(section, key string) (bool, error) {
	return getAs(c, section, key, "a bool", Value.Bool)
}

// String returns a string value.
func (c *Config) String(section, key string) (string, error) {
	return getAs(c, section, key, "a string", Value.Str)
}

// Regexp returns a regexp value.
func (c *Config) Regexp(section, key string) (*regexp.Regexp, error) {
	return getAs(c, section, key, "a regexp", Value.Regexp)
}

// Keyword returns a keyword value.
func (c *Config) Keyword(section, key string) (string, error) {
	return getAs(c, section, key, "a keyword", Value.Keyword)
}

// LogLevel returns the level a log level keyword names.
func (c *Config) LogLevel(section, key string) (slog.Level, error) {
	return getAs(c, section, key, "a log level", Value.LogLevel)
}

// IntList returns a list of ints.
func (c *Config) IntList(section, key string) ([]int64, error) {
	return getAs(c, section, key, "a list of ints", listAs(Value.Int))
}

// FloatList returns a list of floats (ints among them converted).
func (c *Config) FloatList(section, key string) ([]float64, error) {
	return getAs(c, section, key, "a list of floats", listAs(asFloat))
}

// BoolList returns a list of bools.
func (c *Config) BoolList(section, key string) ([]bool, error) {
	return getAs(c, section, key, "a list of bools", listAs(Value.Bool))
}

// StringList returns a list of strings.
func (c *Config) StringList(section, key string) ([]string, error) {
	return getAs(c, section, key, "a list of strings", listAs(Value.Str))
}

// KeywordList returns a list of keywords.
func (c *Config) KeywordList(section, key string) ([]string, error) {
	return getAs(c, section, key, "a list of keywords", listAs(Value.Keyword))
}

// asFloat converts an int or a float to float64.
func asFloat(v Value) (float64, bool) {
	if i, ok := v.Int(); ok {
		return float64(i), true
	}
	return v.Float()
}

// listAs converts a list whose elements conv accepts.
func listAs[T any](conv func(Value) (T, bool)) func(Value) ([]T, bool) {
	return func(v Value) ([]T, bool) {
		if v.kind != KindList {
			return nil, false
		}
		out := make([]T, v.len())
		for i := range out {
			var ok bool
			if out[i], ok = conv(v.index(i)); !ok {
				return nil, false
			}
		}
		return out, true
	}
}

// getAs looks key up and converts its value with conv; want names what
// conv accepts, for the error.
func getAs[T any](c *Config, section, key, want string, conv func(Value) (T, bool)) (T, error) {
	var zero T
	e := c.lookup(section, key)
	if e == nil {
		return zero, &ParseError{File: c.file, Key: qualified(section, key), Err: fmt.Errorf("%w key", ErrMissing)}
	}
	v := c.value(e.val())
	t, ok := conv(v)
	if !ok {
		return zero, c.typeError(section, e, fmt.Errorf("%w: %s is %s, not %s", ErrType, v, aKind(v.kind), want))
	}
	return t, nil
}

// typeError returns err at e's value.
func (c *Config) typeError(section string, e *entry, err error) *ParseError {
	line, col := c.valuePosition(e)
	return &ParseError{File: c.file, Line: line, Column: col, Key: qualified(section, c.keyText(e)), Err: err}
}

package config

import (
	"fmt"
	"reflect"
	"strings"
)

// Decode fills the fields of the struct that v points to from c, field by
// field, as their config tags say:
//
//	type Settings struct {
//		User     string        `config:"user"`              // global section
//		Timeout  time.Duration `config:"read_timeout"`
//		Pattern  *regexp.Regexp `config:"some-section.match_with"`
//		Dotted   int           `config:".my_param.x"`       // global key with a dot
//		Ignored  int           `config:"-"`
//	}
//
// A tag is split at its first dot into section and key; a tag with no dot
// names a key of the global section, and so does one that starts with a
// dot (for global keys that contain one). A section whose name contains a
// dot cannot be named in a tag: use [Config.Get]. Fields without a tag are
// left alone, and so are fields whose key c does not hold (give a [Spec]
// defaults, or required keys, to be sure every key is there); the fields of
// embedded structs are not looked at.
//
// The field types and the values each takes:
//
//	bool                               bool
//	int, int8 ... int64                int, within the type's range
//	uint, uint8 ... uint64, uintptr    int, not negative, within range
//	float32, float64                   float or int
//	string                             string or keyword
//	*regexp.Regexp                     regexp
//	slog.Level                         log level keyword (debug ... fatal)
//	time.Duration                      string such as "1m30s" (time.ParseDuration),
//	                                   or int or float seconds
//	config.Value                       any value, as it is
//	a slice of any of these            list whose every element fits
//
// Every field is decoded; every mismatch is a [*ParseError] wrapping
// [ErrType], at the value's line, and Decode returns them all in an
// [ErrorList]. Fields decoded without error keep their new values even
// then. A v that is not a non-nil pointer to a struct is an error wrapping
// ErrType.
func Decode(c *Config, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("%w: Decode needs a non-nil pointer to a struct, not %T", ErrType, v)
	}
	s := &sink{file: c.file}
	rv = rv.Elem()
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		tag, ok := f.Tag.Lookup("config")
		if !ok || tag == "-" {
			continue
		}
		section, key := splitTag(tag)
		if !f.IsExported() {
			s.add(0, 0, qualified(section, key), fmt.Errorf("%w: field %s is not exported", ErrType, f.Name))
			continue
		}
		e := c.lookup(section, key)
		if e == nil {
			continue
		}
		if err := decodeValue(rv.Field(i), c.value(e.val())); err != nil {
			line, col := c.valuePosition(e)
			s.add(line, col, qualified(section, key), fmt.Errorf("%w: field %s: %w", ErrType, f.Name, err))
		}
	}
	return s.sorted()
}

// splitTag returns the section and the key a config tag names.
func splitTag(tag string) (section, key string) {
	if strings.HasPrefix(tag, ".") {
		return "", tag[1:]
	}
	section, key, ok := strings.Cut(tag, ".")
	if !ok {
		return "", tag
	}
	return section, key
}

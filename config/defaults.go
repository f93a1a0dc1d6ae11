package config

import (
	"log/slog"
	"regexp"
)

// The Default helpers make a [Key]'s Default: the original's
// Release_config_values default_bool ... default_string_list.

// DefaultBool returns a default bool.
func DefaultBool(b bool) *Value { return ptr(BoolValue(b)) }

// DefaultInt returns a default int.
func DefaultInt(i int64) *Value { return ptr(IntValue(i)) }

// DefaultFloat returns a default float.
func DefaultFloat(f float64) *Value { return ptr(FloatValue(f)) }

// DefaultString returns a default string.
func DefaultString(s string) *Value { return ptr(StringValue(s)) }

// DefaultRegexp returns a default regexp.
func DefaultRegexp(re *regexp.Regexp) *Value { return ptr(RegexpValue(re)) }

// DefaultKeyword returns a default keyword.
func DefaultKeyword(word string) *Value { return ptr(KeywordValue(word)) }

// DefaultLogLevel returns a default log level, the keyword that names it. It
// panics, as [LogLevelValue] does, for a level that is not one of the six.
func DefaultLogLevel(level slog.Level) *Value { return ptr(LogLevelValue(level)) }

// DefaultBoolList returns a default list of bools.
func DefaultBoolList(bs ...bool) *Value { return ptr(listOf(bs, BoolValue)) }

// DefaultIntList returns a default list of ints.
func DefaultIntList(is ...int64) *Value { return ptr(listOf(is, IntValue)) }

// DefaultFloatList returns a default list of floats.
func DefaultFloatList(fs ...float64) *Value { return ptr(listOf(fs, FloatValue)) }

// DefaultStringList returns a default list of strings.
func DefaultStringList(ss ...string) *Value { return ptr(listOf(ss, StringValue)) }

// DefaultKeywordList returns a default list of keywords.
func DefaultKeywordList(words ...string) *Value { return ptr(listOf(words, KeywordValue)) }

func ptr(v Value) *Value { return &v }

func listOf[T any](xs []T, value func(T) Value) Value {
	list := make([]Value, len(xs))
	for i, x := range xs {
		list[i] = value(x)
	}
	return Value{kind: KindList, ext: &ext{list: list}}
}

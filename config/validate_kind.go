package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The validations of a value's kind: the original's bool, int, float,
// string, regexp, log_level and the four list kinds.

// IsBool checks that the value is a bool.
func IsBool(v Value) error { return isKind(v, KindBool) }

// IsInt checks that the value is an int.
func IsInt(v Value) error { return isKind(v, KindInt) }

// IsFloat checks that the value is a float (an int is not).
func IsFloat(v Value) error { return isKind(v, KindFloat) }

// IsString checks that the value is a string.
func IsString(v Value) error { return isKind(v, KindString) }

// IsRegexp checks that the value is a regexp.
func IsRegexp(v Value) error { return isKind(v, KindRegexp) }

// IsLogLevel checks that the value is one of the keywords debug, info,
// notice, warning, error and fatal.
func IsLogLevel(v Value) error {
	if _, ok := v.LogLevel(); !ok {
		return fmt.Errorf("%s is not a log level (debug, info, notice, warning, error or fatal)", v)
	}
	return nil
}

// IsBoolList checks that the value is a list of bools.
func IsBoolList(v Value) error { return isListOf(v, KindBool) }

// IsIntList checks that the value is a list of ints.
func IsIntList(v Value) error { return isListOf(v, KindInt) }

// IsFloatList checks that the value is a list of floats.
func IsFloatList(v Value) error { return isListOf(v, KindFloat) }

// IsStringList checks that the value is a list of strings.
func IsStringList(v Value) error { return isListOf(v, KindString) }

// IsKeywordList checks that the value is a list of keywords.
func IsKeywordList(v Value) error { return isListOf(v, KindKeyword) }

func isKind(v Value, k Kind) error {
	if v.kind != k {
		return notA(v, k)
	}
	return nil
}

func notA(v Value, k Kind) error {
	return fmt.Errorf("%s is %s, not %s", v, aKind(v.kind), aKind(k))
}

// aKind returns "an int", "a string" and so on.
func aKind(k Kind) string {
	if k == KindInt || k == KindInvalid {
		return "an " + k.String()
	}
	return "a " + k.String()
}

func isListOf(v Value, k Kind) error {
	if v.kind != KindList {
		return fmt.Errorf("%s is %s, not a list of %ss", v, aKind(v.kind), k)
	}
	for i := range v.len() {
		if v.kindAt(i) != k {
			return fmt.Errorf("element %d: %w", i+1, notA(v.index(i), k))
		}
	}
	return nil
}

// Keyword returns a validation that the value is the keyword word.
func Keyword(word string) Validation {
	return func(v Value) error {
		if w, ok := v.Keyword(); !ok || w != word {
			return fmt.Errorf("%s is not %s", v, word)
		}
		return nil
	}
}

// Keywords returns a validation that the value is one of the keywords
// words.
func Keywords(words ...string) Validation {
	words = slices.Clone(words)
	return func(v Value) error {
		if w, ok := v.Keyword(); !ok || !slices.Contains(words, w) {
			return fmt.Errorf("%s is not one of %s", v, strings.Join(words, ", "))
		}
		return nil
	}
}

// IntInRange returns a validation that the value is an int in [lo, hi].
func IntInRange(lo, hi int64) Validation {
	return intCheck(func(i int64) bool { return lo <= i && i <= hi }, "in the range [%d, %d]", lo, hi)
}

// IntGreaterThan returns a validation that the value is an int > n.
func IntGreaterThan(n int64) Validation {
	return intCheck(func(i int64) bool { return i > n }, "greater than %d", n)
}

// IntLessThan returns a validation that the value is an int < n.
func IntLessThan(n int64) Validation {
	return intCheck(func(i int64) bool { return i < n }, "less than %d", n)
}

// IntIn returns a validation that the value is one of the ints is.
func IntIn(is ...int64) Validation {
	is = slices.Clone(is)
	return intCheck(func(i int64) bool { return slices.Contains(is, i) }, "one of %v", is)
}

func intCheck(ok func(int64) bool, format string, args ...any) Validation {
	return func(v Value) error {
		i, isInt := v.Int()
		if !isInt {
			return notA(v, KindInt)
		}
		if !ok(i) {
			return fmt.Errorf("%d is not "+format, append([]any{i}, args...)...)
		}
		return nil
	}
}

// FloatInRange returns a validation that the value is a float in [lo, hi].
func FloatInRange(lo, hi float64) Validation {
	return floatCheck(func(f float64) bool { return lo <= f && f <= hi }, "in the range [%v, %v]", lo, hi)
}

// FloatGreaterThan returns a validation that the value is a float > x.
func FloatGreaterThan(x float64) Validation {
	return floatCheck(func(f float64) bool { return f > x }, "greater than %v", x)
}

// FloatLessThan returns a validation that the value is a float < x.
func FloatLessThan(x float64) Validation {
	return floatCheck(func(f float64) bool { return f < x }, "less than %v", x)
}

func floatCheck(ok func(float64) bool, format string, args ...any) Validation {
	return func(v Value) error {
		f, isFloat := v.Float()
		if !isFloat {
			return notA(v, KindFloat)
		}
		if !ok(f) {
			return fmt.Errorf("%v is not "+format, append([]any{f}, args...)...)
		}
		return nil
	}
}

// StringMatching returns a validation that the value is a string that the
// regexp expr (Go syntax) matches somewhere; anchor it with ^ and $ to
// match the whole string. If expr does not compile, every value fails with
// the compile error.
func StringMatching(expr string) Validation {
	re, err := regexp.Compile(expr)
	return func(v Value) error {
		s, ok := v.Str()
		switch {
		case !ok:
			return notA(v, KindString)
		case err != nil:
			return err
		case !re.MatchString(s):
			return fmt.Errorf("%s does not match /%s/", strconv.Quote(s), expr)
		}
		return nil
	}
}

// StringIn returns a validation that the value is one of the strings ss.
func StringIn(ss ...string) Validation {
	ss = slices.Clone(ss)
	return func(v Value) error {
		s, ok := v.Str()
		if !ok {
			return notA(v, KindString)
		}
		if !slices.Contains(ss, s) {
			return fmt.Errorf("%s is not one of %q", strconv.Quote(s), ss)
		}
		return nil
	}
}

// ListOf returns a validation that the value is a list whose every element
// passes each of validations.
func ListOf(validations ...Validation) Validation {
	validations = slices.Clone(validations)
	return func(v Value) error {
		if v.kind != KindList {
			return fmt.Errorf("%s is %s, not a list", v, aKind(v.kind))
		}
		for i := range v.len() {
			for _, validate := range validations {
				if err := validate(v.index(i)); err != nil {
					return fmt.Errorf("element %d: %w", i+1, err)
				}
			}
		}
		return nil
	}
}

package config

import (
	"log/slog"
	"math"
	"regexp"
	"slices"
	"strconv"
)

// Kind is the kind of a [Value]. The zero Kind is KindInvalid, the kind of
// the zero Value.
type Kind uint8

// The kinds of values. A log level is a keyword: see [Value.LogLevel].
const (
	KindInvalid Kind = iota
	KindInt
	KindFloat
	KindBool
	KindString
	KindRegexp
	KindKeyword
	KindList
)

var kindNames = [...]string{"invalid", "int", "float", "bool", "string", "regexp", "keyword", "list"}

// String returns the kind's name: "int", "float", and so on.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one configuration value and its kind. The zero Value has
// KindInvalid. Values are immutable and safe to share between goroutines;
// callers must not change the slice that List returns.
type Value struct {
	kind Kind
	num  uint64 // KindInt: int64 bits; KindFloat: float64 bits; KindBool: 0 or 1; read from a file, KindList and KindRegexp: see Config.value
	str  string // KindString: the text; KindKeyword: the word; KindRegexp: the source
	ext  *ext   // KindRegexp and KindList
}

// ext holds what only regexps and lists need, out of line to keep Value
// small.
type ext struct {
	re   *regexp.Regexp // regexps made by RegexpValue
	cfg  *Config        // lists and regexps read from a file: cfg holds a list's elements and compiles a regexp on first use, both found by the Value's num
	list []Value        // lists made by ListValue
}

// len returns the number of elements of a list, and 0 for other kinds.
func (v Value) len() int {
	switch {
	case v.kind != KindList || v.ext == nil:
		return 0
	case v.ext.cfg != nil:
		return int(uint32(v.num))
	}
	return len(v.ext.list)
}

// kindAt returns the kind of element i of a list, without making it.
func (v Value) kindAt(i int) Kind {
	if c := v.ext.cfg; c != nil {
		return c.elemKind(v.num, i)
	}
	return v.ext.list[i].kind
}

// index returns element i of a list.
func (v Value) index(i int) Value {
	if v.ext.cfg != nil {
		return v.ext.cfg.elem(v.num, i)
	}
	return v.ext.list[i]
}

// IntValue returns an int Value.
func IntValue(i int64) Value { return Value{kind: KindInt, num: uint64(i)} }

// FloatValue returns a float Value. NaN and infinities can be held, but not
// written by [Config.WriteTo]: the format has no syntax for them.
func FloatValue(f float64) Value { return Value{kind: KindFloat, num: math.Float64bits(f)} }

// BoolValue returns a bool Value.
func BoolValue(b bool) Value {
	v := Value{kind: KindBool}
	if b {
		v.num = 1
	}
	return v
}

// StringValue returns a string Value.
func StringValue(s string) Value { return Value{kind: KindString, str: s} }

// RegexpValue returns a regexp Value. A nil re gives the zero Value.
func RegexpValue(re *regexp.Regexp) Value {
	if re == nil {
		return Value{}
	}
	return Value{kind: KindRegexp, str: re.String(), ext: &ext{re: re}}
}

// KeywordValue returns a keyword Value: a bare word such as debug. To be
// written by [Config.WriteTo] it must be an identifier other than true and
// false.
func KeywordValue(word string) Value { return Value{kind: KindKeyword, str: word} }

// LogLevelValue returns the keyword Value that names level: one of debug,
// info, notice, warning, error and fatal. It panics for any other level, as
// regexp.MustCompile does for a bad expression: specs are written by
// programmers, not read from files.
func LogLevelValue(level slog.Level) Value {
	name, ok := levelName(level)
	if !ok {
		panic("config: LogLevelValue: " + level.String() + " is not one of the six Release log levels")
	}
	return KeywordValue(name)
}

// ListValue returns a list Value holding a copy of elems. The format only
// has lists of non-list values.
func ListValue(elems ...Value) Value {
	return Value{kind: KindList, ext: &ext{list: slices.Clone(elems)}}
}

// Kind returns the value's kind.
func (v Value) Kind() Kind { return v.kind }

// Int returns an int value and true, or 0 and false for any other kind.
func (v Value) Int() (int64, bool) { return int64(v.num), v.kind == KindInt }

// Float returns a float value and true, or 0 and false for any other kind
// (an int is not converted: use [Config.Float] or [Decode] for that).
func (v Value) Float() (float64, bool) {
	if v.kind != KindFloat {
		return 0, false
	}
	return math.Float64frombits(v.num), true
}

// Bool returns a bool value and true, or false and false.
func (v Value) Bool() (bool, bool) { return v.num == 1 && v.kind == KindBool, v.kind == KindBool }

// Str returns the text of a string value and true, or "" and false. (String
// returns any value written in the Release syntax.)
func (v Value) Str() (string, bool) {
	if v.kind != KindString {
		return "", false
	}
	return v.str, true
}

// Regexp returns a regexp value and true, or nil and false. A regexp read
// from a file is compiled on the first call.
func (v Value) Regexp() (*regexp.Regexp, bool) {
	if v.kind != KindRegexp {
		return nil, false
	}
	if c := v.ext.cfg; c != nil {
		return c.regexp(v.num, v.str), true
	}
	return v.ext.re, true
}

// Keyword returns the word of a keyword value and true, or "" and false.
func (v Value) Keyword() (string, bool) {
	if v.kind != KindKeyword {
		return "", false
	}
	return v.str, true
}

// LogLevel returns the level a keyword value names and true, or 0 and false
// when v is not one of the keywords debug, info, notice, warning, error and
// fatal. See [LevelNotice] and [LevelFatal] for the two that slog lacks.
func (v Value) LogLevel() (slog.Level, bool) {
	if v.kind != KindKeyword {
		return 0, false
	}
	return levelByName(v.str)
}

// List returns the elements of a list value and true, or nil and false.
// The caller must not change the slice: for a list made by ListValue it is
// the list's own; for a list read from a file it is made on each call.
func (v Value) List() ([]Value, bool) {
	switch {
	case v.kind != KindList:
		return nil, false
	case v.ext == nil || v.ext.cfg == nil:
		return v.listOwn(), true
	}
	list := make([]Value, v.len())
	for i := range list {
		list[i] = v.index(i)
	}
	return list, true
}

func (v Value) listOwn() []Value {
	if v.ext == nil {
		return nil
	}
	return v.ext.list
}

// Equal reports whether v and w have the same kind and value. Floats are
// equal when their bits are (so -0 differs from 0 and a NaN equals the same
// NaN), regexps when their source text is, lists when their elements are.
func (v Value) Equal(w Value) bool {
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case KindRegexp:
		return v.str == w.str
	case KindList:
	default:
		return v.num == w.num && v.str == w.str
	}
	n := v.len()
	if n != w.len() {
		return false
	}
	for i := range n {
		if !v.index(i).Equal(w.index(i)) {
			return false
		}
	}
	return true
}

// String returns the value as it would be written in a configuration file:
// 42, 1.5, true, "text", /regexp/, word, [1, 2]. Values that the format
// cannot hold (NaN, infinities, nested lists, keywords that are not
// identifiers) are shown as Go would show them; [Config.WriteTo] refuses
// them instead.
func (v Value) String() string {
	b, _ := appendValue(nil, v, true)
	return string(b)
}

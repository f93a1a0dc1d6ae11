package config_test

import (
	"math"
	"regexp"
	"testing"

	"github.com/release-daemon/release/config"
)

func TestValues(t *testing.T) {
	re := func(s string) config.Value { return config.RegexpValue(regexp.MustCompile(s)) }
	list := config.ListValue
	for _, c := range []struct {
		name, src string
		want      config.Value
	}{
		{"int", "42", config.IntValue(42)},
		{"int zero", "0", config.IntValue(0)},
		{"int negative", "-5", config.IntValue(-5)},
		{"int leading zeros", "007", config.IntValue(7)},
		{"int max", "9223372036854775807", config.IntValue(math.MaxInt64)},
		{"int min", "-9223372036854775808", config.IntValue(math.MinInt64)},
		{"int negative zero", "-0", config.IntValue(0)},
		{"float", "1.5", config.FloatValue(1.5)},
		{"float no integer part", ".5", config.FloatValue(.5)},
		{"float negative", "-1.25", config.FloatValue(-1.25)},
		{"float negative no integer part", "-.5", config.FloatValue(-.5)},
		{"float negative zero", "-0.0", config.FloatValue(math.Copysign(0, -1))},
		{"float long", "3.14159265358979323846264338327950288", config.FloatValue(math.Pi)},
		{"float tiny underflows to zero", "0." + zeros(400) + "1", config.FloatValue(0)},
		{"bool true", "true", config.BoolValue(true)},
		{"bool false", "false", config.BoolValue(false)},
		{"string", `"hello world"`, config.StringValue("hello world")},
		{"string empty", `""`, config.StringValue("")},
		{"string with hash", `"a # b"`, config.StringValue("a # b")},
		{"string spans lines", "\"a\nb\"", config.StringValue("a\nb")},
		{"string CRLF reads as LF", "\"a\r\nb\"", config.StringValue("a\nb")},
		{"string lone CR kept", "\"a\rb\"", config.StringValue("a\rb")},
		{"string UTF-8", `"héllo ☃"`, config.StringValue("héllo ☃")},
		{"regexp", "/^a+$/", re("^a+$")},
		{"regexp escaped slash", `/a\/b/`, re("a/b")},
		{"regexp backslashes kept", `/\d+\.\d+/`, re(`\d+\.\d+`)},
		{"regexp double backslash before slash", `/a\\/`, re(`a\\`)},
		{"regexp wrapped", "/^abc\n    def$/", re("^abcdef$")},
		{"regexp wrapped CRLF", "/^abc\r\n\t def$/", re("^abcdef$")},
		{"regexp groups and alternation", "/^(a|b)+$/", re("^(a|b)+$")},
		{"regexp hash", "/a#b/", re("a#b")},
		{"regexp empty", "//", re("")},
		{"regexp flags", "/(?i)abc/", re("(?i)abc")},
		{"keyword", "debug", config.KeywordValue("debug")},
		{"keyword one letter", "x", config.KeywordValue("x")},
		{"keyword with punctuation", `a/b"c-d.e_f`, config.KeywordValue(`a/b"c-d.e_f`)},
		{"keyword not a bool", "True", config.KeywordValue("True")},
		{"keyword prefixed bool", "trueish", config.KeywordValue("trueish")},
		{"keyword UTF-8", "café", config.KeywordValue("café")},
		{"list empty", "[]", list()},
		{"list empty spaced", "[ \n ]", list()},
		{"list ints", "[1, 2, 3]", list(config.IntValue(1), config.IntValue(2), config.IntValue(3))},
		{"list no spaces", "[1,2]", list(config.IntValue(1), config.IntValue(2))},
		{"list keywords", "[debug, info]", list(config.KeywordValue("debug"), config.KeywordValue("info"))},
		{"list bools", "[true, false]", list(config.BoolValue(true), config.BoolValue(false))},
		{"list mixed", `[1, -.5, "s", /r/, w, true]`, list(config.IntValue(1), config.FloatValue(-.5),
			config.StringValue("s"), re("r"), config.KeywordValue("w"), config.BoolValue(true))},
		{"list spans lines", "[\n  1, # one\n  2\n]", list(config.IntValue(1), config.IntValue(2))},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := parse(t, "k = "+c.src)
			got, ok := cfg.Get("", "k")
			if !ok || !got.Equal(c.want) || got.Kind() != c.want.Kind() {
				t.Fatalf("k = %s: got %v %v, want %v %v", c.src, got.Kind(), got, c.want.Kind(), c.want)
			}
		})
	}
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

func TestEscapes(t *testing.T) {
	for _, c := range []struct{ name, src, want string }{
		{"backslash", `\\`, `\`},
		{"single quote", `\'`, `'`},
		{"double quote", `\"`, `"`},
		{"newline", `\n`, "\n"},
		{"tab", `\t`, "\t"},
		{"backspace", `\b`, "\b"},
		{"carriage return", `\r`, "\r"},
		{"space", `\ `, " "},
		{"decimal", `\065`, "A"},
		{"decimal zero", `\000`, "\x00"},
		{"decimal max", `\255`, "\xff"},
		{"hex lower", `\x4a`, "J"},
		{"hex upper", `\x4A`, "J"},
		{"hex high byte", `\xff`, "\xff"},
		{"unknown escape kept", `\q`, `\q`},
		{"short decimal kept", `\12a`, `\12a`},
		{"short hex kept", `\x4g`, `\x4g`},
		{"backslash at line end kept", "\\\n", "\\\n"},
		{"escapes in a row", `\\\"\n`, "\\\"\n"},
		{"escape then text", `a\tb`, "a\tb"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := parse(t, `s = "`+c.src+`"`)
			got, err := cfg.String("", "s")
			if err != nil || got != c.want {
				t.Fatalf(`"%s" = %q, %v; want %q`, c.src, got, err, c.want)
			}
		})
	}
}

// TestTokens checks the tokens around values: = and the brackets need no
// blank space, comments end words, and keys are identifiers.
func TestTokens(t *testing.T) {
	for _, c := range []struct{ name, src, want string }{
		{"no blanks", "a=1[s]b=[1,2]", "a int 1\n[s]\nb list [1, 2]\n"},
		{"comment ends a word", "a=b#c\n", "a keyword b\n"},
		{"comment ends a number", "a=1#c", "a int 1\n"},
		{"tabs", "\ta\t=\t1\t", "a int 1\n"},
		{"CR as blank", "a\r=\r1", "a int 1\n"},
		{"section name spaced", "[ s ]", "[s]\n"},
		{"section spans lines", "[\ns\n]", "[s]\n"},
		{"key with dots and dashes", "my_param.x = 1 global-list = []", "my_param.x int 1\nglobal-list list []\n"},
		{"key one letter", "x = 1", "x int 1\n"},
		{"key UTF-8", "naïve = 1", "naïve int 1\n"},
		{"key with quote and slash", `a"b/c = 1`, "a\"b/c int 1\n"},
		{"pairs on one line", "a = 1 b = 2 c = 3", "a int 1\nb int 2\nc int 3\n"},
		{"pair over three lines", "a\n=\n1", "a int 1\n"},
		{"empty", "", ""},
		{"only comments", "# a\n# b", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := dump(parse(t, c.src)); got != c.want {
				t.Fatalf("%q gives\n%s\nwant\n%s", c.src, got, c.want)
			}
		})
	}
}

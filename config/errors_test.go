package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/release-daemon/release/config"
)

// TestSyntaxErrors checks each syntax error's line, column, sentinel and
// message.
func TestSyntaxErrors(t *testing.T) {
	for _, c := range []struct {
		name, src string
		line, col int
		err       error
		msg       string
	}{
		{"unterminated string", "a = 1\nb = \"abc\ndef", 2, 5, config.ErrSyntax, "unterminated string"},
		{"unterminated string at EOF", `a = "`, 1, 5, config.ErrSyntax, "unterminated string"},
		{"unterminated string after backslash", `a = "\`, 1, 5, config.ErrSyntax, "unterminated string"},
		{"unterminated regexp", "a = /abc", 1, 5, config.ErrSyntax, "unterminated regexp"},
		{"unterminated regexp wrapped", "a = /abc\n  def", 1, 5, config.ErrSyntax, "unterminated regexp"},
		{"int overflow", "a = 99999999999999999999", 1, 5, config.ErrSyntax, "out of range"},
		{"int underflow", "a = -9223372036854775809", 1, 5, config.ErrSyntax, "out of range"},
		{"int 2^63", "a = 9223372036854775808", 1, 5, config.ErrSyntax, "out of range"},
		{"float overflow", "a = 1" + zeros(400) + ".0", 1, 5, config.ErrSyntax, "out of range"},
		{"decimal escape over 255", "a = 1\nb = \"x\\999\"", 2, 7, config.ErrSyntax, `\999 out of range`},
		{"decimal escape 256", `b = "\256"`, 1, 6, config.ErrSyntax, `\256`},
		{"invalid regexp", "\n\nr = /(/", 3, 5, config.ErrSyntax, "invalid regexp"},
		{"invalid regexp escape", `r = /\p/`, 1, 5, config.ErrSyntax, "invalid regexp"},
		{"PCRE lookahead", `r = /a(?=b)/`, 1, 5, config.ErrSyntax, "invalid regexp"},
		{"malformed number", "a = 10s", 1, 5, config.ErrSyntax, `malformed number "10s"`},
		{"malformed float", "a = 1.5.2", 1, 5, config.ErrSyntax, "malformed number"},
		{"float without fraction", "a = 1.", 1, 5, config.ErrSyntax, "malformed number"},
		{"exponent", "a = 1e5", 1, 5, config.ErrSyntax, "malformed number"},
		{"lone minus", "a = -", 1, 5, config.ErrSyntax, "malformed number"},
		{"no value at EOF", "a = 1\nkey =", 2, 5, config.ErrSyntax, `key "key" has no value`},
		{"no value before a key", "key =\nother = 2", 1, 5, config.ErrSyntax, `word "other" on line 2 is a key`},
		{"no value before a section", "key =\n[s]\nb = 1", 1, 5, config.ErrSyntax, "[s] on line 2 is a section header"},
		{"no equals", "a 1", 1, 3, config.ErrSyntax, "expected '=' after key"},
		{"value is a bracket", "a = ]", 1, 5, config.ErrSyntax, "expected a value"},
		{"statement starts with a value", "\n5 = 1", 2, 1, config.ErrSyntax, "expected a key or a [section], found int 5"},
		{"statement starts with equals", "= 1", 1, 1, config.ErrSyntax, "found '='"},
		{"key starts with a digit-like", "_a = 1", 1, 1, config.ErrSyntax, `unexpected text "_a"`},
		{"key starts with a non-ASCII letter", "é = 1", 1, 1, config.ErrSyntax, "unexpected text"},
		{"control character", "a = 1\x01", 1, 6, config.ErrSyntax, "unexpected text"},
		{"list missing ]", "a = [1, 2\nb = 3", 1, 5, config.ErrSyntax, `no ']' before word "b" on line 2`},
		{"list missing comma across lines", "a = [1,\n 2\n 3]", 3, 2, config.ErrSyntax, "in the list opened on line 1"},
		{"list missing ] at EOF", "a = [1, 2", 1, 5, config.ErrSyntax, "unterminated list"},
		{"list trailing comma", "a = [1, ]", 1, 9, config.ErrSyntax, "expected a value in the list"},
		{"list leading comma", "a = [, 1]", 1, 6, config.ErrSyntax, "expected a value in the list"},
		{"list missing comma", "a = [1 2]", 1, 8, config.ErrSyntax, "expected ',' or ']'"},
		{"list nested", "a = [[1]]", 1, 6, config.ErrSyntax, "nested"},
		{"section missing ]", "[section\nkey = 1", 1, 1, config.ErrSyntax, "expected ']' after [section"},
		{"section missing ] at EOF", "[section", 1, 1, config.ErrSyntax, "expected ']'"},
		{"section without name", "[]", 1, 2, config.ErrSyntax, "expected a section name"},
		{"section name is a number", "[5]", 1, 2, config.ErrSyntax, "expected a section name"},
		{"300 brackets", strings.Repeat("[", 300), 1, 2, config.ErrSyntax, "expected a section name"},
		{"NUL byte", "a = 1\nb = \"x\x00\"", 2, 7, config.ErrSyntax, "NUL byte"},
		{"invalid UTF-8", "a = 1\n\nb = \"\xff\"", 3, 6, config.ErrSyntax, "invalid UTF-8"},
		{"invalid UTF-8 in a comment", "# \xc3\x28", 1, 3, config.ErrSyntax, "invalid UTF-8"},
		{"byte order mark", "\ufeffa = 1", 1, 1, config.ErrSyntax, "byte order mark"},
		{"duplicate key", "a = 1\nb = 2\na = 3", 3, 1, config.ErrDuplicate, "duplicate key (first on line 1)"},
		{"duplicate key in a section", "[s]\na = 1\n\na = 3", 4, 1, config.ErrDuplicate, "s.a: duplicate key (first on line 2)"},
		{"duplicate section", "[s]\na = 1\n[t]\n[s]\nb = 2", 4, 1, config.ErrDuplicate, "s: duplicate section (first on line 1)"},
		{"line too long", "a = \"" + strings.Repeat("x", config.MaxLineLength) + "\"\n", 1, config.MaxLineLength + 1, config.ErrTooLarge, "longer than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			errs := parseErrs(t, c.src, nil)
			e := errs[0]
			if e.Line != c.line || e.Column != c.col || !errors.Is(e, c.err) || !strings.Contains(e.Error(), c.msg) || e.File != "t.conf" {
				t.Fatalf("first error %q at %d:%d; want %d:%d, %v, containing %q (all: %v)", e, e.Line, e.Column, c.line, c.col, c.err, c.msg, errs)
			}
		})
	}
}

// TestErrorsCollected checks that one parse reports every syntax error and
// goes on after each.
func TestErrorsCollected(t *testing.T) {
	src := "a = 1x\nb = \"\\999\"\nc = [1 2]\nd = 4\n[s\ne = /(/\ne = 5\n[t]\nf = -\n"
	errs := parseErrs(t, src, nil)
	var lines []int
	for _, e := range errs {
		lines = append(lines, e.Line)
	}
	want := []int{1, 2, 3, 5, 6, 9}
	if len(lines) != len(want) {
		t.Fatalf("errors on lines %v; want %v:\n%v", lines, want, errs)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Fatalf("errors on lines %v; want %v:\n%v", lines, want, errs)
		}
	}
	if !errors.Is(errs, config.ErrSyntax) {
		t.Fatalf("errors.Is(ErrorList, ErrSyntax) is false")
	}
}

func TestTooManyErrors(t *testing.T) {
	errs := parseErrs(t, strings.Repeat("a = 1x\n", 1000), nil)
	if len(errs) != config.MaxErrors+1 || !strings.Contains(errs[len(errs)-1].Error(), "too many errors") {
		t.Fatalf("%d errors, the last %v; want %d, the last saying too many", len(errs), errs[len(errs)-1], config.MaxErrors+1)
	}
}

func TestParseErrorFormat(t *testing.T) {
	inner := errors.New("config: boom")
	for _, c := range []struct {
		e    config.ParseError
		want string
	}{
		{config.ParseError{File: "f", Line: 3, Column: 7, Key: "s.k", Err: inner}, "config: f:3:7: s.k: boom"},
		{config.ParseError{File: "f", Line: 3, Err: inner}, "config: f:3: boom"},
		{config.ParseError{File: "f", Key: "k", Err: inner}, "config: f: k: boom"},
		{config.ParseError{Key: "k", Err: inner}, "config: k: boom"},
		{config.ParseError{Line: 2, Column: 1, Err: inner}, "config: 2:1: boom"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("Error() = %q; want %q", got, c.want)
		}
		if !errors.Is(&c.e, inner) {
			t.Errorf("%q does not unwrap to its Err", c.want)
		}
	}
	list := config.ErrorList{{Line: 1, Err: inner}, {Line: 2, Err: config.ErrMissing}}
	if got := list.Error(); got != "config: 1: boom\nconfig: 2: missing" {
		t.Errorf("ErrorList.Error() = %q", got)
	}
	if !errors.Is(list, config.ErrMissing) || !errors.Is(list, inner) {
		t.Errorf("errors.Is does not look through every error of an ErrorList")
	}
	if pe, ok := errors.AsType[*config.ParseError](error(list)); !ok || pe.Line != 1 {
		t.Errorf("errors.AsType[*ParseError] does not find the first")
	}
}

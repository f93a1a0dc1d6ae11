package config_test

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/release-daemon/release/config"
)

// TestRoundTrip writes every testdata file that parses and parses the
// output: the same sections, keys, kinds and values; writing again gives
// the same text.
func TestRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.conf")
	for _, name := range files {
		cfg, err := config.Parse(name, nil)
		if err != nil {
			continue
		}
		t.Run(name, func(t *testing.T) {
			roundTrip(t, cfg)
		})
	}
	t.Run("generated", func(t *testing.T) {
		cfg, err := config.ParseBytes("gen.conf", genConfig(50), genSpec(50))
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, cfg)
	})
}

func roundTrip(t *testing.T, cfg *config.Config) {
	t.Helper()
	var out bytes.Buffer
	n, err := cfg.WriteTo(&out)
	if err != nil || n != int64(out.Len()) {
		t.Fatalf("WriteTo: %d, %v", n, err)
	}
	again := parse(t, out.String())
	if dump(again) != dump(cfg) {
		t.Fatalf("wrote\n%s\nwhich parses to\n%s\nnot\n%s", out.String(), dump(again), dump(cfg))
	}
	text, err := again.MarshalText()
	if err != nil || !bytes.Equal(text, out.Bytes()) {
		t.Fatalf("second write differs (%v):\n%s", err, text)
	}
}

// TestWriteValues checks how each kind of value is written.
func TestWriteValues(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"k = 1", "k = 1\n"},
		{"k = -0.0", "k = -0.0\n"},
		{"k = 1.0", "k = 1.0\n"},
		{"k = .125", "k = 0.125\n"},
		{"k = 100000000000000000000000.0", "k = 100000000000000000000000.0\n"},
		{`k = "tab\there\x01\x7f\"\\"`, `k = "tab\there\x01\x7f\"\\"` + "\n"},
		{`k = "\xff\xfe ok ☃"`, `k = "\xff\xfe ok ☃"` + "\n"},
		{"k = \"two\nlines\r\"", `k = "two\nlines\r"` + "\n"},
		{`k = "\b"`, `k = "\b"` + "\n"},
		{"k = /a\\/b\n  c/", "k = /a\\/bc/\n"},
		{`k = /\\/`, `k = /\\/` + "\n"},
		{"k = [ ]", "k = []\n"},
		{"k = [a,b , c]", "k = [a, b, c]\n"},
		{"[s]\n[t] k = x", "[s]\n\n[t]\nk = x\n"},
	} {
		if got := write(t, parse(t, c.src)); got != c.want {
			t.Errorf("%q is written %q; want %q", c.src, got, c.want)
		}
	}
}

func write(t *testing.T, c *config.Config) string {
	t.Helper()
	b, err := c.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestWriteRefuses checks that values the format cannot hold, which only a
// spec's defaults can bring in, make WriteTo fail and write nothing.
func TestWriteRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		key  string
		v    config.Value
	}{
		{"NaN", "k", config.FloatValue(math.NaN())},
		{"infinity", "k", config.FloatValue(math.Inf(-1))},
		{"nested list", "k", config.ListValue(config.ListValue())},
		{"keyword with a space", "k", config.KeywordValue("a b")},
		{"keyword true", "k", config.KeywordValue("true")},
		{"zero Value", "k", config.Value{}},
		{"key not an identifier", "1k", config.IntValue(1)},
		{"key with a space", "a b", config.IntValue(1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := config.Defaults(config.Spec{{Keys: []config.Key{{Name: c.key, Default: &c.v}}}})
			var out bytes.Buffer
			if _, err := cfg.WriteTo(&out); !errors.Is(err, config.ErrInvalid) || out.Len() != 0 {
				t.Fatalf("WriteTo: %v, %q; want ErrInvalid and nothing written", err, out.String())
			}
		})
	}
	cfg := config.Defaults(config.Spec{{Name: "no good", Keys: nil}})
	if _, err := cfg.MarshalText(); !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("section name with a space: %v", err)
	}
}

func TestValueString(t *testing.T) {
	for _, c := range []struct {
		v    config.Value
		want string
	}{
		{config.FloatValue(math.NaN()), "NaN"},
		{config.FloatValue(math.Inf(1)), "+Inf"},
		{config.ListValue(config.ListValue(config.IntValue(1))), "[[1]]"},
		{config.KeywordValue("a b"), "a b"},
		{config.RegexpValue(regexp.MustCompile("a/b\n")), `/a\/b\n/`},
		{config.Value{}, "<invalid>"},
	} {
		if got := c.v.String(); got != c.want {
			t.Errorf("String() = %q; want %q", got, c.want)
		}
	}
}

// TestWriteDefaultRegexps writes regexps made by a program, whose source
// can hold what the lexer never makes: a line break, \/ and \ before a
// line break; each reads back as an equivalent regexp.
func TestWriteDefaultRegexps(t *testing.T) {
	for _, expr := range []string{"a\nb", `a\/b`, "a\\\nb", `\d+/x`} {
		re := regexp.MustCompile(expr)
		cfg := config.Defaults(config.Spec{{Keys: []config.Key{{Name: "r", Default: config.DefaultRegexp(re)}}}})
		back, err := parse(t, write(t, cfg)).Regexp("", "r")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{"a\nb", "a/b", "12/x", "ab"} {
			if re.MatchString(s) != back.MatchString(s) {
				t.Errorf("/%s/ written as /%s/: they differ on %q", expr, back, s)
			}
		}
	}
}

func TestWriteExample(t *testing.T) {
	data, err := os.ReadFile("testdata/layout/sections.conf")
	if err != nil {
		t.Fatal(err)
	}
	got := write(t, parse(t, string(data)))
	if !strings.HasPrefix(got, "user = \"foo\"\nprivileged = false\n\n[some-section]\n") {
		t.Fatalf("got\n%s", got)
	}
}

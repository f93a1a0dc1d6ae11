package config_test

import (
	"errors"
	"log/slog"
	"slices"
	"testing"

	"github.com/release-daemon/release/config"
)

const getterSrc = `i = -7
f = 2.5
n = 3
b = true
s = "text"
r = /^a+$/
k = warning
il = [1, 2]
fl = [1.5, 2]
bl = [true]
sl = ["a", "b"]
kl = [x, y]
[sec]
i = 1
`

func TestGetters(t *testing.T) {
	c := parse(t, getterSrc)
	check := func(name string, err error, ok bool) {
		t.Helper()
		if err != nil || !ok {
			t.Errorf("%s: %v", name, err)
		}
	}
	i, err := c.Int("", "i")
	check("Int", err, i == -7)
	f, err := c.Float("", "f")
	check("Float", err, f == 2.5)
	f, err = c.Float("", "n")
	check("Float of an int", err, f == 3)
	b, err := c.Bool("", "b")
	check("Bool", err, b)
	s, err := c.String("", "s")
	check("String", err, s == "text")
	re, err := c.Regexp("", "r")
	check("Regexp", err, re != nil && re.MatchString("aaa") && !re.MatchString("b"))
	l, err := c.LogLevel("", "k")
	check("LogLevel", err, l == slog.LevelWarn)
	k, err := c.Keyword("", "k")
	check("Keyword", err, k == "warning")
	il, err := c.IntList("", "il")
	check("IntList", err, slices.Equal(il, []int64{1, 2}))
	fl, err := c.FloatList("", "fl")
	check("FloatList", err, slices.Equal(fl, []float64{1.5, 2}))
	bl, err := c.BoolList("", "bl")
	check("BoolList", err, slices.Equal(bl, []bool{true}))
	sl, err := c.StringList("", "sl")
	check("StringList", err, slices.Equal(sl, []string{"a", "b"}))
	kl, err := c.KeywordList("", "kl")
	check("KeywordList", err, slices.Equal(kl, []string{"x", "y"}))
	i, err = c.Int("sec", "i")
	check("Int in a section", err, i == 1)
	v, ok := c.Global("s")
	check("Global", nil, ok && v.Kind() == config.KindString)
}

func TestGetterErrors(t *testing.T) {
	c := parse(t, getterSrc)
	for _, c := range []struct {
		name string
		get  func() error
		line int
		err  error
	}{
		{"missing key", func() error { _, err := c.Int("", "nope"); return err }, 0, config.ErrMissing},
		{"missing section", func() error { _, err := c.Int("nope", "i"); return err }, 0, config.ErrMissing},
		{"Int of a float", func() error { _, err := c.Int("", "f"); return err }, 2, config.ErrType},
		{"Bool of an int", func() error { _, err := c.Bool("", "i"); return err }, 1, config.ErrType},
		{"String of a keyword", func() error { _, err := c.String("", "k"); return err }, 7, config.ErrType},
		{"LogLevel of a string", func() error { _, err := c.LogLevel("", "s"); return err }, 5, config.ErrType},
		{"IntList of strings", func() error { _, err := c.IntList("", "sl"); return err }, 11, config.ErrType},
		{"StringList of an int", func() error { _, err := c.StringList("", "i"); return err }, 1, config.ErrType},
		{"Regexp of a string", func() error { _, err := c.Regexp("", "s"); return err }, 5, config.ErrType},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.get()
			pe, ok := errors.AsType[*config.ParseError](err)
			if !ok || !errors.Is(err, c.err) || pe.Line != c.line || pe.File != "t.conf" {
				t.Fatalf("got %v; want %v at line %d", err, c.err, c.line)
			}
		})
	}
}

func TestSectionsAndKeys(t *testing.T) {
	c := parse(t, "b = 1\na = 2\n[z]\n[y]\nk = 1\n")
	if got := c.Sections(); !slices.Equal(got, []string{"z", "y"}) {
		t.Errorf("Sections() = %q", got)
	}
	if got := c.Keys(""); !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("Keys(\"\") = %q", got)
	}
	if got := c.Keys("z"); len(got) != 0 || got == nil {
		t.Errorf("Keys(z) = %#v; want empty, not nil", got)
	}
	if got := c.Keys("nope"); got != nil {
		t.Errorf("Keys(nope) = %q; want nil", got)
	}
	if c.File() != "t.conf" {
		t.Errorf("File() = %q", c.File())
	}
}

// TestBigSection checks a section large enough to get an index.
func TestBigSection(t *testing.T) {
	var src []byte
	for i := range 100 {
		src = append(src, []byte("k"+itoa(i)+" = "+itoa(i)+"\n")...)
	}
	c := parse(t, string(src))
	for i := range 100 {
		if n, err := c.Int("", "k"+itoa(i)); err != nil || n != int64(i) {
			t.Fatalf("k%d = %d, %v", i, n, err)
		}
	}
	errs := parseErrs(t, string(src)+"k42 = 0\n", nil)
	if !errors.Is(errs, config.ErrDuplicate) || errs[0].Line != 101 {
		t.Fatalf("duplicate in a big section: %v", errs)
	}
}

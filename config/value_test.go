package config_test

import (
	"log/slog"
	"math"
	"regexp"
	"strconv"
	"testing"

	"github.com/release-daemon/release/config"
)

func itoa(i int) string { return strconv.Itoa(i) }

func TestValueAccessors(t *testing.T) {
	if i, ok := config.IntValue(-1).Int(); !ok || i != -1 {
		t.Error("Int")
	}
	if _, ok := config.StringValue("1").Int(); ok {
		t.Error("Int of a string")
	}
	if f, ok := config.FloatValue(1.5).Float(); !ok || f != 1.5 {
		t.Error("Float")
	}
	if _, ok := config.IntValue(1).Float(); ok {
		t.Error("Float of an int")
	}
	if b, ok := config.BoolValue(false).Bool(); !ok || b {
		t.Error("Bool")
	}
	if s, ok := config.StringValue("x").Str(); !ok || s != "x" {
		t.Error("Str")
	}
	if _, ok := config.KeywordValue("x").Str(); ok {
		t.Error("Str of a keyword")
	}
	if w, ok := config.KeywordValue("x").Keyword(); !ok || w != "x" {
		t.Error("Keyword")
	}
	re := regexp.MustCompile("a")
	if r, ok := config.RegexpValue(re).Regexp(); !ok || r != re {
		t.Error("Regexp")
	}
	if l, ok := config.ListValue(config.IntValue(1)).List(); !ok || len(l) != 1 {
		t.Error("List")
	}
	if _, ok := config.IntValue(1).List(); ok {
		t.Error("List of an int")
	}
	if (config.Value{}).Kind() != config.KindInvalid || config.RegexpValue(nil).Kind() != config.KindInvalid {
		t.Error("zero Value")
	}
}

func TestLogLevels(t *testing.T) {
	for _, c := range []struct {
		word  string
		level slog.Level
	}{
		{"debug", slog.LevelDebug}, {"info", slog.LevelInfo}, {"notice", slog.LevelInfo + 2},
		{"warning", slog.LevelWarn}, {"error", slog.LevelError}, {"fatal", slog.LevelError + 4},
	} {
		if l, ok := config.KeywordValue(c.word).LogLevel(); !ok || l != c.level {
			t.Errorf("%s = %v, %v; want %v", c.word, l, ok, c.level)
		}
		if w, _ := config.LogLevelValue(c.level).Keyword(); w != c.word {
			t.Errorf("LogLevelValue(%v) = %s; want %s", c.level, w, c.word)
		}
	}
	for _, word := range []string{"warn", "Debug", "trace"} {
		if _, ok := config.KeywordValue(word).LogLevel(); ok {
			t.Errorf("%s is a log level", word)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("LogLevelValue(slog.Level(1)) did not panic")
		}
	}()
	config.LogLevelValue(1)
}

func TestValueEqual(t *testing.T) {
	a := parse(t, "l = [1, /x/, \"s\"] r = /a\\/b/")
	b := parse(t, "r = /a\\/b/ x = 0 l = [\n1,/x/,\"s\"]")
	for _, k := range []string{"l", "r"} {
		va, _ := a.Get("", k)
		vb, _ := b.Get("", k)
		if !va.Equal(vb) {
			t.Errorf("%s: %v != %v", k, va, vb)
		}
	}
	for _, c := range []struct {
		a, b config.Value
		eq   bool
	}{
		{config.IntValue(1), config.IntValue(1), true},
		{config.IntValue(1), config.FloatValue(1), false},
		{config.FloatValue(0), config.FloatValue(math.Copysign(0, -1)), false},
		{config.FloatValue(math.NaN()), config.FloatValue(math.NaN()), true},
		{config.StringValue("a"), config.KeywordValue("a"), false},
		{config.ListValue(), config.ListValue(config.IntValue(1)), false},
		{config.ListValue(config.IntValue(1)), config.ListValue(config.IntValue(2)), false},
		{config.RegexpValue(regexp.MustCompile("a")), config.RegexpValue(regexp.MustCompile("a")), true},
	} {
		if c.a.Equal(c.b) != c.eq {
			t.Errorf("%v.Equal(%v) = %v", c.a, c.b, !c.eq)
		}
	}
}

func TestKindString(t *testing.T) {
	names := map[config.Kind]string{
		config.KindInvalid: "invalid", config.KindInt: "int", config.KindFloat: "float", config.KindBool: "bool",
		config.KindString: "string", config.KindRegexp: "regexp", config.KindKeyword: "keyword", config.KindList: "list",
		config.Kind(42): "Kind(42)",
	}
	for k, want := range names {
		if k.String() != want {
			t.Errorf("Kind %d = %q; want %q", k, k.String(), want)
		}
	}
}

// TestRegexpConcurrentFirstUse compiles a parsed regexp from many
// goroutines at once (run with -race).
func TestRegexpConcurrentFirstUse(t *testing.T) {
	c := parse(t, "r = /^(a|b)+$/")
	v, _ := c.Get("", "r")
	done := make(chan *regexp.Regexp)
	for range 8 {
		go func() { re, _ := v.Regexp(); done <- re }()
	}
	first := <-done
	for range 7 {
		if re := <-done; re != first || !re.MatchString("abba") {
			t.Fatal("goroutines got different or wrong regexps")
		}
	}
}

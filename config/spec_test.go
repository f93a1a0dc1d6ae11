package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/release-daemon/release/config"
)

var testSpec = config.Spec{
	{Name: "", Keys: []config.Key{
		{Name: "user", Validations: []config.Validation{config.IsString}},
		{Name: "timeout", Default: config.DefaultInt(5), Validations: []config.Validation{config.IntInRange(0, 10)}},
	}},
	{Name: "net", Keys: []config.Key{
		{Name: "port", Validations: []config.Validation{config.IsInt, config.IntInRange(1, 65535)}},
		{Name: "hosts", Default: config.DefaultStringList("localhost")},
	}},
	{Name: "extra", Keys: []config.Key{
		{Name: "level", Default: config.DefaultLogLevel(config.LevelFatal), Validations: []config.Validation{config.IsLogLevel}},
	}},
}

func TestSpecDefaults(t *testing.T) {
	cfg, err := config.ParseBytes("t.conf", []byte("user = \"u\"\n[net]\nport = 80\n"), testSpec)
	if err != nil {
		t.Fatal(err)
	}
	want := "user string \"u\"\ntimeout int 5\n[net]\nport int 80\nhosts list [\"localhost\"]\n[extra]\nlevel keyword fatal\n"
	if got := dump(cfg); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if cfg.Line("net", "port") != 3 || cfg.Line("", "timeout") != 0 || cfg.Line("net", "nope") != 0 {
		t.Fatalf("lines: port %d, timeout %d", cfg.Line("net", "port"), cfg.Line("", "timeout"))
	}
	if l, err := cfg.LogLevel("extra", "level"); err != nil || l != config.LevelFatal {
		t.Fatalf("default log level %v, %v", l, err)
	}
}

// TestSpecErrors checks each kind of spec error, its line and its key.
func TestSpecErrors(t *testing.T) {
	for _, c := range []struct {
		name, src string
		line      int
		key       string
		err       error
	}{
		{"unknown global key", "user = \"u\"\nverbose = true\n[net]\nport = 1", 2, "verbose", config.ErrUnknown},
		{"unknown key in a section", "user = \"u\"\n[net]\nport = 1\nprot = 2", 4, "net.prot", config.ErrUnknown},
		{"unknown section", "user = \"u\"\n[net]\nport = 1\n[nett]\nport = 2", 4, "nett", config.ErrUnknown},
		{"missing global key", "[net]\nport = 1", 0, "user", config.ErrMissing},
		{"missing key at its section", "user = \"u\"\n\n[net]\nhosts = []", 3, "net.port", config.ErrMissing},
		{"missing key of an absent section", "user = \"u\"", 0, "net.port", config.ErrMissing},
		{"validation at the value's line", "user = \"u\"\n[net]\nport =\n  70000", 4, "net.port", config.ErrInvalid},
		{"first failing validation", "user = \"u\"\n[net]\nport = \"80\"", 3, "net.port", config.ErrInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			errs := parseErrs(t, c.src, testSpec)
			e := errs[0]
			if e.Line != c.line || e.Key != c.key || !errors.Is(e, c.err) {
				t.Fatalf("first error %v (line %d, key %q); want line %d, key %q, %v", e, e.Line, e.Key, c.line, c.key, c.err)
			}
		})
	}
}

// TestSpecReportsEverything checks that every spec error is reported, in
// line order, those with no line last.
func TestSpecReportsEverything(t *testing.T) {
	errs := parseErrs(t, "timeout = 11\nverbose = 1\n[net]\nport = 0\n[other]\n", testSpec)
	var got []string
	for _, e := range errs {
		got = append(got, e.Key)
	}
	if want := "timeout verbose net.port other user"; strings.Join(got, " ") != want {
		t.Fatalf("errors for %q; want %q:\n%v", got, want, errs)
	}
}

// TestSpecStopsAtSyntax checks that a file with syntax errors is not
// checked against the spec.
func TestSpecStopsAtSyntax(t *testing.T) {
	errs := parseErrs(t, "verbose = 1x\n", testSpec)
	if len(errs) != 1 || !errors.Is(errs, config.ErrSyntax) {
		t.Fatalf("got %v", errs)
	}
}

func TestSpecInvalidDefault(t *testing.T) {
	spec := config.Spec{{Keys: []config.Key{{Name: "n", Default: config.DefaultInt(50), Validations: []config.Validation{config.IntLessThan(10)}}}}}
	errs := parseErrs(t, "", spec)
	if len(errs) != 1 || errs[0].Line != 0 || !strings.Contains(errs[0].Error(), "default 50") {
		t.Fatalf("got %v", errs)
	}
}

func TestNilAndEmptySpec(t *testing.T) {
	if _, err := config.ParseBytes("t.conf", []byte("a = 1\n[s]\nb = 2"), nil); err != nil {
		t.Fatalf("nil spec: %v", err)
	}
	errs := parseErrs(t, "a = 1\n[s]\nb = 2", config.Spec{})
	if len(errs) != 2 || errs[0].Key != "a" || errs[1].Key != "s" {
		t.Fatalf("empty spec: %v", errs)
	}
	if _, err := config.ParseBytes("t.conf", nil, config.Spec{}); err != nil {
		t.Fatalf("empty file, empty spec: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	cfg := config.Defaults(testSpec)
	want := "timeout int 5\n[net]\nhosts list [\"localhost\"]\n[extra]\nlevel keyword fatal\n"
	if got := dump(cfg); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if _, ok := cfg.Get("", "user"); ok {
		t.Fatal("a required key has a value")
	}
}

func TestDefaultHelpers(t *testing.T) {
	for _, c := range []struct {
		v    *config.Value
		want string
	}{
		{config.DefaultBool(true), "true"},
		{config.DefaultInt(-3), "-3"},
		{config.DefaultFloat(2), "2.0"},
		{config.DefaultString("a\"b"), `"a\"b"`},
		{config.DefaultRegexp(nil), "<invalid>"},
		{config.DefaultKeyword("w"), "w"},
		{config.DefaultLogLevel(config.LevelNotice), "notice"},
		{config.DefaultBoolList(true, false), "[true, false]"},
		{config.DefaultIntList(1, 2), "[1, 2]"},
		{config.DefaultFloatList(.5), "[0.5]"},
		{config.DefaultStringList(), "[]"},
		{config.DefaultKeywordList("a", "b"), "[a, b]"},
	} {
		if got := c.v.String(); got != c.want {
			t.Errorf("default %q; want %q", got, c.want)
		}
	}
}

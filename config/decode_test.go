package config_test

import (
	"errors"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/release-daemon/release/config"
)

const decodeSrc = `user = "nobody"
timeout = 5
delay = "1m30s"
ratio = 0.5
count = 3
level = notice
small = 200
mode = fast
my.dotted = 7
[net]
port = 8080
hosts = ["a", "b"]
ports = [80, 443]
match = /^x+$/
flags = [true, false]
any = [1, "x"]
frac = 1.25
`

func TestDecode(t *testing.T) {
	var s struct {
		User    string         `config:"user"`
		Timeout time.Duration  `config:"timeout"`
		Delay   time.Duration  `config:"delay"`
		Ratio   float64        `config:"ratio"`
		Count   float32        `config:"count"` // an int into a float
		Level   slog.Level     `config:"level"`
		Small   uint8          `config:"small"`
		Mode    string         `config:"mode"` // a keyword into a string
		Dotted  int            `config:".my.dotted"`
		Port    int            `config:"net.port"`
		Port16  uint16         `config:"net.port"`
		Hosts   []string       `config:"net.hosts"`
		Ports   []int          `config:"net.ports"`
		Match   *regexp.Regexp `config:"net.match"`
		Flags   []bool         `config:"net.flags"`
		Any     config.Value   `config:"net.any"`
		Frac    time.Duration  `config:"net.frac"` // float seconds
		Absent  int            `config:"net.absent"`
		Skipped int            `config:"-"`
		NoTag   int
	}
	s.Absent, s.NoTag = 42, 43
	if err := config.Decode(parse(t, decodeSrc), &s); err != nil {
		t.Fatal(err)
	}
	if s.User != "nobody" || s.Timeout != 5*time.Second || s.Delay != 90*time.Second || s.Ratio != .5 ||
		s.Count != 3 || s.Level != config.LevelNotice || s.Small != 200 || s.Mode != "fast" || s.Dotted != 7 ||
		s.Port != 8080 || s.Port16 != 8080 || !slices.Equal(s.Hosts, []string{"a", "b"}) ||
		!slices.Equal(s.Ports, []int{80, 443}) || !s.Match.MatchString("xx") || !slices.Equal(s.Flags, []bool{true, false}) ||
		s.Any.Kind() != config.KindList || s.Frac != 1250*time.Millisecond || s.Absent != 42 || s.NoTag != 43 {
		t.Fatalf("decoded %+v", s)
	}
}

// TestDecodeErrors checks that every mismatch is reported, with its line
// and key, and that the other fields are still set.
func TestDecodeErrors(t *testing.T) {
	var s struct {
		User   int           `config:"user"`      // a string
		Small  int8          `config:"small"`     // 200 overflows
		Neg    uint          `config:"count"`     // fine
		Level  slog.Level    `config:"mode"`      // not a log level
		Delay  bool          `config:"delay"`     // a string
		Hosts  []int         `config:"net.hosts"` // strings
		Ratio  int           `config:"ratio"`     // a float
		Match  string        `config:"net.match"` // a regexp
		Port   int           `config:"net.port"`  // fine
		Bad    complex64     `config:"net.port"`  // unsupported
		Dur    time.Duration `config:"net.hosts"` // a list
		hidden int           `config:"count"`
	}
	_ = s.hidden
	err := config.Decode(parse(t, decodeSrc), &s)
	errs, ok := errors.AsType[config.ErrorList](err)
	if !ok || !errors.Is(err, config.ErrType) {
		t.Fatalf("got %v", err)
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Key)
	}
	want := "user delay ratio small mode net.port net.hosts net.hosts net.match count"
	if strings.Join(got, " ") != want {
		t.Fatalf("errors for %q; want %q:\n%v", got, want, err)
	}
	if errs[0].Line != 1 || !strings.Contains(errs[0].Error(), "field User") {
		t.Fatalf("first error %v", errs[0])
	}
	if s.Port != 8080 || s.Neg != 3 {
		t.Fatalf("fields without errors were not set: %+v", s)
	}
}

func TestDecodeTarget(t *testing.T) {
	c := parse(t, "a = 1")
	var s struct{}
	var i int
	for _, v := range []any{nil, s, &i, (*struct{})(nil)} {
		if err := config.Decode(c, v); !errors.Is(err, config.ErrType) {
			t.Errorf("Decode(%T): %v; want ErrType", v, err)
		}
	}
	if err := config.Decode(c, &s); err != nil {
		t.Errorf("Decode(&struct{}{}): %v", err)
	}
}

func TestDecodeDurationErrors(t *testing.T) {
	var s struct {
		D time.Duration `config:"d"`
	}
	for _, src := range []string{`d = "soon"`, `d = 9223372036854775807`, `d = true`, `d = 1e3x`} {
		c, err := config.ParseBytes("t.conf", []byte(src), nil)
		if err != nil {
			continue // not a value at all
		}
		if err := config.Decode(c, &s); !errors.Is(err, config.ErrType) {
			t.Errorf("%s: %v; want ErrType", src, err)
		}
	}
}

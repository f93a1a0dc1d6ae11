package config_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/release-daemon/release/config"
)

// genConfig returns a configuration of n sections of 10 keys of mixed
// kinds: an int, a negative int, a float, a bool, a plain string, a string
// with escapes, a log level keyword, a list of ints, a list of strings,
// and a regexp in one section in ten (a list of keywords in the others).
// bench/config_test.go makes the same text.
func genConfig(n int) []byte { return genConfigFrom(0, n) }

// genConfigFrom makes the sections from to n-1 of genConfig.
func genConfigFrom(from, n int) []byte {
	var b strings.Builder
	b.WriteString("# generated: ")
	fmt.Fprintf(&b, "%d sections of 10 keys\n", n-from)
	levels := []string{"debug", "info", "notice", "warning", "error", "fatal"}
	for i := from; i < n; i++ {
		fmt.Fprintf(&b, "\n[section%04d]\n", i)
		fmt.Fprintf(&b, "port = %d\n", 1024+i)
		fmt.Fprintf(&b, "offset = -%d\n", i%100)
		fmt.Fprintf(&b, "ratio = %d.%02d\n", i%10, i%100)
		fmt.Fprintf(&b, "enabled = %t\n", i%2 == 0)
		fmt.Fprintf(&b, "name = \"server-%d.example.com\"\n", i)
		fmt.Fprintf(&b, "motd = \"Welcome to %d\\tplease \\\"behave\\\"\\n\"\n", i)
		fmt.Fprintf(&b, "log_level = %s\n", levels[i%len(levels)])
		fmt.Fprintf(&b, "ports = [80, 443, %d]\n", 8000+i)
		fmt.Fprintf(&b, "hosts = [\"a%d.example.com\", \"b%d.example.com\"]\n", i, i)
		if i%10 == 0 {
			fmt.Fprintf(&b, "match = /^srv-%d-[a-z]+$/\n", i)
		} else {
			b.WriteString("match = [tcp, udp]\n")
		}
	}
	return []byte(b.String())
}

// genSpec returns the spec of genConfig(n): every key with a validation of
// its kind and, for most, of its range.
func genSpec(n int) config.Spec {
	protocols := config.ListOf(config.Keywords("tcp", "udp"))
	keys := []config.Key{
		{Name: "port", Validations: []config.Validation{config.IsInt, config.IntInRange(1, 65535)}},
		{Name: "offset", Validations: []config.Validation{config.IntGreaterThan(-1000)}},
		{Name: "ratio", Validations: []config.Validation{config.FloatInRange(0, 10)}},
		{Name: "enabled", Validations: []config.Validation{config.IsBool}},
		{Name: "name", Validations: []config.Validation{config.IsString}},
		{Name: "motd", Default: config.DefaultString(""), Validations: []config.Validation{config.IsString}},
		{Name: "log_level", Default: config.DefaultLogLevel(config.LevelNotice), Validations: []config.Validation{config.IsLogLevel}},
		{Name: "ports", Validations: []config.Validation{config.ListOf(config.IntInRange(1, 65535))}},
		{Name: "hosts", Validations: []config.Validation{config.IsStringList}},
		{Name: "match", Validations: []config.Validation{func(v config.Value) error {
			if v.Kind() == config.KindRegexp {
				return nil
			}
			return protocols(v)
		}}},
	}
	spec := make(config.Spec, n)
	for i := range spec {
		spec[i] = config.Section{Name: fmt.Sprintf("section%04d", i), Keys: keys}
	}
	return spec
}

var sinkConfig *config.Config

// BenchmarkParse parses the 10,000-key file of genConfig(1000), with no
// spec (spec=none) and checked against genSpec, every key validated
// (spec=validate). Goals (issue 4): ≤ 1 ms and ≤ 10k allocs without the
// spec, ≤ 1.6 ms with it.
func BenchmarkParse(b *testing.B) {
	data, spec := genConfig(1000), genSpec(1000)
	for _, c := range []struct {
		name string
		spec config.Spec
	}{{"spec=none", nil}, {"spec=validate", spec}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				cfg, err := config.ParseBytes("bench.conf", data, c.spec)
				if err != nil {
					b.Fatal(err)
				}
				sinkConfig = cfg
			}
		})
	}
}

// BenchmarkWriteTo writes the Config of genConfig(1000).
func BenchmarkWriteTo(b *testing.B) {
	data := genConfig(1000)
	cfg, err := config.ParseBytes("bench.conf", data, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := cfg.MarshalText(); err != nil {
			b.Fatal(err)
		}
	}
}

package config_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/release-daemon/release/config"
	"github.com/release-daemon/release/internal/configgen"
)

// genConfig returns the generated file of n sections of 10 keys of mixed
// kinds (internal/configgen), the one bench/config_test.go parses too.
func genConfig(n int) []byte { return configgen.Text(0, n) }

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

// BenchmarkShapes parses a file of each shape of configgen.Shapes, each of
// MaxSize bytes but the 15 MB file of 5 million ints: the shapes that cost
// a parse the most for their size (see TestLimits). Besides the time it
// reports peak-heap/B, the peak of the heap over the file's size, measured
// as TestLimits does. Goals: at most 1 s and 8 times the file's size.
func BenchmarkShapes(b *testing.B) {
	for _, s := range configgen.Shapes() {
		b.Run("shape="+s.Name, func(b *testing.B) {
			data, want := s.Text(config.MaxSize), rejectedShapes[s.Name]
			parse := func() {
				cfg, err := config.ParseBytes("shape.conf", data, nil)
				if !errors.Is(err, want) || (want == nil) != (err == nil) {
					b.Fatalf("got %v; want %v", err, want)
				}
				sinkConfig = cfg
			}
			peak := peakHeap(parse)
			sinkConfig = nil
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				parse()
			}
			b.ReportMetric(float64(peak)/float64(len(data)), "peak-heap/B")
		})
	}
}

package bench

// The config benchmarks parse the same 10,000 keys (1,000 sections of 10
// keys of mixed kinds, internal/configgen's Text) with package
// config and with gopkg.in/ini.v1, which reads the same text as INI.
// Compare with `benchstat -col /impl`.

import (
	"fmt"
	"testing"

	"github.com/release-daemon/release/config"
	"github.com/release-daemon/release/internal/configgen"
	"gopkg.in/ini.v1"
)

var (
	sinkConfig *config.Config
	sinkINI    *ini.File
	sinkInt    int64
)

// configText is the generated file config's own benchmarks parse.
func configText(n int) []byte { return configgen.Text(0, n) }

// BenchmarkConfigParse parses the text into each library's own model.
func BenchmarkConfigParse(b *testing.B) {
	data := configText(1000)
	b.Run("impl=release", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			cfg, err := config.ParseBytes("bench.conf", data, nil)
			if err != nil {
				b.Fatal(err)
			}
			sinkConfig = cfg
		}
	})
	b.Run("impl=ini", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			f, err := ini.Load(data)
			if err != nil {
				b.Fatal(err)
			}
			sinkINI = f
		}
	})
}

// BenchmarkConfigTyped parses the text, then reads the four scalar keys of
// every section as typed values (int, int, float, bool), as a program
// would.
func BenchmarkConfigTyped(b *testing.B) {
	data := configText(1000)
	names := make([]string, 1000)
	for i := range names {
		names[i] = fmt.Sprintf("section%04d", i)
	}
	b.Run("impl=release", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			cfg, err := config.ParseBytes("bench.conf", data, nil)
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range names {
				port, err1 := cfg.Int(s, "port")
				offset, err2 := cfg.Int(s, "offset")
				ratio, err3 := cfg.Float(s, "ratio")
				on, err4 := cfg.Bool(s, "enabled")
				if err := errorsJoin(err1, err2, err3, err4); err != nil {
					b.Fatal(err)
				}
				sinkInt += port + offset + int64(ratio) + b2i(on)
			}
		}
	})
	b.Run("impl=ini", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			f, err := ini.Load(data)
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range names {
				sec := f.Section(s)
				port, err1 := sec.Key("port").Int64()
				offset, err2 := sec.Key("offset").Int64()
				ratio, err3 := sec.Key("ratio").Float64()
				on, err4 := sec.Key("enabled").Bool()
				if err := errorsJoin(err1, err2, err3, err4); err != nil {
					b.Fatal(err)
				}
				sinkInt += port + offset + int64(ratio) + b2i(on)
			}
		}
	})
}

func errorsJoin(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

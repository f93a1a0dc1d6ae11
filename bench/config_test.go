package bench

// The config benchmarks parse the same 10,000 keys (1,000 sections of 10
// keys of mixed kinds, internal/configgen's Text, or the same with 1,000
// regexps) with package config and with gopkg.in/ini.v1, which reads the
// same text as INI.
// Compare with `benchstat -col /impl`.

import (
	"bytes"
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
func BenchmarkConfigParse(b *testing.B) { benchParse(b, configText(1000)) }

// benchParse parses data with each library.
func benchParse(b *testing.B, data []byte) {
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

// configRegexps are the kinds of regexp in configRegexpText, %d standing
// for the section's number: a counted repetition of a group, named
// groups, POSIX classes, and the simpler kinds.
var configRegexps = []string{
	`^srv-%d\.[a-z]+(:\d{2,5})?$`,
	`^(\d{1,3}\.){3}%d$`,
	`^\/api\/v%d\/(?P<resource>[a-z]+)\/(?<id>\d+)$`,
	`^[[:alpha:]][[:alnum:]_]*-%d$`,
	`(?i)^user-%d@(?:[a-z0-9-]+\.)+[a-z]{2,}$`,
}

// configRegexpText is configText(1000) with a regexp as the match key of
// every section, not one in ten: 1,000 distinct regexps among the 10,000
// keys (10%), each kind of configRegexps in turn.
func configRegexpText() []byte {
	lines := bytes.Split(configText(1000), []byte("\n"))
	i := 0
	for k, line := range lines {
		if bytes.HasPrefix(line, []byte("match = ")) {
			lines[k] = fmt.Appendf(nil, "match = /"+configRegexps[i%len(configRegexps)]+"/", i)
			i++
		}
	}
	return bytes.Join(lines, []byte("\n"))
}

// BenchmarkConfigParseRegexps is BenchmarkConfigParse on a file where 10%
// of the keys are regexps (configRegexpText).
func BenchmarkConfigParseRegexps(b *testing.B) { benchParse(b, configRegexpText()) }

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

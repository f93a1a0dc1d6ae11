package bench

// The config benchmarks parse the same 10,000 keys (1,000 sections of 10
// keys of mixed kinds, config/bench_test.go's genConfig) with package
// config and with gopkg.in/ini.v1, which reads the same text as INI.
// Compare with `benchstat -col /impl`.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/release-daemon/release/config"
	"gopkg.in/ini.v1"
)

var (
	sinkConfig *config.Config
	sinkINI    *ini.File
	sinkInt    int64
)

// configText is config/bench_test.go's genConfig(n), which a test file of
// another module cannot import.
func configText(n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# generated: %d sections of 10 keys\n", n)
	levels := []string{"debug", "info", "notice", "warning", "error", "fatal"}
	for i := range n {
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

package config_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/release-daemon/release/config"
)

var update = flag.Bool("update", false, "rewrite the golden .want files under testdata/layout")

// TestLayout parses each file in testdata/layout, one per layout rule, and
// compares every section, key, kind and value with its .want file.
func TestLayout(t *testing.T) {
	files, err := filepath.Glob("testdata/layout/*.conf")
	if err != nil || len(files) < 10 {
		t.Fatalf("layout files: %v, %v", files, err)
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			cfg, err := config.Parse(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := dump(cfg)
			want := strings.TrimSuffix(name, ".conf") + ".want"
			if *update {
				if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			w, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(w) {
				t.Fatalf("%s gives\n%s\nwant (%s)\n%s", name, got, want, w)
			}
		})
	}
}

// TestCRLF checks that every layout file gives the same Config with CR LF
// line endings as with LF.
func TestCRLF(t *testing.T) {
	files, _ := filepath.Glob("testdata/layout/*.conf")
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			lf := strings.ReplaceAll(string(data), "\r\n", "\n")
			crlf := strings.ReplaceAll(lf, "\n", "\r\n")
			if a, b := dump(parse(t, lf)), dump(parse(t, crlf)); a != b {
				t.Fatalf("LF gives\n%s\nCR LF gives\n%s", a, b)
			}
		})
	}
	a, err := config.Parse("testdata/layout/lf.conf", nil)
	b, err2 := config.Parse("testdata/layout/crlf.conf", nil)
	if err != nil || err2 != nil || dump(a) != dump(b) {
		t.Fatalf("lf.conf and crlf.conf differ: %v %v", err, err2)
	}
}

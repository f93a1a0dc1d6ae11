package fuzz

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/release-daemon/release/config"
)

// FuzzConfigParse parses arbitrary text of at most 64 KiB with no spec.
//
// Checks: no panic; an error is a config.ErrorList whose every error wraps
// ErrSyntax, ErrDuplicate or ErrTooLarge and has a line in [1, lines+1];
// for accepted text, writing the Config and parsing what was written gives
// the same sections, keys, kinds and values (floats bit for bit, regexps by
// source), and writing that again gives the same text; no input takes more
// than 2 s (the pass bar is 50 ms; the margin keeps a loaded machine from
// failing the run).
func FuzzConfigParse(f *testing.F) {
	for _, pattern := range []string{"../config/testdata/*/*.conf", "../config/testdata/*.conf"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			if data, err := os.ReadFile(name); err == nil {
				f.Add(data)
			}
		}
	}
	for _, s := range []string{
		"a = 1\n# comment on the last line, no newline",
		"x = 1", "k = -5", "s = \"unterminated", "s = \"\\999\"", "r = /(/",
		"i = 99999999999999999999", "a = 1\r\nb = [1,\r\n 2]\r\n", "[s]\na = 1\n[s]\nb = 2",
		"a =\nb = 1", "a =\n[s]\n", "l = [debug, info, true, \"x\", /y/, 1.5, -.5]",
		"r = /a\\/b\n   c\\\\/", "s = \"\\x41\\065\\q\\\n\"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 64<<10 {
			return
		}
		start := time.Now()
		configCheck(t, in)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("input of %d bytes took %v", len(in), d)
		}
	})
}

func configCheck(t *testing.T, in []byte) {
	cfg, err := config.ParseBytes("fuzz.conf", in, nil)
	if err != nil {
		configCheckErr(t, in, err)
		return
	}
	out, err := cfg.MarshalText()
	if err != nil {
		t.Fatalf("MarshalText of an accepted input: %v", err)
	}
	again, err := config.ParseBytes("out.conf", out, nil)
	if err != nil {
		t.Fatalf("parsing the written text: %v\ntext:\n%s", err, out)
	}
	configSame(t, cfg, again, out)
	if out2, err := again.MarshalText(); err != nil || !bytes.Equal(out, out2) {
		t.Fatalf("writing again gives another text (%v):\n%s\nthen\n%s", err, out, out2)
	}
}

func configCheckErr(t *testing.T, in []byte, err error) {
	errs, ok := errors.AsType[config.ErrorList](err)
	if !ok || len(errs) == 0 {
		t.Fatalf("error %v (%T) is not a non-empty config.ErrorList", err, err)
	}
	lines := bytes.Count(in, []byte("\n")) + 1
	for _, e := range errs {
		if e.Line < 1 || e.Line > lines+1 {
			t.Fatalf("error on line %d of a %d-line input: %v", e.Line, lines, e)
		}
		if !errors.Is(e, config.ErrSyntax) && !errors.Is(e, config.ErrDuplicate) && !errors.Is(e, config.ErrTooLarge) {
			t.Fatalf("error wraps no parse sentinel: %v", e)
		}
	}
}

// configSame fails unless a and b hold the same sections, keys and values.
func configSame(t *testing.T, a, b *config.Config, text []byte) {
	if !slices.Equal(a.Sections(), b.Sections()) {
		t.Fatalf("sections %q, then %q\ntext:\n%s", a.Sections(), b.Sections(), text)
	}
	for _, s := range append([]string{""}, a.Sections()...) {
		if !slices.Equal(a.Keys(s), b.Keys(s)) {
			t.Fatalf("section %q: keys %q, then %q\ntext:\n%s", s, a.Keys(s), b.Keys(s), text)
		}
		for _, k := range a.Keys(s) {
			va, _ := a.Get(s, k)
			vb, _ := b.Get(s, k)
			if va.Kind() != vb.Kind() || !va.Equal(vb) {
				t.Fatalf("%s.%s: %v %v, then %v %v\ntext:\n%s", s, k, va.Kind(), va, vb.Kind(), vb, text)
			}
		}
	}
}

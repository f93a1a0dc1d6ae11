package config_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/release-daemon/release/config"
)

// TestOriginalLexerCrashes has one case per crash or leak of the original's
// lexer and parser: each input now parses, or fails with an error at its
// line, and never panics.
func TestOriginalLexerCrashes(t *testing.T) {
	for _, c := range []struct {
		name, src string
		line      int // 0: parses
		want      string
	}{
		{"comment on the last line without newline", "a = 1\n# last", 0, "a int 1\n"},
		{"unterminated string", "a = 1\nb = \"abc", 2, "unterminated string"},
		{"one-letter key", "x = 1", 0, "x int 1\n"},
		{"CRLF file", "a = 1\r\n[s]\r\nb = [1,\r\n 2]\r\n", 0, "a int 1\n[s]\nb list [1, 2]\n"},
		{"negative number", "a = -5 b = -.5", 0, "a int -5\nb float -0.5\n"},
		{"integer overflow", "a = 1\nb = 99999999999999999999", 2, "out of range"},
		{`"\999"`, "a = 1\nb = \"\\999\"", 2, `\999 out of range`},
		{"invalid regexp", "a = 1\nb = /(/", 2, "invalid regexp"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := config.ParseBytes("w24.conf", []byte(c.src), nil)
			if c.line == 0 {
				if err != nil || dump(cfg) != c.want {
					t.Fatalf("got %v\n%s; want\n%s", err, dumpOrNil(cfg), c.want)
				}
				return
			}
			pe, ok := errors.AsType[*config.ParseError](err)
			if !ok || pe.Line != c.line || !errors.Is(err, config.ErrSyntax) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v; want a syntax error on line %d containing %q", err, c.line, c.want)
			}
		})
	}
	t.Run("reparsing gives no stale duplicates", func(t *testing.T) {
		const src = "a = 1\n[s]\nb = 2\n"
		for range 3 {
			if _, err := config.ParseBytes("w24.conf", []byte(src), nil); err != nil {
				t.Fatalf("a second parse of the same text: %v", err)
			}
		}
	})
	t.Run("no file left open after an error", TestParseClosesFiles)
}

func dumpOrNil(c *config.Config) string {
	if c == nil {
		return "<nil>"
	}
	return dump(c)
}

// TestOriginalValidationGaps covers the original's symlink-blind file
// validations and its lack of size limits. That validations are checks at parse
// time (TOCTOU) is documented in doc.go and validate_file.go.
func TestOriginalValidationGaps(t *testing.T) {
	paths := fileKinds(t)
	t.Run("a symlink to a file is a regular file (os.Stat)", func(t *testing.T) {
		if err := config.RegularFile(config.StringValue(paths["link"])); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("SymbolicLink looks at the link (os.Lstat)", func(t *testing.T) {
		if err := config.SymbolicLink(config.StringValue(paths["link"])); err != nil {
			t.Fatal(err)
		}
		if err := config.SymbolicLink(config.StringValue(paths["file"])); err == nil {
			t.Fatal("a regular file is a symbolic link")
		}
	})
	t.Run("a dangling symlink does not exist", func(t *testing.T) {
		if err := config.ExistingFile(config.StringValue(paths["dangling"])); err == nil {
			t.Fatal("a dangling symlink exists")
		}
	})
	t.Run("file size limit", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "big.conf")
		writeFile(t, path, strings.Repeat("\n", config.MaxSize+1))
		if _, err := config.Parse(path, nil); !errors.Is(err, config.ErrTooLarge) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("line length limit", func(t *testing.T) {
		_, err := config.ParseBytes("w25.conf", []byte("a = 1\n#"+strings.Repeat("x", config.MaxLineLength)), nil)
		pe, ok := errors.AsType[*config.ParseError](err)
		if !ok || pe.Line != 2 || !errors.Is(err, config.ErrTooLarge) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a line of exactly the limit, CRLF", func(t *testing.T) {
		line := "#" + strings.Repeat("x", config.MaxLineLength-1)
		if _, err := config.ParseBytes("w25.conf", []byte(line+"\r\n"+line), nil); err != nil {
			t.Fatal(err)
		}
	})
}

package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/release-daemon/release/internal/configgen"
)

// TestPositions checks the lines and columns that a Config finds from
// offsets against those the lexer counts as it reads, for every token of
// the layout files, a generated file of many blocks, and text with CR LF
// line ends, comments and values on later lines, multi-line strings and
// regexps; and that valueOffset finds the value of every key.
func TestPositions(t *testing.T) {
	texts := []string{
		string(configgen.Text(0, 200)),
		"a = 1\r\n# c\r\nb\r\n=\r\n  # between\r\n  \"x\r\ny\"\r\n[s] c = /a\n   b/ d=[1,\n2]\n\n\ne # c\n= # d\n\n true",
	}
	files, _ := filepath.Glob("testdata/layout/*.conf")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(data))
	}
	checked, values := 0, 0
	for _, text := range texts {
		c := &Config{text: text}
		var lx lexer
		lx.init(text, &sink{})
		var toks []token
		for tok := lx.next(); tok.kind() != tEOF; tok = lx.next() {
			toks = append(toks, tok)
		}
		for i, tok := range toks {
			if line, col := c.position(tok.off); line != tok.line() || col != tok.col() {
				t.Fatalf("token %q at offset %d: position %d:%d; the lexer says %d:%d", text[tok.off:tok.end], tok.off, line, col, tok.line(), tok.col())
			}
			checked++
			if tok.kind() == tIdent && i+2 < len(toks) && toks[i+1].kind() == tEquals {
				if got := c.valueOffset(tok.off); got != toks[i+2].off {
					t.Fatalf("key %q: value at offset %d; want %d", text[tok.off:tok.end], got, toks[i+2].off)
				}
				values++
			}
		}
	}
	if values < 1000 {
		t.Fatalf("only %d values", values)
	}
	t.Logf("%d token positions and %d value offsets agree with the lexer", checked, values)
}

package config

import (
	"strings"
	"unicode/utf8"
)

// bom is the byte order mark, which the format does not allow.
const bom = "\uFEFF"

// checkText reports whether src is text the lexer can read: valid UTF-8,
// with no NUL byte and no byte order mark. If not, it reports each line that
// breaks a rule, once, to s.
func checkText(src string, s *sink) bool {
	if strings.IndexByte(src, 0) < 0 && utf8.ValidString(src) && !strings.HasPrefix(src, bom) {
		return true
	}
	line, lineStart, reported := 1, 0, 0
	report := func(i int, msg string) {
		if reported < line {
			reported = line
			s.addf(line, i-lineStart+1, ErrSyntax, "%s", msg)
		}
	}
	if strings.HasPrefix(src, bom) {
		report(0, "byte order mark (U+FEFF) at the start of the file")
	}
	for i := 0; i < len(src); {
		switch c := src[i]; {
		case c == '\n':
			line, lineStart = line+1, i+1
		case c == 0:
			report(i, "NUL byte")
		case c >= utf8.RuneSelf:
			if r, n := utf8.DecodeRuneInString(src[i:]); r == utf8.RuneError && n == 1 {
				report(i, "invalid UTF-8")
			} else {
				i += n
				continue
			}
		}
		i++
	}
	return false
}

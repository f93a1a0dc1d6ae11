package config

import (
	"fmt"
	"math"
	"regexp/syntax"
	"strconv"
)

// lexNumber reads an int (-?D+) or a float (-?D+.D+ or -?.D+), taking the
// whole word so that 10s or 1.5.2 is one malformed number and not two
// tokens. line and col are the token's, for errors.
func (l *lexer) lexNumber(line, col int, text string) tokKind {
	switch numberKind(text) {
	case KindInt:
		if len(text) <= 18 { // no overflow possible
			return l.literal(numVal(KindInt, uint64(smallInt(text))))
		}
		i, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return l.bad(line, col, "integer %s out of range [%d, %d]", shortValue(text), int64(-1<<63), int64(1<<63-1))
		}
		return l.literal(numVal(KindInt, uint64(i)))
	case KindFloat:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return l.bad(line, col, "float %s out of range", shortValue(text))
		}
		return l.literal(numVal(KindFloat, math.Float64bits(f)))
	}
	return l.bad(line, col, "malformed number %s", short(text))
}

// smallInt returns the value of text, -?D+ with at most 18 bytes.
func smallInt(text string) int64 {
	neg := text[0] == '-'
	if neg {
		text = text[1:]
	}
	var n int64
	for i := 0; i < len(text); i++ {
		n = n*10 + int64(text[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}

// numberKind returns KindInt or KindFloat when s is written as one, and
// KindInvalid otherwise.
func numberKind(s string) Kind {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	n := digits(s)
	if n == len(s) {
		if n == 0 {
			return KindInvalid
		}
		return KindInt
	}
	if s[n] != '.' {
		return KindInvalid
	}
	m := digits(s[n+1:])
	if m == 0 || n+1+m != len(s) {
		return KindInvalid
	}
	return KindFloat
}

// digits returns the number of leading ASCII digits in s.
func digits(s string) int {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}

// bad reports a malformed literal at line:col and returns tBad.
func (l *lexer) bad(line, col int, format string, args ...any) tokKind {
	l.sink.addf(line, col, ErrSyntax, format, args...)
	return tBad
}

// lexString reads a double-quoted string. Without escapes or carriage
// returns the value is a slice of the input; otherwise it is decoded into
// buf and kept in the extra text (see keep).
func (l *lexer) lexString(line, col int) tokKind {
	src := l.src
	for i := l.pos + 1; i < len(src); i++ {
		switch src[i] {
		case '"':
			v := spanVal(KindString, span{off: int32(l.pos + 1), n: int32(i - l.pos - 1)})
			l.pos = i + 1
			return l.literal(v)
		case '\n':
			l.newline(i)
		case '\\', '\r':
			return l.lexStringSlow(line, col, i)
		}
	}
	l.pos = len(src)
	return l.bad(line, col, "unterminated string: no closing '\"'")
}

// lexStringSlow finishes lexString from offset i, the first backslash or
// carriage return.
func (l *lexer) lexStringSlow(line, col, i int) tokKind {
	src, ok := l.src, true
	l.buf = append(l.buf[:0], src[l.pos+1:i]...)
	for i < len(src) {
		switch c := src[i]; c {
		case '"':
			l.pos = i + 1
			if !ok {
				return tBad
			}
			s, _ := l.keep(l.buf)
			return l.literal(spanVal(KindString, s))
		case '\n':
			l.newline(i)
			l.buf = append(l.buf, c)
			i++
		case '\r':
			if i+1 >= len(src) || src[i+1] != '\n' { // CRLF reads as LF
				l.buf = append(l.buf, c)
			}
			i++
		case '\\':
			i = l.escape(i, &ok)
		default:
			l.buf = append(l.buf, c)
			i++
		}
	}
	l.pos = len(src)
	return l.bad(line, col, "unterminated string: no closing '\"'")
}

// escape decodes the escape at src[i] == '\\' into buf and returns
// the offset after it, clearing *ok if it is a bad one. A backslash that
// starts no escape is kept, as the original did.
func (l *lexer) escape(i int, ok *bool) int {
	src := l.src
	if i+1 >= len(src) {
		l.buf = append(l.buf, '\\')
		return i + 1
	}
	switch c := src[i+1]; c {
	case '\\', '\'', '"', ' ':
		l.buf = append(l.buf, c)
	case 'n':
		l.buf = append(l.buf, '\n')
	case 't':
		l.buf = append(l.buf, '\t')
	case 'b':
		l.buf = append(l.buf, '\b')
	case 'r':
		l.buf = append(l.buf, '\r')
	case 'x':
		if i+3 < len(src) && isHex(src[i+2]) && isHex(src[i+3]) {
			l.buf = append(l.buf, unhex(src[i+2])<<4|unhex(src[i+3]))
			return i + 4
		}
		l.buf = append(l.buf, '\\')
		return i + 1
	default:
		if i+3 < len(src) && digits(src[i+1:i+4]) == 3 {
			*ok = l.decimalEscape(i) && *ok
			return i + 4
		}
		l.buf = append(l.buf, '\\')
		return i + 1
	}
	return i + 2
}

// decimalEscape decodes \DDD at src[i], which must be at most \255.
func (l *lexer) decimalEscape(i int) bool {
	d := l.src[i+1 : i+4]
	n := int(d[0]-'0')*100 + int(d[1]-'0')*10 + int(d[2]-'0')
	if n > 255 {
		l.sink.addf(l.line, l.col(i), ErrSyntax, "escape \\%s out of range: a decimal escape is at most \\255", d)
		return false
	}
	l.buf = append(l.buf, byte(n))
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// lexRegexp reads a regexp between slashes.
func (l *lexer) lexRegexp(line, col int) tokKind {
	src := l.src
	for i := l.pos + 1; i < len(src); i++ {
		switch src[i] {
		case '/':
			s, expr := span{off: int32(l.pos + 1), n: int32(i - l.pos - 1)}, src[l.pos+1:i]
			l.pos = i + 1
			return l.regexp(line, col, s, expr)
		case '\\':
			if i+1 < len(src) && src[i+1] != '/' && src[i+1] != '\n' && src[i+1] != '\r' {
				i++ // kept as it is, with the byte after it
				continue
			}
			return l.lexRegexpSlow(line, col, i)
		case '\n', '\r':
			return l.lexRegexpSlow(line, col, i)
		}
	}
	l.pos = len(src)
	return l.bad(line, col, "unterminated regexp: no closing '/'")
}

// lexRegexpSlow finishes lexRegexp from offset i: \/ is a slash, any other
// backslash is kept with the byte after it for the regexp engine, and a
// line break is dropped with the blank space after it.
func (l *lexer) lexRegexpSlow(line, col, i int) tokKind {
	src := l.src
	l.buf = append(l.buf[:0], src[l.pos+1:i]...)
	for i < len(src) {
		switch c := src[i]; {
		case c == '/':
			l.pos = i + 1
			s, expr := l.keep(l.buf)
			return l.regexp(line, col, s, expr)
		case c == '\\' && i+1 < len(src) && (src[i+1] == '/' || src[i+1] == '\\'):
			if src[i+1] == '\\' {
				l.buf = append(l.buf, '\\')
			}
			l.buf = append(l.buf, src[i+1])
			i += 2
		case c == '\n' || c == '\r' && i+1 < len(src) && src[i+1] == '\n':
			i = l.skipBlank(i)
		default:
			l.buf = append(l.buf, c)
			i++
		}
	}
	l.pos = len(src)
	return l.bad(line, col, "unterminated regexp: no closing '/'")
}

// skipBlank returns the offset of the first byte at or after i that is not
// blank space, counting the line breaks it passes.
func (l *lexer) skipBlank(i int) int {
	for ; i < len(l.src); i++ {
		switch l.src[i] {
		case '\n':
			l.newline(i)
		case ' ', '\t', '\r':
		default:
			return i
		}
	}
	return i
}

// regexp checks the syntax of expr, whose text is s, and makes it the
// token's value. Value.Regexp compiles it when it is first asked for.
func (l *lexer) regexp(line, col int, s span, expr string) tokKind {
	if err := l.checkRegexp(expr); err != nil {
		l.sink.add(line, col, "", err)
		return tBad
	}
	return l.literal(spanVal(KindRegexp, s))
}

// checkRegexp checks the syntax of expr: with plainRegexp's quick scan,
// or else with a parse by regexp/syntax, once for each distinct text. The
// texts parsed may total MaxRegexpParse bytes; the first regexp past that
// is an error wrapping ErrTooLarge, and those after it go unchecked, the
// parse having failed.
func (l *lexer) checkRegexp(expr string) error {
	if l.plain.check(expr) {
		return nil
	}
	if _, ok := l.parsed[expr]; ok || l.parsedBytes > MaxRegexpParse {
		return nil
	}
	if l.parsedBytes += len(expr); l.parsedBytes > MaxRegexpParse {
		return fmt.Errorf("%w: the regexps that need a full syntax check total more than %d bytes", ErrTooLarge, MaxRegexpParse)
	}
	if _, err := syntax.Parse(expr, syntax.Perl); err != nil {
		return fmt.Errorf("%w: invalid regexp: %w", ErrSyntax, err)
	}
	if l.parsed == nil {
		l.parsed = make(map[string]struct{})
	}
	l.parsed[expr] = struct{}{}
	return nil
}

// short returns s quoted, cut to 40 bytes, for a message.
func short(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:40]) + "..."
	}
	return strconv.Quote(s)
}

// keep appends b to the extra text and returns its span, and the string
// it is until strs grows.
func (l *lexer) keep(b []byte) (span, string) {
	off := l.strs.Len()
	if l.strs.Cap()-off < len(b) {
		l.strs.Grow(max(len(b), off, 256)) // double
	}
	l.strs.Write(b)
	return span{off: ^int32(off), n: int32(len(b))}, l.strs.String()[off:]
}

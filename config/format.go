package config

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// WriteTo writes c in the Release format: the global keys, then each
// section's header and keys, one "key = value" a line, defaults included,
// in the order of [Config.Sections] and [Config.Keys]. Parsing the output
// gives back the same sections, keys and values (comments and layout are
// not kept). It fails, writing nothing, with an error wrapping
// [ErrInvalid] when c holds what the format cannot: a name that is not an
// identifier, a NaN or infinite float, a nested list, or a keyword that is
// not an identifier or is true or false (all of which only a [Spec]'s
// defaults can bring in).
func (c *Config) WriteTo(w io.Writer) (int64, error) {
	b, err := c.MarshalText()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

// MarshalText returns what [Config.WriteTo] writes.
func (c *Config) MarshalText() ([]byte, error) {
	var b []byte
	for i := range c.sections.len() {
		name := c.sectionName(int32(i))
		if i > 0 {
			if !isIdent(name) {
				return nil, fmt.Errorf("%w: section name %s is not an identifier", ErrInvalid, short(name))
			}
			if len(b) > 0 {
				b = append(b, '\n')
			}
			b = append(append(append(b, '['), name...), "]\n"...)
		}
		for _, r := range c.keyRanges(i) {
			var err error
			if b, err = c.appendEntries(b, name, r); err != nil {
				return nil, err
			}
		}
	}
	return b, nil
}

// appendEntries writes "key = value" lines for the entries of r.
func (c *Config) appendEntries(b []byte, section string, r keyRange) ([]byte, error) {
	for p := r.first; p < r.first+r.n; p++ {
		e := c.entries.at(int(p))
		key := c.keyText(e)
		if !isIdent(key) {
			return nil, fmt.Errorf("%w: key %s is not an identifier", ErrInvalid, short(qualified(section, key)))
		}
		b = append(append(b, key...), " = "...)
		var err error
		if b, err = appendValue(b, c.value(e.val()), false); err != nil {
			return nil, fmt.Errorf("%w (key %s)", err, qualified(section, key))
		}
		b = append(b, '\n')
	}
	return b, nil
}

// isIdent reports whether s reads back as one identifier that is not a
// bool.
func isIdent(s string) bool {
	if s == "" || s == "true" || s == "false" || !('a' <= s[0] && s[0] <= 'z' || 'A' <= s[0] && s[0] <= 'Z') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if delim[s[i]] {
			return false
		}
	}
	return utf8.ValidString(s)
}

// appendValue appends v in the Release syntax. When loose is set, values
// the syntax cannot hold are written as Go would write them, without error.
func appendValue(b []byte, v Value, loose bool) ([]byte, error) {
	switch v.kind {
	case KindInt:
		return strconv.AppendInt(b, int64(v.num), 10), nil
	case KindFloat:
		return appendFloat(b, math.Float64frombits(v.num), loose)
	case KindBool:
		return strconv.AppendBool(b, v.num == 1), nil
	case KindString:
		return appendString(b, v.str), nil
	case KindRegexp:
		return appendRegexp(b, v.str), nil
	case KindKeyword:
		if !loose && !isIdent(v.str) {
			return b, fmt.Errorf("%w: keyword %s is not an identifier", ErrInvalid, short(v.str))
		}
		return append(b, v.str...), nil
	case KindList:
		return appendList(b, v, loose)
	}
	if loose {
		return append(b, "<invalid>"...), nil
	}
	return b, fmt.Errorf("%w: the zero Value", ErrInvalid)
}

// appendFloat writes f with a decimal point and no exponent, which the
// format requires, in the fewest digits that read back as f.
func appendFloat(b []byte, f float64, loose bool) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		if loose {
			return strconv.AppendFloat(b, f, 'g', -1, 64), nil
		}
		return b, fmt.Errorf("%w: float %v has no Release syntax", ErrInvalid, f)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'f', -1, 64)
	if bytes.IndexByte(b[start:], '.') < 0 {
		b = append(b, ".0"...)
	}
	return b, nil
}

func appendList(b []byte, list Value, loose bool) ([]byte, error) {
	b = append(b, '[')
	for i := range list.len() {
		e := list.index(i)
		if i > 0 {
			b = append(b, ", "...)
		}
		if e.kind == KindList && !loose {
			return b, fmt.Errorf("%w: a list in a list", ErrInvalid)
		}
		var err error
		if b, err = appendValue(b, e, loose); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// appendString writes s in double quotes. Quotes, backslashes, control
// characters and bytes that are not UTF-8 are escaped; other text is
// written as it is.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = appendHex(b, c)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		}
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, `\n`...)
		case '\t':
			b = append(b, `\t`...)
		case '\r':
			b = append(b, `\r`...)
		case '\b':
			b = append(b, `\b`...)
		default:
			if c < ' ' || c == 0x7f {
				b = appendHex(b, c)
			} else {
				b = append(b, c)
			}
		}
		i++
	}
	return append(b, '"')
}

func appendHex(b []byte, c byte) []byte {
	const hex = "0123456789abcdef"
	return append(b, '\\', 'x', hex[c>>4], hex[c&15])
}

// appendRegexp writes expr between slashes so that the lexer reads expr
// back: a slash becomes \/, a line break (which the lexer would drop)
// becomes \n, and a backslash keeps the byte after it.
func appendRegexp(b []byte, expr string) []byte {
	b = append(b, '/')
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; {
		case c == '/':
			b = append(b, `\/`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\\' && i+1 < len(expr):
			i++
			switch expr[i] {
			case '/':
				b = append(b, `\/`...) // \/ is / to RE2 too
			case '\n':
				b = append(b, `\n`...) // and \ with a line break is \n
			default:
				b = append(b, c, expr[i])
			}
		default:
			b = append(b, c)
		}
	}
	return append(b, '/')
}

package config

import "strings"

// tokKind is the kind of a token.
type tokKind uint8

const (
	tEOF      tokKind = iota
	tIdent            // a word: a key, a section name or a keyword value
	tValue            // a literal: int, float, bool, string or regexp, in lexer.val
	tBad              // a literal whose error the lexer has already reported
	tIllegal          // text that starts no token
	tEquals           // =
	tLBracket         // [
	tRBracket         // ]
	tComma            // ,
)

// token is one token: the byte offsets of its text, its line and column,
// its kind, a tValue's kind of literal, and whether it is the first token
// on its line (no other token starts or ends on that line before it). It
// has four fields so that the compiler keeps it in registers: a token
// written field by field in memory and then copied whole stalls the CPU
// (store forwarding fails), which cost half the lexer's time. A tValue
// token's value is the lexer's val until the next token is read.
type token struct {
	off, end int
	pos      uint64 // line<<32 | col
	bits     uint32 // kind | lit<<8 | first<<16
}

func makeToken(k tokKind, lit Kind, first bool, line, col, off, end int) token {
	bits := uint32(k) | uint32(lit)<<8
	if first {
		bits |= 1 << 16
	}
	return token{off: off, end: end, pos: uint64(line)<<32 | uint64(uint32(col)), bits: bits}
}

func (t token) kind() tokKind { return tokKind(t.bits) }
func (t token) lit() Kind     { return Kind(t.bits >> 8) }
func (t token) first() bool   { return t.bits>>16&1 != 0 }
func (t token) line() int     { return int(t.pos >> 32) }
func (t token) col() int      { return int(uint32(t.pos)) }
func (t token) span() span    { return span{off: int32(t.off), n: int32(t.end - t.off)} }

// The byte classes of the lexer.
const (
	cOther   uint8 = iota // starts no token: an illegal word
	cBlank                // space, tab, carriage return
	cNewline              // line feed
	cHash                 // a comment
	cPunct                // = [ ] ,
	cQuote                // a string
	cSlash                // a regexp
	cLetter               // a word
	cNumber               // 0-9 - .
	cControl              // another control character: illegal on its own
)

// class is the class of every byte, and delim marks the bytes that end a
// word: blank space, control characters and # = [ ] ,. The original did
// not stop words at a comma; see doc.go.
var class, delim = func() (class [256]uint8, delim [256]bool) {
	for c := range 256 {
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			class[c] = cBlank
		case c == '\n':
			class[c] = cNewline
		case c < ' ' || c == 0x7f:
			class[c] = cControl
		case c == '#':
			class[c] = cHash
		case c == '=' || c == '[' || c == ']' || c == ',':
			class[c] = cPunct
		case c == '"':
			class[c] = cQuote
		case c == '/':
			class[c] = cSlash
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			class[c] = cLetter
		case '0' <= c && c <= '9' || c == '-' || c == '.':
			class[c] = cNumber
		}
		k := class[c]
		delim[c] = k == cBlank || k == cNewline || k == cControl || k == cHash || k == cPunct
	}
	return class, delim
}()

// lexer splits the input into tokens. Literals are decoded as they are
// read; a string or regexp with escapes or line breaks is decoded into buf
// and kept in strs, the Config's extra text.
type lexer struct {
	src       string
	pos       int
	line      int  // current line, from 1
	lineStart int  // offset of the current line's first byte
	lastLine  int  // line on which the previous token ended
	val       cval // the last tValue token's value
	strs      strings.Builder
	buf       []byte
	sink      *sink

	parsed      map[string]struct{} // the regexps regexp/syntax has checked (see checkRegexp)
	parsedBytes int                 // and the length of their texts
	plain       plainScan           // reused by every regexp's quick check
}

func (l *lexer) init(src string, s *sink) {
	l.src, l.line, l.sink = src, 1, s
}

// col returns the 1-based byte column of offset off on the current line.
func (l *lexer) col(off int) int { return off - l.lineStart + 1 }

// newline records the line break at offset at.
func (l *lexer) newline(at int) {
	l.checkLine(at)
	l.line++
	l.lineStart = at + 1
}

// checkLine reports the current line if it ends at offset end and is too
// long.
func (l *lexer) checkLine(end int) {
	if n := end - l.lineStart; n > MaxLineLength && !(n == MaxLineLength+1 && l.src[end-1] == '\r') {
		l.sink.addf(l.line, MaxLineLength+1, ErrTooLarge, "line is longer than %d bytes", MaxLineLength)
	}
}

// skip passes over blank space and comments.
func (l *lexer) skip() {
	src, i := l.src, l.pos
loop:
	for i < len(src) {
		switch class[src[i]] {
		case cBlank:
			i++
		case cNewline:
			l.newline(i)
			i++
		case cHash:
			if j := strings.IndexByte(src[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(src)
			}
		default:
			break loop
		}
	}
	l.pos = i
}

// next returns the next token. It works on locals, not on l.pos, in the
// common paths: the lexer is the parser's inner loop.
func (l *lexer) next() token {
	src, i := l.src, l.pos
	for i < len(src) && src[i] == ' ' {
		i++
	}
	if i < len(src) && class[src[i]]-cBlank <= cHash-cBlank { // blank, newline or #
		l.pos = i
		l.skip()
		i = l.pos
	}
	line, col, first := l.line, i-l.lineStart+1, l.line > l.lastLine
	if i >= len(src) {
		l.pos = i
		l.checkLine(len(src))
		l.lineStart = len(src) // report the last line once
		return makeToken(tEOF, 0, first, line, col, i, i)
	}
	var k tokKind
	end := i + 1
	switch c := src[i]; class[c] {
	case cPunct:
		k = punct(c)
	case cLetter:
		end = wordEnd(src, end)
		k = l.lexWord(src[i:end])
	case cNumber:
		end = wordEnd(src, end)
		k = l.lexNumber(line, col, src[i:end])
	case cQuote:
		l.pos = i
		k = l.lexString(line, col)
		end = l.pos
	case cSlash:
		l.pos = i
		k = l.lexRegexp(line, col)
		end = l.pos
	case cControl:
		k = tIllegal
	default:
		k = tIllegal
		end = wordEnd(src, end)
	}
	l.pos = end
	l.lastLine = l.line
	var lit Kind
	if k == tValue {
		lit = l.val.kind
	}
	return makeToken(k, lit, first, line, col, i, end)
}

func punct(c byte) tokKind {
	switch c {
	case '=':
		return tEquals
	case '[':
		return tLBracket
	case ']':
		return tRBracket
	}
	return tComma
}

// wordEnd returns the offset of the end of the word that goes on at
// src[i].
func wordEnd(src string, i int) int {
	for i < len(src) && !delim[src[i]] {
		i++
	}
	return i
}

// lexWord reads an identifier, which is a bool when it is true or false.
func (l *lexer) lexWord(word string) tokKind {
	switch word {
	case "true":
		return l.literal(numVal(KindBool, 1))
	case "false":
		return l.literal(numVal(KindBool, 0))
	}
	return tIdent
}

// literal makes v the value of the token being read, a tValue.
func (l *lexer) literal(v cval) tokKind {
	l.val = v
	return tValue
}

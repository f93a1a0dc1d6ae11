package config

import (
	"strings"
	"unicode/utf8"
)

// plainRegexp reports whether expr is in a subset of the RE2 syntax that
// regexp/syntax always accepts, so that it needs no parse: literal text;
// . ^ $ and |; groups ( ), (?: ), and flags (?i) or (?i-s: ); the
// operators * + ? and {n} {n,} {n,m} (n and m at most 1000, and not after
// a group), lazy or not; classes such as [a-z_] or [^\d\-] of characters,
// ranges, \d \s \w and their negations, and escapes; and the escapes \d \D
// \s \S \w \W, \b \B \A \z, \a \f \n \r \t \v and of any ASCII character
// that is not a letter or a digit. Whatever else expr holds, or a length
// over plainMaxLen, makes it false, which means only that regexp/syntax
// must parse it: a parse costs from a third of a microsecond to tens of
// microseconds for a few bytes (Unicode classes, case folding of large
// classes), where this scan costs nanoseconds.
func plainRegexp(expr string) bool {
	if len(expr) > plainMaxLen {
		return false
	}
	var s plainScan
	for i := 0; i < len(expr); {
		n := s.step(expr[i:])
		if n == 0 {
			return false
		}
		i += n
	}
	return s.depth == 0
}

const (
	// plainMaxLen bounds what a plain regexp can add up to for the limits
	// of regexp/syntax (the runes in its classes, the size of its
	// repetitions, the height of its tree) far below them.
	plainMaxLen     = 4 << 10
	plainMaxDepth   = 100 // regexp/syntax allows a tree 1000 high; a group adds at most 4
	plainMaxRepeats = 256 // {n,m} of at most 1000: 256 of them expand to under 1/6 of the largest size
)

// plainScan is the state of plainRegexp's scan.
type plainScan struct {
	depth   int  // open groups
	repeats int  // counted repetitions
	atom    bool // what came last can take an operator
	group   bool // what came last is a group
}

// step reads the token at the start of t and returns its length, or 0
// when it is not plain.
func (s *plainScan) step(t string) int {
	atom, group, n := true, false, 1
	switch c := t[0]; c {
	case '\\':
		switch escapeKind(t[1:]) {
		case escNone:
			return 0
		case escAssert:
			atom = false
		}
		n = 2
	case '.':
	case '^', '$', '|':
		atom = false
	case '(':
		if n = s.open(t); n == 0 {
			return 0
		}
		atom = false
	case ')':
		if s.depth == 0 {
			return 0
		}
		s.depth--
		group = true
	case '[':
		n = plainClass(t)
	case '*', '+', '?':
		n = s.operator(t, 1)
		atom = false
	case '{':
		if s.group {
			return 0
		}
		n = s.operator(t, plainRepeat(t))
		atom = false
	default:
		if c >= utf8.RuneSelf {
			if _, n = utf8.DecodeRuneInString(t); n == 1 { // not UTF-8
				return 0
			}
		}
	}
	s.atom, s.group = atom, group
	return n
}

// open reads a group's opening at the start of t: "(", "(?flags:" or
// "(?flags)", which opens none.
func (s *plainScan) open(t string) int {
	n, opens := 1, true
	if strings.HasPrefix(t, "(?") {
		m, group := perlFlags(t[2:])
		if m == 0 {
			return 0
		}
		n, opens = 2+m, group
	}
	if opens {
		if s.depth++; s.depth > plainMaxDepth {
			return 0
		}
	}
	return n
}

// operator returns the length of the repetition operator of n bytes at
// the start of t, with its lazy '?' if it has one, or 0 when it is not
// plain or not after an operand.
func (s *plainScan) operator(t string, n int) int {
	if n == 0 || !s.atom {
		return 0
	}
	if t[0] == '{' {
		if s.repeats++; s.repeats > plainMaxRepeats {
			return 0
		}
	}
	if n < len(t) && t[n] == '?' {
		n++
	}
	return n
}

// perlFlags reads the flags of a "(?" group, t being what follows the
// '?': [imsU]*, then '-' and [imsU]+ or not, then ':' (the group goes on)
// or ')' (it is only flags). It returns their length and whether the
// group goes on, or 0.
func perlFlags(t string) (n int, group bool) {
	negated, flags := false, false
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case 'i', 'm', 's', 'U':
			flags = true
		case '-':
			if negated {
				return 0, false
			}
			negated, flags = true, false
		case ':', ')':
			if negated && !flags {
				return 0, false
			}
			return i + 1, t[i] == ':'
		default:
			return 0, false
		}
	}
	return 0, false
}

// plainRepeat returns the length of the counted repetition {n}, {n,} or
// {n,m} at the start of t, or 0 when it is not one that regexp/syntax
// accepts as it stands: numbers up to 1000 with no leading zero, m >= n.
func plainRepeat(t string) int {
	lo, i := repeatCount(t, 1)
	if i == 0 || i >= len(t) {
		return 0
	}
	if t[i] == ',' {
		if i+1 < len(t) && t[i+1] == '}' {
			return i + 2
		}
		hi, j := repeatCount(t, i+1)
		if j == 0 || hi < lo {
			return 0
		}
		i = j
	}
	if i < len(t) && t[i] == '}' {
		return i + 1
	}
	return 0
}

// repeatCount reads the number at t[i:] and returns it and the offset
// after it, or 0, 0 when there is no number of at most 1000 there, or it
// has a leading zero.
func repeatCount(t string, i int) (n, end int) {
	j := i
	for j < len(t) && j-i < 5 && '0' <= t[j] && t[j] <= '9' {
		n = n*10 + int(t[j]-'0')
		j++
	}
	if j == i || n > 1000 || t[i] == '0' && j-i > 1 {
		return 0, 0
	}
	return n, j
}

// plainClass returns the length of the character class at the start of
// t, or 0 when it is not plain. A ']' first in the class, a '[' in it and
// Unicode classes are not.
func plainClass(t string) int {
	i := 1
	if i < len(t) && t[i] == '^' {
		i++
	}
	if i < len(t) && t[i] == ']' {
		return 0
	}
	for i < len(t) {
		switch {
		case t[i] == ']':
			return i + 1
		case t[i] == '[':
			return 0
		case t[i] == '\\' && escapeKind(t[i+1:]) == escClass:
			i += 2
			continue
		}
		lo, n := classChar(t[i:])
		if n == 0 {
			return 0
		}
		i += n
		if i+1 < len(t) && t[i] == '-' && t[i+1] != ']' { // a range
			hi, m := classChar(t[i+1:])
			if m == 0 || hi < lo {
				return 0
			}
			i += 1 + m
		}
	}
	return 0 // no ']'
}

// classChar returns the character at the start of t in a class and its
// length, or 0, 0 when it is not a character or an escape of one.
func classChar(t string) (rune, int) {
	if t[0] != '\\' {
		if r, n := utf8.DecodeRuneInString(t); r != utf8.RuneError || n > 1 {
			return r, n
		}
		return 0, 0 // not UTF-8
	}
	if escapeKind(t[1:]) != escLiteral {
		return 0, 0
	}
	if i := strings.IndexByte("afnrtv", t[1]); i >= 0 {
		return rune("\a\f\n\r\t\v"[i]), 2
	}
	return rune(t[1]), 2
}

// The kinds of escape: what follows a backslash.
const (
	escNone    = iota // not a plain escape: \p, \Q, \x, octal, a backreference, or invalid
	escLiteral        // a character: \n, or \. for a dot
	escClass          // \d \D \s \S \w \W
	escAssert         // \b \B \A \z
)

// escapeKind returns the kind of the escape whose backslash t follows.
func escapeKind(t string) int {
	if t == "" {
		return escNone
	}
	switch c := t[0]; {
	case strings.IndexByte("dDsSwW", c) >= 0:
		return escClass
	case strings.IndexByte("bBAz", c) >= 0:
		return escAssert
	case strings.IndexByte("afnrtv", c) >= 0:
		return escLiteral
	case c >= utf8.RuneSelf || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		return escNone
	}
	return escLiteral // an ASCII character that is not a letter or a digit stands for itself
}

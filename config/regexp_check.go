package config

import (
	"strings"
	"unicode/utf8"
)

// plainRegexp reports whether expr is in a subset of the RE2 syntax that
// regexp/syntax always accepts, so that it needs no parse: literal text;
// . ^ $ and |; groups ( ), (?: ), named groups (?P<name> ) and (?<name> )
// (up to plainMaxNames of them, no name twice), and flags (?i) or
// (?i-s: ); the operators * + ? and {n} {n,} {n,m}, lazy or not, where the
// counts nested in one another multiply to at most 1000 and the compiled
// size they imply stays under plainMaxSize; classes such as [a-z_],
// [^\d\-] or [[:alpha:]_] of characters, ranges, \d \s \w and their
// negations, POSIX classes, and escapes; and the escapes \d \D
// \s \S \w \W, \b \B \A \z, \a \f \n \r \t \v and of any ASCII character
// that is not a letter or a digit. Whatever else expr holds, or a length
// over plainMaxLen, makes it false, which means only that regexp/syntax
// must parse it: a parse costs from a third of a microsecond to tens of
// microseconds for a few bytes (Unicode classes, case folding of large
// classes), where this scan costs nanoseconds.
func plainRegexp(expr string) bool {
	var s plainScan
	return s.check(expr)
}

// check is plainRegexp with s, which may have checked another regexp
// before: a lexer keeps one, so that its frames are not zeroed again for
// every regexp.
func (s *plainScan) check(expr string) bool {
	if len(expr) > plainMaxLen {
		return false
	}
	s.depth, s.repeats, s.atom, s.nnames = 0, 0, false, 0
	s.frames[0] = plainFrame{}
	for i := 0; i < len(expr); {
		if k := literalRun(expr[i:]); k > 0 { // each byte a literal, as step counts it
			f := &s.frames[s.depth]
			f.add(k-1, 1)
			f.add(1, 1)
			s.atom = true
			i += k
			continue
		}
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
	plainMaxNames   = 16  // named groups, whose names are compared with one another
	// plainMaxSize bounds the compiled size the scan works out, counted
	// as regexp/syntax counts it or more, far below its limit (3.3
	// million instructions).
	plainMaxSize = 1 << 20
	// plainMaxProduct is the most copies of one thing nested counted
	// repetitions may make, as regexp/syntax checks them.
	plainMaxProduct = 1000
)

// plainScan is the state of plainRegexp's scan.
type plainScan struct {
	depth   int  // open groups
	repeats int  // counted repetitions
	atom    bool // what came last can take an operator
	frames  [plainMaxDepth + 1]plainFrame
	names   [plainMaxNames]string
	nnames  int
}

// plainFrame is what the scan knows of the group it is in (frames[0] is
// the whole expression): sizes are upper bounds of regexp/syntax's
// compiled size, products those of nested counted repetitions.
type plainFrame struct {
	size     int // of the group's items so far
	last     int // of the last item, for an operator after it
	product  int // the largest of any item
	lastProd int // the last item's
}

// add counts an item of size n and product prod, which an operator may
// follow.
func (f *plainFrame) add(n, prod int) {
	f.size += n
	f.last, f.lastProd = n, prod
	f.product = max(f.product, prod)
}

// repeat applies a counted repetition of at most m copies (at least 1) to
// the last item and reports whether the result stays plain.
func (f *plainFrame) repeat(m int) bool {
	m = max(m, 1)
	if f.lastProd*m > plainMaxProduct {
		return false
	}
	f.lastProd *= m
	f.product = max(f.product, f.lastProd)
	f.size += m*f.last + m
	return f.size <= plainMaxSize
}

// step reads the token at the start of t and returns its length, or 0
// when it is not plain.
func (s *plainScan) step(t string) int {
	atom, n := true, 1
	f := &s.frames[s.depth]
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
		p := &s.frames[s.depth]
		p.add(f.size+2, max(f.product, 1))
		s.atom = true
		return 1
	case '[':
		n = plainClass(t)
	case '*', '+', '?':
		n = s.operator(t, 1)
		f.size += 2
		atom = false
	case '{':
		n = s.operator(t, plainRepeat(t))
		if n == 0 || !f.repeat(repeatMax(t)) {
			return 0
		}
		atom = false
	default:
		if c >= utf8.RuneSelf {
			if _, n = utf8.DecodeRuneInString(t); n == 1 { // not UTF-8
				return 0
			}
		}
	}
	if atom {
		f.add(1, 1)
	} else if c := t[0]; c != '*' && c != '+' && c != '?' && c != '{' {
		f.size++ // an assertion, a '|', or a group's opening
	}
	s.atom = atom
	return n
}

// literalBytes are the ASCII bytes that stand for themselves in a regexp
// wherever they are, outside a class: letters, digits and the punctuation
// that is not an operator.
var literalBytes = func() (t [256]bool) {
	for c := range 128 {
		t[c] = c > ' ' && !strings.ContainsRune(`\.+*?()|[]{}^$`, rune(c))
	}
	return t
}()

// literalRun returns how many bytes at the start of t are literalBytes.
func literalRun(t string) int {
	i := 0
	for i < len(t) && literalBytes[t[i]] {
		i++
	}
	return i
}

// open reads a group's opening at the start of t: "(", "(?flags:",
// "(?P<name>", "(?<name>" or "(?flags)", which opens none.
func (s *plainScan) open(t string) int {
	n, opens := 1, true
	switch {
	case strings.HasPrefix(t, "(?P<"):
		n = s.name(t, 4)
	case strings.HasPrefix(t, "(?<"):
		n = s.name(t, 3)
	case strings.HasPrefix(t, "(?"):
		m, group := perlFlags(t[2:])
		if m == 0 {
			return 0
		}
		n, opens = 2+m, group
	}
	if n == 0 {
		return 0
	}
	if opens {
		if s.depth++; s.depth > plainMaxDepth {
			return 0
		}
		s.frames[s.depth] = plainFrame{}
	}
	return n
}

// name reads the name of a named group that starts at t[i:], up to its
// '>', and returns the length of the opening, or 0 when the name is empty,
// holds other than letters, digits and '_', was seen before, or is one
// too many to compare.
func (s *plainScan) name(t string, i int) int {
	j := i
	for j < len(t) && (t[j] == '_' || '0' <= t[j] && t[j] <= '9' || 'a' <= t[j] && t[j] <= 'z' || 'A' <= t[j] && t[j] <= 'Z') {
		j++
	}
	if j == i || j >= len(t) || t[j] != '>' || s.nnames == plainMaxNames {
		return 0
	}
	name := t[i:j]
	for _, seen := range s.names[:s.nnames] {
		if seen == name {
			return 0
		}
	}
	s.names[s.nnames] = name
	s.nnames++
	return j + 1
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

// repeatMax returns the most copies the counted repetition at the start
// of t, which plainRepeat accepted, makes: m of {n,m}, else n.
func repeatMax(t string) int {
	n, i := repeatCount(t, 1)
	if t[i] == ',' && t[i+1] != '}' {
		n, _ = repeatCount(t, i+1)
	}
	return n
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
// t, or 0 when it is not plain. A ']' first in the class, a '[' in it
// other than a POSIX class's, and Unicode classes are not.
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
			n := posixClass(t[i:])
			if n == 0 {
				return 0
			}
			i += n
			continue
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

// posixClasses are the names of the POSIX classes regexp/syntax knows.
var posixClasses = strings.Fields("alnum alpha ascii blank cntrl digit graph lower print punct space upper word xdigit")

// posixClass returns the length of the POSIX class, such as [:alpha:] or
// [:^digit:], at the start of t, or 0 if there is none.
func posixClass(t string) int {
	if !strings.HasPrefix(t, "[:") {
		return 0
	}
	end := strings.Index(t[2:], ":]")
	if end < 0 {
		return 0
	}
	name := strings.TrimPrefix(t[2:2+end], "^")
	for _, c := range posixClasses {
		if c == name {
			return 2 + end + 2
		}
	}
	return 0
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

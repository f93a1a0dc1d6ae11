package config

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp/syntax"
	"strconv"
	"strings"
	"testing"
)

// TestPlainRegexp checks that the common regexps take the quick check, and
// that what it accepts regexp/syntax accepts too: on a table, then on
// 200,000 random strings of regexp syntax.
func TestPlainRegexp(t *testing.T) {
	for _, c := range []struct {
		expr  string
		plain bool
	}{
		{`^srv-\d+\.example\.com$`, true},
		{`^(a|b)*c?$`, true},
		{`(?i)^[a-z0-9_.-]+@[a-z0-9-]+(?:\.[a-z]{2,})+$`, true},
		{`\bfoo\B\A\z[\w\s\d\-\]]{1,1000}?`, true},
		{`[^\D]é+.*?`, true},
		{`(?i-s:x)(?U)y`, true},
		{``, true},
		{`\pL`, false},     // Unicode class: parsed
		{`a{2}{3}`, false}, // invalid: a repeated repetition
		{`(a){2}`, true},
		{`^(\d{1,3}\.){3}\d{1,3}$`, true},
		{`(a{100}){10}`, true},
		{`(a{100}){11}`, false}, // invalid: 1100 copies of a
		{`((a{10}){10}){11}`, false},
		{`(a{2}){3}{4}`, false}, // invalid: a repeated repetition
		{`a**`, false},          // invalid
		{`(`, false},            // invalid
		{`)`, false},            // invalid
		{`[z-a]`, false},        // invalid
		{`[a`, false},           // invalid
		{`[]a]`, false},         // ] first in a class: parsed
		{`\1`, false},           // invalid
		{`a{1001}`, false},      // invalid
		{`(?P<n>x)(?<m>y)`, true},
		{`(?P<n>x)(?P<n>y)`, false}, // invalid: a name twice
		{`(?P<>x)`, false},          // invalid
		{`(?P<a-b>x)`, false},       // invalid
		{`(?<=x)`, false},           // invalid: lookbehind
		{`[[:alpha:]_][[:^digit:]-]`, true},
		{`[[:bogus:]]`, false}, // invalid
		{`[[:alpha:]`, false},  // invalid: no ']'
		{`[[:alpha]`, false},   // '[' in a class: parsed
		{`(?-)`, false},        // invalid
		{`*`, false},           // invalid
		{`\Q*\E`, false},       // parsed
		{`x\`, false},          // invalid
		{strings.Repeat("a", plainMaxLen+1), false},
		{strings.Repeat("(", plainMaxDepth+1) + strings.Repeat(")", plainMaxDepth+1), false},
	} {
		if got := plainRegexp(c.expr); got != c.plain {
			t.Errorf("plainRegexp(%q) = %v; want %v", c.expr, got, c.plain)
		}
		checkPlain(t, c.expr)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	plain := 0
	for range 200000 {
		var b strings.Builder
		for range 1 + rng.IntN(10) {
			b.WriteString(regexpPieces[rng.IntN(len(regexpPieces))])
		}
		if checkPlain(t, b.String()) {
			plain++
		}
	}
	t.Logf("%d of 200000 random expressions plain, every one accepted by regexp/syntax", plain)
}

var regexpPieces = strings.Fields(`a b é 0 . ^ $ | ( ) (? (?: (?i) (?i: (?-i) (?i-) (?-) (?) ? * + *? {2} {1,3} {2,} {1000} {1001} {3,2} {0} {01} {,2} { } [ ] [^ - \ \d \w \s \W \b \B \A \z \n \. \- \] \[ \p \pL \Q \E \x41 \1 \0 \C \_ : , [a-z] [z-a] [^a] [\d-z] [a-\d] [a-] [-a] [[:alpha:]] [[:^digit:] [:word:] [:nope:] (?P<x> (?<x> (?P<y> (?<> {10} {100} {999}`)

// checkPlain fails the test when plainRegexp accepts expr and
// regexp/syntax does not, and returns plainRegexp's answer.
func checkPlain(t *testing.T, expr string) bool {
	t.Helper()
	if !plainRegexp(expr) {
		return false
	}
	if _, err := syntax.Parse(expr, syntax.Perl); err != nil {
		t.Errorf("plainRegexp(%q) is true, but regexp/syntax: %v", expr, err)
	}
	return true
}

// FuzzPlainRegexp checks that whatever plainRegexp accepts, regexp/syntax
// accepts too.
func FuzzPlainRegexp(f *testing.F) {
	for _, p := range regexpPieces {
		f.Add(p)
	}
	f.Add(`^srv-\d+\.example\.com$`)
	f.Add(`(?i)[a-z]{2,5}?(x|y)*`)
	f.Fuzz(func(t *testing.T, expr string) { checkPlain(t, expr) })
}

// TestRegexpParseLimit checks that the regexps that need regexp/syntax may
// total MaxRegexpParse bytes, each distinct text counted once: a file of
// 100,000 copies of one costly regexp parses, and a file of different
// ones is rejected at the first past the limit. Each takes about 70 µs to
// check: the 1,900 within the limit take 0.15 s, where a 16 MiB file of
// them took 50 s with no limit.
func TestRegexpParseLimit(t *testing.T) {
	const costly = `[\pL\pN\pP\pS]` // 70 µs to check
	same := "l = [" + strings.Repeat("/"+costly+"/,\n", 100000) + "/x/]\n"
	if _, err := ParseBytes("same.conf", []byte(same), nil); err != nil {
		t.Fatalf("100,000 copies of one regexp: %v", err)
	}
	var b strings.Builder
	n := 0
	for total := 0; total <= MaxRegexpParse; n++ {
		expr := costly + strconv.Itoa(n)
		total += len(expr)
		fmt.Fprintf(&b, "r%d = /%s/\n", n, expr)
	}
	_, err := ParseBytes("many.conf", []byte(b.String()), nil)
	pe, ok := errors.AsType[*ParseError](err)
	if !ok || !errors.Is(err, ErrTooLarge) || pe.Line != n {
		t.Fatalf("%d different costly regexps: got %v; want ErrTooLarge on line %d", n, err, n)
	}
	t.Logf("%d different costly regexps: rejected at line %d (%v)", n, pe.Line, pe)
}

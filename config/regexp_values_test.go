package config_test

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/release-daemon/release/config"
)

// commonRegexps are regexps as configuration files hold them, %d standing
// for a number that makes each one distinct: a counted repetition of a
// group, named groups, POSIX classes, and the simpler kinds.
var commonRegexps = []string{
	`^srv-%d\.[a-z]+(:\d{2,5})?$`,
	`^(\d{1,3}\.){3}%d$`,
	`^\/api\/v%d\/(?P<resource>[a-z]+)\/(?<id>\d+)$`,
	`^[[:alpha:]][[:alnum:]_]*-%d$`,
	`(?i)^user-%d@(?:[a-z0-9-]+\.)+[a-z]{2,}$`,
}

// regexpFile returns a file of n keys whose values are distinct regexps of
// the common kinds.
func regexpFile(n int) []byte {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "r%d = /%s/\n", i, fmt.Sprintf(commonRegexps[i%len(commonRegexps)], i))
	}
	return []byte(b.String())
}

// TestRegexpErrorPositions checks that a bad regexp among good ones of
// the same kinds is reported at its line and column, with regexp/syntax's
// own message: the quick check sends every one it does not accept to a
// full parse. (The quick check also declines a name used twice, which
// regexp/syntax allows.)
func TestRegexpErrorPositions(t *testing.T) {
	for _, bad := range []string{
		`^(\d{1,3}\.){3}{2}$`,     // a repeated repetition
		`(a{100}){11}`,            // 1100 copies
		`^[[:alphanum:]]+$`,       // no such class
		`^(?P<a-b>x)$`,            // a bad name
		`^(\d{1,3}\.{3}\d{1,3}$`,  // a group left open
		`^[[:alpha:]_-%$`,         // a class left open
		`(?<=x)y`,                 // lookbehind
		`^(?P<resource>[z-a]+)\d`, // a bad range in a named group
	} {
		good := regexpFile(7)
		text := string(good) + "\n[s]\nbad =   /" + bad + "/\n"
		_, err := config.ParseBytes("t.conf", []byte(text), nil)
		pe, ok := errors.AsType[*config.ParseError](err)
		if !ok {
			t.Errorf("%s: got %v; want a ParseError", bad, err)
			continue
		}
		_, want := syntax.Parse(bad, syntax.Perl)
		if pe.Line != 10 || pe.Column != 9 || !errors.Is(err, config.ErrSyntax) || want == nil ||
			!strings.HasSuffix(pe.Err.Error(), "invalid regexp: "+want.Error()) {
			t.Errorf("%s: got %d:%d %v; want 10:9 and %q", bad, pe.Line, pe.Column, pe.Err, want)
			continue
		}
		t.Logf("%s: at 10:9, %v", bad, pe.Err)
	}
}

package sandbox

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"
)

// maxSpecText bounds the text form [Parse] accepts.
const maxSpecText = 64 << 10

// Parse reads a spec's text form: clauses separated by ";", each one of
//
//	stdio rpath inet ...      promises, space-separated
//	allow NAME ...            extra system calls by name
//	unveil PATH RIGHTS        a path and its rights, letters of rwxc
//	PATH RIGHTS               the same, when PATH starts with / or "
//	unveil                    Landlock with nothing visible (unless other unveils)
//	action NAME               eperm (the default), eacces, enosys, kill, trap, log or learn
//	best-effort               apply what the kernel supports, report the rest
//
// for example "stdio inet unix; unveil /etc/ssl r; /var/lib/app rwc".
// A path with a space, ";", a quote or an unprintable character is a Go
// quoted string. Each promise, name, path and setting may appear once.
// The result has Allow and Unveil sorted and Veiled set when any unveil
// clause appears, so that Parse(s.String()) gives s back. Errors wrap
// [ErrSpec].
func Parse(text string) (Spec, error) {
	var s Spec
	if len(text) > maxSpecText {
		return s, fmt.Errorf("%w: %d bytes, more than %d", ErrSpec, len(text), maxSpecText)
	}
	clauses, err := tokenize(text)
	if err != nil {
		return s, err
	}
	var p parser
	for i, c := range clauses {
		if err := p.clause(&s, c); err != nil {
			return Spec{}, fmt.Errorf("%w: clause %d: %v", ErrSpec, i+1, err)
		}
	}
	slices.Sort(s.Allow)
	slices.SortFunc(s.Unveil, func(a, b Unveil) int { return strings.Compare(a.Path, b.Path) })
	return s, nil
}

// token is one word of the text form; quoted tells a quoted path.
type token struct {
	text   string
	quoted bool
}

// tokenize splits text into clauses of tokens. Blank text has no clause;
// otherwise every clause must have a token.
func tokenize(text string) ([][]token, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	var clauses [][]token
	var cur []token
	for i := 0; ; {
		for i < len(text) && isSpace(text[i]) {
			i++
		}
		if i == len(text) || text[i] == ';' {
			if len(cur) == 0 {
				return nil, fmt.Errorf("%w: empty clause %d", ErrSpec, len(clauses)+1)
			}
			clauses, cur = append(clauses, cur), nil
			if i == len(text) {
				return clauses, nil
			}
			i++
			continue
		}
		t, n, err := nextToken(text[i:])
		if err != nil {
			return nil, fmt.Errorf("%w: clause %d: %v", ErrSpec, len(clauses)+1, err)
		}
		cur, i = append(cur, t), i+n
	}
}

// nextToken reads one token at the start of s, which is not blank.
func nextToken(s string) (token, int, error) {
	if s[0] == '"' {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return token{}, 0, fmt.Errorf("bad quoted string")
		}
		u, _ := strconv.Unquote(q)
		if len(q) < len(s) && !isSpace(s[len(q)]) && s[len(q)] != ';' {
			return token{}, 0, fmt.Errorf("text right after a quoted string")
		}
		return token{u, true}, len(q), nil
	}
	n := 0
	for n < len(s) && !isSpace(s[n]) && s[n] != ';' {
		n++
	}
	return token{s[:n], false}, n, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// parser remembers which settings were seen, to refuse repeats.
type parser struct {
	action, bestEffort bool
}

// clause adds one clause to s.
func (p *parser) clause(s *Spec, c []token) error {
	head := c[0]
	switch {
	case head.quoted || strings.HasPrefix(head.text, "/"):
		return p.unveil(s, c)
	case head.text == "unveil":
		if len(c) == 1 {
			s.Veiled = true
			return nil
		}
		return p.unveil(s, c[1:])
	case head.text == "allow":
		return p.allow(s, c[1:])
	case head.text == "action":
		return p.setAction(s, c[1:])
	case head.text == "best-effort":
		if len(c) != 1 || p.bestEffort {
			return fmt.Errorf("best-effort takes no argument and appears once")
		}
		p.bestEffort, s.BestEffort = true, true
		return nil
	}
	return p.promises(s, c)
}

// promises adds a clause of promise names.
func (p *parser) promises(s *Spec, c []token) error {
	for _, t := range c {
		i := slices.Index(promiseNames[:], t.text)
		if i < 0 || t.quoted {
			return fmt.Errorf("unknown promise %q", t.text)
		}
		if s.Promises&(1<<i) != 0 {
			return fmt.Errorf("promise %s twice", t.text)
		}
		s.Promises |= 1 << i
	}
	return nil
}

// unveil adds a PATH RIGHTS pair.
func (p *parser) unveil(s *Spec, c []token) error {
	if len(c) != 2 || c[1].quoted {
		return fmt.Errorf("unveil takes a path and its rights")
	}
	if err := checkPath(c[0].text); err != nil {
		return err
	}
	r, err := parseRights(c[1].text)
	if err != nil {
		return err
	}
	for _, u := range s.Unveil {
		if u.Path == c[0].text {
			return fmt.Errorf("path %q unveiled twice", u.Path)
		}
	}
	s.Unveil, s.Veiled = append(s.Unveil, Unveil{c[0].text, r}), true
	return nil
}

// allow adds system call names.
func (p *parser) allow(s *Spec, c []token) error {
	if len(c) == 0 {
		return fmt.Errorf("allow needs a system call name")
	}
	for _, t := range c {
		if _, ok := sysnums[t.text]; !ok || t.quoted {
			return fmt.Errorf("unknown system call %q", t.text)
		}
		if slices.Contains(s.Allow, t.text) {
			return fmt.Errorf("system call %s allowed twice", t.text)
		}
		s.Allow = append(s.Allow, t.text)
	}
	return nil
}

// setAction reads the action clause.
func (p *parser) setAction(s *Spec, c []token) error {
	if len(c) != 1 || p.action || c[0].quoted {
		return fmt.Errorf("action takes one name and appears once")
	}
	p.action = true
	if e, ok := errnoNames[c[0].text]; ok {
		s.Action = Action{Kind: Errno, Errno: e}
		return nil
	}
	k, ok := kindNames[c[0].text]
	if !ok {
		return fmt.Errorf("unknown action %q", c[0].text)
	}
	s.Action = Action{Kind: k}
	return nil
}

// parseRights reads letters of rwxc, each once.
func parseRights(t string) (Rights, error) {
	var r Rights
	for i := range len(t) {
		bit := strings.IndexByte(rightLetters, t[i])
		if bit < 0 || r&(1<<bit) != 0 {
			return 0, fmt.Errorf("rights %q: want letters of %s, each once", t, rightLetters)
		}
		r |= 1 << bit
	}
	if r == 0 {
		return 0, fmt.Errorf("no rights")
	}
	return r, nil
}

// checkPath refuses a path that is relative, not clean or holds a NUL.
func checkPath(p string) error {
	if !strings.HasPrefix(p, "/") || filepath.Clean(p) != p || strings.IndexByte(p, 0) >= 0 {
		return fmt.Errorf("path %q: want an absolute, clean path", p)
	}
	return nil
}

// String returns the spec's text form, which [Parse] reads back: the
// promises, then allow, unveil, action and best-effort clauses, with
// defaults left out. The zero Spec is "".
func (s Spec) String() string {
	var parts []string
	if s.Promises != 0 {
		parts = append(parts, s.Promises.String())
	}
	if len(s.Allow) > 0 {
		parts = append(parts, "allow "+strings.Join(slices.Sorted(slices.Values(s.Allow)), " "))
	}
	us := slices.Clone(s.Unveil)
	slices.SortFunc(us, func(a, b Unveil) int { return strings.Compare(a.Path, b.Path) })
	for _, u := range us {
		parts = append(parts, "unveil "+quotePath(u.Path)+" "+u.Rights.String())
	}
	if s.Veiled && len(us) == 0 {
		parts = append(parts, "unveil")
	}
	if s.Action.Kind != Errno || s.Action.errno() != syscall.EPERM {
		parts = append(parts, "action "+s.Action.String())
	}
	if s.BestEffort {
		parts = append(parts, "best-effort")
	}
	return strings.Join(parts, "; ")
}

// quotePath quotes a path that would not read back as one bare token.
func quotePath(p string) string {
	if !utf8.ValidString(p) || strings.ContainsAny(p, " \t\r\n;\"") ||
		strings.ContainsFunc(p, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return strconv.Quote(p)
	}
	return p
}

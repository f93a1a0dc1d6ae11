package config

import "strings"

// parser reads the grammar
//
//	file    = { header | pair }
//	header  = "[" ident "]"
//	pair    = ident "=" ( literal | ident | list )
//	list    = "[" [ element { "," element } ] "]"
//	element = literal | ident
//
// into a Config. On a syntax error it reports it, drops the statement and
// resumes at the next key or header that starts a line, so that one parse
// reports every error.
type parser struct {
	lx   lexer
	sink *sink
	cfg  *Config
	tok  token
	cur  int // the section being read; -1 after a duplicate header
}

// parse parses src, which checkText has accepted, reporting errors to s.
func parse(file, src string, s *sink) *Config {
	p := &parser{sink: s, cfg: newConfig(file)}
	c := p.cfg
	c.text = src
	p.lx.init(src, s)
	// There are at most as many keys as '=', sections as '[', and list
	// elements as ',' and '[' together: the first chunks are sized for
	// that many, up to a chunk. The index of sections is sized for it once, so that it
	// need not grow (growing holds the old and the new table at once), but
	// never for more than a file of the shortest sections ("[a]", 3
	// bytes) could hold, so that a comment full of '[' cannot reserve more
	// than twice its size.
	eq, lb := strings.Count(src, "="), strings.Count(src, "[")
	c.entries.reserve(eq)
	c.sections.reserve(lb + 1)
	if n := strings.Count(src, ",") + lb; n > 0 {
		c.elemKinds.reserve(n)
		c.elemNums.reserve(n)
	}
	c.byNameHint = min(lb, len(src)/3+1)
	p.advance()
	for p.tok.kind() != tEOF && !s.full {
		p.statement()
	}
	p.closeSection()
	c.extra = p.lx.strs.String()
	return c
}

func (p *parser) advance() { p.tok = p.lx.next() }

// statement parses one header or pair.
func (p *parser) statement() {
	switch start := p.tok; start.kind() {
	case tLBracket:
		p.header()
	case tIdent:
		p.pair()
	case tBad: // already reported
		p.recover(start)
	default:
		p.errorf(start, "expected a key or a [section], found %s", p.describe(start))
		p.recover(start)
	}
}

// header parses "[" ident "]".
func (p *parser) header() {
	open := p.tok
	p.advance()
	if p.tok.kind() != tIdent {
		p.errorAt(open, p.tok, "expected a section name after '[', found %s", p.describe(p.tok))
		p.recover(open)
		return
	}
	name := p.tok
	p.advance()
	if p.tok.kind() != tRBracket {
		p.errorAt(open, p.tok, "expected ']' after [%s, found %s", shortValue(p.text(name)), p.describe(p.tok))
		p.recover(open)
		return
	}
	p.advance()
	p.openSection(name, open)
}

// pair parses ident "=" value. When the value turns out to be the next
// key, it reports the missing value and goes on with that key.
func (p *parser) pair() {
	key := p.tok
	p.advance()
	for {
		if p.tok.kind() != tEquals {
			p.errorf(p.tok, "expected '=' after key %s, found %s", short(p.text(key)), p.describe(p.tok))
			p.recover(key)
			return
		}
		eq := p.tok
		p.advance()
		v, vt, ok := p.value(key, eq)
		if !ok {
			return
		}
		if vt.kind() == tIdent && vt.line() > eq.line() && vt.first() && p.tok.kind() == tEquals {
			p.missingValue(key, eq, "word "+short(p.text(vt)), vt.line(), "is a key")
			key = vt
			continue
		}
		p.store(key, v)
		return
	}
}

// value parses the value after key's "=" and returns it with its first
// token; ok is false when there is none, the error reported.
func (p *parser) value(key, eq token) (v cval, vt token, ok bool) {
	vt = p.tok
	switch vt.kind() {
	case tValue:
		v = p.lx.val
	case tIdent:
		v = keyword(vt)
	case tBad:
		p.advance()
		return v, vt, false
	case tLBracket:
		v, ok = p.list(key, eq)
		return v, vt, ok
	case tEOF:
		p.errorf(eq, "key %s has no value", short(p.text(key)))
		return v, vt, false
	default:
		p.errorf(vt, "expected a value for key %s, found %s", short(p.text(key)), p.describe(vt))
		p.recover(key)
		return v, vt, false
	}
	p.advance()
	return v, vt, true
}

// missingValue reports that key has no value because what was found on a
// later line and read as its value is really a key or a header.
func (p *parser) missingValue(key, eq token, found string, line int, what string) {
	p.errorf(eq, "key %s has no value (%s on line %d %s)", short(p.text(key)), found, line, what)
}

// errorf reports a syntax error at t.
func (p *parser) errorf(t token, format string, args ...any) {
	p.sink.addf(t.line(), t.col(), ErrSyntax, format, args...)
}

// errorAt reports a syntax error at t, or at open, the token that began the
// construct, when t is the end of the file or on a later line.
func (p *parser) errorAt(open, t token, format string, args ...any) {
	if t.kind() == tEOF || t.line() > open.line() {
		t = open
	}
	p.errorf(t, format, args...)
}

// recover skips to the next key or header that starts a line: the current
// token if it is one (and is not stmt, where the failed statement began),
// or a later one.
func (p *parser) recover(stmt token) {
	for {
		t := p.tok
		if t.kind() == tEOF || t.first() && (t.kind() == tIdent || t.kind() == tLBracket) && t.off != stmt.off {
			return
		}
		p.advance()
	}
}

// keyword returns the keyword value of the word t.
func keyword(t token) cval { return spanVal(KindKeyword, t.span()) }

// text returns t's source text.
func (p *parser) text(t token) string { return p.lx.src[t.off:t.end] }

// describe names t for a message.
func (p *parser) describe(t token) string {
	switch t.kind() {
	case tEOF:
		return "end of file"
	case tIdent:
		return "word " + short(p.text(t))
	case tValue:
		return t.lit().String() + " " + shortValue(p.text(t))
	case tIllegal:
		return "unexpected text " + short(p.text(t))
	}
	return "'" + p.text(t) + "'"
}

// shortValue cuts a literal's source text to 40 bytes for a message.
func shortValue(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// keyName returns "section.key" for key in the current section.
func (p *parser) keyName(key string) string {
	if p.cur < 0 {
		return key
	}
	return qualified(p.cfg.sectionName(int32(p.cur)), key)
}

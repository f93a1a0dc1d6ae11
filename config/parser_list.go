package config

// list parses a list after key's "=". A list that looks like the next
// section's header (a single word in brackets alone on a later line) is
// reported as a missing value and opens that section.
func (p *parser) list(key, eq token) (cval, bool) {
	open, start := p.tok, len(p.elems)
	p.advance()
	last, bad, ok := p.elements(key, open)
	if !ok {
		return cval{}, false
	}
	n := len(p.elems) - start
	if n == 1 && last.kind() == tIdent && open.first() && open.line() > eq.line() && (p.tok.first() || p.tok.kind() == tEOF) {
		p.missingValue(key, eq, "["+shortValue(p.text(last))+"]", open.line(), "is a section header")
		p.openSection(last, open)
		return cval{}, false
	}
	if bad || n == 0 {
		return mkval(KindList, 0, span{}), !bad
	}
	return mkval(KindList, uint64(start)<<32|uint64(n), span{}), true
}

// elements parses a list's elements, appending them to p.elems, and its
// ']'. It returns the last element's token, whether an element was bad
// (already reported), and false after a syntax error, reported.
func (p *parser) elements(key, open token) (last token, bad, ok bool) {
	if p.tok.kind() == tRBracket {
		p.advance()
		return last, false, true
	}
	for {
		last = p.tok
		if b, ok := p.element(key, open); !ok {
			return last, bad, false
		} else if b {
			bad = true
		}
		switch p.tok.kind() {
		case tComma:
			p.advance()
		case tRBracket:
			p.advance()
			return last, bad, true
		case tEOF:
			p.errorf(open, "unterminated list: no ']'")
			return last, bad, false
		default:
			p.listError(key, open)
			return last, bad, false
		}
	}
}

// element parses one element of the list opened by open; bad says it was
// a literal whose error is already reported.
func (p *parser) element(key, open token) (bad, ok bool) {
	if len(p.elems) == cap(p.elems) {
		p.elems = grow(p.elems)
	}
	switch t := p.tok; t.kind() {
	case tValue:
		p.elems = append(p.elems, p.lx.val)
	case tIdent:
		p.elems = append(p.elems, keyword(t))
	case tBad:
		bad = true
	case tEOF:
		p.errorf(open, "unterminated list: no ']'")
		return false, false
	case tLBracket:
		p.errorf(t, "lists cannot be nested")
		p.recover(key)
		return false, false
	default:
		p.errorf(t, "expected a value in the list, found %s", p.describe(t))
		p.recover(key)
		return false, false
	}
	p.advance()
	return bad, true
}

// listError reports a list element followed by neither ',' nor ']'. When
// what follows starts a line and looks like the next statement, the list
// is reported, at its '[', as having no ']'.
func (p *parser) listError(key, open token) {
	t := p.tok
	if t.first() && (t.kind() == tIdent || t.kind() == tLBracket) {
		p.errorf(open, "unterminated list: no ']' before %s on line %d", p.describe(t), t.line())
	} else {
		p.errorf(t, "expected ',' or ']' in the list opened on line %d, found %s", open.line(), p.describe(t))
	}
	p.recover(key)
}

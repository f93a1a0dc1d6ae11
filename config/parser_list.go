package config

// list parses a list after key's "=". A list that looks like the next
// section's header (a single word in brackets alone on a later line) is
// reported as a missing value and opens that section.
func (p *parser) list(key, eq token) (cval, bool) {
	c := p.cfg
	open, start := p.tok, c.elemKinds.len()
	p.advance()
	last, bad, ok := p.elements(key, open)
	n := c.elemKinds.len() - start
	if !ok || bad || n == 0 {
		c.truncateElems(start)
	}
	if !ok {
		return cval{}, false
	}
	if n == 1 && last.kind() == tIdent && open.first() && open.line() > eq.line() && (p.tok.first() || p.tok.kind() == tEOF) {
		c.truncateElems(start)
		p.missingValue(key, eq, "["+shortValue(p.text(last))+"]", open.line(), "is a section header")
		p.openSection(last, open)
		return cval{}, false
	}
	if bad || n == 0 {
		return numVal(KindList, 0), !bad
	}
	return numVal(KindList, uint64(start)<<32|uint64(n)), true
}

// elements parses a list's elements, appending them to the Config's, and
// its ']'. It returns the last element's token, whether an element was bad
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
	switch t := p.tok; t.kind() {
	case tValue:
		p.cfg.pushElem(p.lx.val)
	case tIdent:
		p.cfg.pushElem(keyword(t))
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

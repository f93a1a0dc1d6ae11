package config

import "fmt"

// store adds key = v to the current section, unless the key is already
// there or the section is a duplicate whose keys are dropped.
func (p *parser) store(key token, v cval) {
	if p.cur < 0 {
		return
	}
	c := p.cfg
	name := p.text(key)
	if i := c.find(p.cur, name); i >= 0 {
		line, _ := c.keyPosition(c.entries.at(i))
		p.sink.add(key.line(), key.col(), p.keyName(name), fmt.Errorf("%w key (first on line %d)", ErrDuplicate, line))
		return
	}
	c.addKey(p.cur, entry{num: v.num, key: int32(key.off), klen: uint16(min(len(name), maxKlen)), kind: v.kind}, false)
}

// openSection starts the named section, or reports a duplicate and drops
// the keys that follow it.
func (p *parser) openSection(name token, open token) {
	c := p.cfg
	p.closeSection()
	if i := c.sectionIndex(p.text(name)); i >= 0 {
		line, _ := c.headerPosition(i)
		p.sink.add(open.line(), open.col(), p.text(name), fmt.Errorf("%w section (first on line %d)", ErrDuplicate, line))
		p.cur = -1
		return
	}
	p.cur = c.addSection(name.span(), int32(open.off))
	c.sections.at(p.cur).first = int32(c.entries.len())
}

// closeSection ends the section being read, if there is one.
func (p *parser) closeSection() {
	if p.cur >= 0 {
		p.cfg.fitIndex(p.cur)
	}
}

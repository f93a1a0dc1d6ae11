package config

import "fmt"

// store adds key = v to the current section, unless the key is already
// there or the section is a duplicate whose keys are dropped.
func (p *parser) store(key, vt token, v cval) {
	if p.cur < 0 {
		return
	}
	c := p.cfg
	s := &c.sections[p.cur]
	name := p.text(key)
	if i := c.find(s, name); i >= 0 {
		p.sink.add(key.line(), key.col(), p.keyName(name),
			fmt.Errorf("%w key (first on line %d)", ErrDuplicate, c.entries[i].keyLine))
		return
	}
	if len(c.entries) == cap(c.entries) {
		c.entries = grow(c.entries)
	}
	c.entries = c.entries[:len(c.entries)+1] // fill the slot in place: no copy
	e := &c.entries[len(c.entries)-1]
	e.key, e.val = key.span(), v
	e.keyLine, e.keyCol = int32(key.line()), int32(key.col())
	e.valLine, e.valCol = int32(vt.line()), int32(vt.col())
	s.n++
	c.indexKey(s, len(c.entries)-1)
}

// openSection starts the named section, or reports a duplicate and drops
// the keys that follow it.
func (p *parser) openSection(name token, open token) {
	c := p.cfg
	if i := c.sectionIndex(p.text(name)); i >= 0 {
		p.sink.add(open.line(), open.col(), p.text(name),
			fmt.Errorf("%w section (first on line %d)", ErrDuplicate, c.sections[i].line))
		p.cur = -1
		return
	}
	p.cur = c.addSection(name.span(), int32(open.line()), int32(open.col()))
	c.sections[p.cur].first = int32(len(c.entries))
}

package config

// The keys of a section are its file keys, entries[first:][:n], then its
// defaults, keyRanges' second range. A section of fewer than indexMin keys
// is searched in order, which is faster and allocates nothing; a bigger
// one has an index of its own, small enough to stay in the cache while
// the parse fills it: one index for every key of the file sent each
// lookup to a random place in a table of 5 bytes a key, a cache miss
// that made 4 million keys take three times as long.

// indexMin is the number of keys from which a section has an index.
const indexMin = 16

// keyRange is a run of positions in entries.
type keyRange struct{ first, n int32 }

// keyRanges returns the positions of section si's file keys and of its
// defaults.
func (c *Config) keyRanges(si int) [2]keyRange {
	s := c.sections.at(si)
	return [2]keyRange{{s.first, s.n}, c.defaultsOf(si)}
}

// defaultsOf returns the positions of section si's defaults.
func (c *Config) defaultsOf(si int) keyRange {
	if si < len(c.defaults) {
		return c.defaults[si]
	}
	return keyRange{}
}

// keyCount returns the number of keys of section si.
func (c *Config) keyCount(si int) int {
	return int(c.sections.at(si).n + c.defaultsOf(si).n)
}

// keyText returns the text of e's key.
func (c *Config) keyText(e *entry) string {
	switch {
	case e.key < 0:
		return c.names[^e.key]
	case e.klen < maxKlen:
		return c.text[e.key:][:e.klen]
	}
	return c.text[e.key:wordEnd(c.text, int(e.key)+1)]
}

// keyIs reports whether e's key is name.
func (c *Config) keyIs(e *entry, name string) bool {
	switch k := int(e.key); {
	case k < 0:
		return c.names[^k] == name
	case e.klen < maxKlen:
		return int(e.klen) == len(name) && c.text[k:][:e.klen] == name
	default: // a key of maxKlen bytes or more: name, if it holds no delimiter and one follows it
		end := k + len(name)
		return len(name) >= maxKlen && end <= len(c.text) && (end == len(c.text) || delim[c.text[end]]) &&
			c.text[k:end] == name && !hasDelim(name)
	}
}

// hasDelim reports whether s holds a byte that ends a word.
func hasDelim(s string) bool {
	for i := range len(s) {
		if delim[s[i]] {
			return true
		}
	}
	return false
}

// find returns the position in entries of key in section si, or -1.
func (c *Config) find(si int, key string) int {
	if s := c.sections.at(si); s.index > 0 {
		x := c.keyIndex.at(int(s.index - 1))
		match := func(p int32) bool { return c.keyIs(c.entries.at(int(p)), key) }
		if p := x.find(c.hash(key), match); p >= 0 || !x.overflow {
			return int(p)
		}
	}
	return c.search(si, key)
}

// search returns the position of key among the keys of section si, from
// the file or a default, looking at each in turn, or -1.
func (c *Config) search(si int, key string) int {
	s := c.sections.at(si)
	for p := s.first; p < s.first+s.n; p++ {
		if c.keyIs(c.entries.at(int(p)), key) {
			return int(p)
		}
	}
	d := c.defaultsOf(si)
	for p := d.first; p < d.first+d.n; p++ {
		if c.keyIs(c.entries.at(int(p)), key) {
			return int(p)
		}
	}
	return -1
}

// addKey appends e to the entries as a key of section si: a file key,
// unless isDefault. The caller has arranged that it goes at the end of
// the section's file keys or of its defaults.
func (c *Config) addKey(si int, e entry, isDefault bool) int {
	pos := c.entries.push(e)
	if isDefault {
		c.defaults[si].n++
	} else {
		c.sections.at(si).n++
	}
	c.indexKey(si, pos)
	return pos
}

// indexKey records in section si's index, if it has or now needs one,
// its key at position pos, just added.
func (c *Config) indexKey(si, pos int) {
	k := c.keyCount(si)
	if k < indexMin {
		return
	}
	s := c.sections.at(si)
	if s.index == 0 {
		s.index = int32(c.keyIndex.push(index{}) + 1)
	}
	x := c.keyIndex.at(int(s.index - 1))
	if x.roomFor(k) {
		x.put(c.hash(c.keyName(int32(pos))), pos)
		return
	}
	c.reindex(si, x.grown(k))
}

// fitIndex shrinks section si's index, if it has one, to the size for
// its keys, at the end of the section: an index that grew is 3/8 full to
// 3/4, and this makes it 3/4 full. That saves up to half of it, which for
// sections of a few dozen one-letter keys was a sixth of the parse's
// memory. Big indexes are left as they are: their keys have longer names,
// and the copy would hold both at once.
func (c *Config) fitIndex(si int) {
	s := c.sections.at(si)
	if s.index == 0 {
		return
	}
	size := sizeFor(c.keyCount(si))
	if x := c.keyIndex.at(int(s.index - 1)); size < len(x.slots) && len(x.slots) <= fitMax {
		c.reindex(si, size)
	}
}

// fitMax is the size of the biggest index that fitIndex shrinks.
const fitMax = 1 << 16

// reindex rebuilds section si's index with size slots.
func (c *Config) reindex(si, size int) {
	x := c.keyIndex.at(int(c.sections.at(si).index - 1))
	x.reset(size)
	for _, r := range c.keyRanges(si) {
		for p := r.first; p < r.first+r.n; p++ {
			x.put(c.hash(c.keyName(p)), int(p))
		}
	}
}

// addDefault appends e to the defaults of section si and returns its
// position. A section's defaults stay together at the end of entries.
func (c *Config) addDefault(si int, e entry) int {
	for len(c.defaults) <= si {
		c.defaults = append(c.defaults, keyRange{})
	}
	d := &c.defaults[si]
	if d.n > 0 && int(d.first+d.n) != c.entries.len() { // move them to the end
		first := int32(c.entries.len())
		for p := d.first; p < d.first+d.n; p++ {
			c.entries.push(*c.entries.at(int(p)))
		}
		d.first = first
		if s := c.sections.at(si); s.index > 0 {
			c.reindex(si, len(c.keyIndex.at(int(s.index-1)).slots))
		}
	}
	if d.n == 0 {
		d.first = int32(c.entries.len())
	}
	return c.addKey(si, e, true)
}

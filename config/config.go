package config

import (
	"hash/maphash"
	"slices"
)

// Config is a parsed configuration: sections of keys, each with a [Value]
// and the line it came from. The global section, whose keys come before the
// first [name], is named "". A Config is never changed after Parse returns
// it, so any number of goroutines may read it at once. Its strings share
// memory with the input text, which it keeps alive.
type Config struct {
	file     string
	text     string    // the input
	extra    string    // the decoded strings and regexps that are not slices of text
	names    []string  // section and key names that a spec added
	sections []section // [0] is the global section
	byName   index     // the named sections
	entries  []entry   // every key from the file, section by section; then the defaults
	keyIndex []index   // of the sections of indexMin keys or more
	elems    []cval    // the elements of lists
	exts     []ext     // one per regexp read
	lists    *ext      // shared by every list read: {cfg: c}
	boxed    []Value   // defaults
	seed     maphash.Seed
}

// section is one section: its keys from the file, then the defaults the
// spec added. It holds no pointers.
type section struct {
	name       span
	line, col  int32 // of the header's '['; 0 for the global section and spec-made sections
	first, n   int32 // the file's keys: entries[first:][:n]
	dfirst, dn int32 // the defaults: entries[dfirst:][:dn]
	index      int32 // keyIndex[index-1], or 0 for none: search in order
}

// entry is one key and its value. Lines are 0 for a default.
type entry struct {
	key             span
	val             cval
	keyLine, keyCol int32
	valLine, valCol int32
}

// indexMin is the number of keys from which a section gets an index;
// smaller ones are searched in order, which is faster and allocates nothing.
const indexMin = 16

func newConfig(file string) *Config {
	c := &Config{file: file, sections: []section{{}}, seed: maphash.MakeSeed()}
	c.lists = &ext{cfg: c}
	return c
}

func (c *Config) sectionName(i int32) string { return c.str(c.sections[i].name) }
func (c *Config) keyName(i int32) string     { return c.str(c.entries[i].key) }

// sectionIndex returns the index of the named section, or -1.
func (c *Config) sectionIndex(name string) int {
	if name == "" {
		return 0
	}
	return int(c.byName.find(c.seed, name, c.sectionName))
}

// section returns the named section, or nil.
func (c *Config) section(name string) *section {
	if i := c.sectionIndex(name); i >= 0 {
		return &c.sections[i]
	}
	return nil
}

// addSection adds a section named by the span name and returns its index.
func (c *Config) addSection(name span, line, col int32) int {
	if len(c.sections) == cap(c.sections) {
		c.sections = grow(c.sections)
	}
	c.sections = append(c.sections, section{name: name, line: line, col: col})
	i := int32(len(c.sections) - 1)
	c.byName.add(c.seed, c.str(name), i, c.sectionName)
	return int(i)
}

// keys returns s's keys from the file and its defaults.
func (c *Config) keys(s *section) (file, defaults []entry) {
	return c.entries[s.first:][:s.n], c.entries[s.dfirst:][:s.dn]
}

// find returns the position in entries of key in s, or -1.
func (c *Config) find(s *section, key string) int {
	if s.index > 0 {
		return int(c.keyIndex[s.index-1].find(c.seed, key, c.keyName))
	}
	if i := c.search(s.first, s.n, key); i >= 0 {
		return i
	}
	return c.search(s.dfirst, s.dn, key)
}

// search returns the position of key among entries[first:][:n], or -1. It
// compares lengths before text: most keys of a section differ in length.
func (c *Config) search(first, n int32, key string) int {
	for i := first; i < first+n; i++ {
		if k := c.entries[i].key; (k.n == int32(len(key)) || k.n < 0) && c.str(k) == key {
			return int(i)
		}
	}
	return -1
}

// indexKey records that s's key at position pos in entries is there,
// making s an index when it reaches indexMin keys.
func (c *Config) indexKey(s *section, pos int) {
	if s.index > 0 {
		x := &c.keyIndex[s.index-1]
		x.add(c.seed, c.keyName(int32(pos)), int32(pos), c.keyName)
		return
	}
	if s.n+s.dn < indexMin {
		return
	}
	c.keyIndex = append(c.keyIndex, index{})
	s.index = int32(len(c.keyIndex))
	x := &c.keyIndex[s.index-1]
	file, defaults := c.keys(s)
	for i := range file {
		x.add(c.seed, c.keyName(s.first+int32(i)), s.first+int32(i), c.keyName)
	}
	for i := range defaults {
		x.add(c.seed, c.keyName(s.dfirst+int32(i)), s.dfirst+int32(i), c.keyName)
	}
}

// addDefault appends e to the defaults of section si and returns its
// position. A section's defaults stay together at the end of entries.
func (c *Config) addDefault(si int, e entry) int {
	s := &c.sections[si]
	if s.dn > 0 && int(s.dfirst+s.dn) != len(c.entries) { // moved to the end
		moved := slices.Clone(c.entries[s.dfirst:][:s.dn])
		c.entries = append(c.entries, moved...)
		s.dfirst = int32(len(c.entries) - len(moved))
		if s.index > 0 {
			c.keyIndex[s.index-1] = index{}
			s.index = 0
		}
	}
	if s.dn == 0 {
		s.dfirst = int32(len(c.entries))
	}
	if len(c.entries) == cap(c.entries) {
		c.entries = grow(c.entries)
	}
	c.entries = append(c.entries, e)
	s.dn++
	pos := len(c.entries) - 1
	c.indexKey(s, pos)
	return pos
}

// entry returns the entry of key in section, or nil.
func (c *Config) entry(section, key string) *entry {
	s := c.section(section)
	if s == nil {
		return nil
	}
	if i := c.find(s, key); i >= 0 {
		return &c.entries[i]
	}
	return nil
}

// Get returns the value of key in section ("" for the global section), and
// whether it is there.
func (c *Config) Get(section, key string) (Value, bool) {
	if e := c.entry(section, key); e != nil {
		return c.value(e.val), true
	}
	return Value{}, false
}

// Global returns the value of a key in the global section, and whether it is
// there. It is Get("", key).
func (c *Config) Global(key string) (Value, bool) { return c.Get("", key) }

// Line returns the line of key's value in section, or 0 when the key is
// absent or its value is a default.
func (c *Config) Line(section, key string) int {
	if e := c.entry(section, key); e != nil {
		return int(e.valLine)
	}
	return 0
}

// Sections returns the names of the named sections, in the order of the
// file, then those only the spec has. The global section "" is not listed:
// it is always there.
func (c *Config) Sections() []string {
	names := make([]string, 0, len(c.sections)-1)
	for i := range c.sections[1:] {
		names = append(names, c.sectionName(int32(i+1)))
	}
	return names
}

// Keys returns the keys of section ("" for the global section) in the order
// of the file, then the keys whose defaults the spec filled in; nil when
// there is no such section.
func (c *Config) Keys(section string) []string {
	s := c.section(section)
	if s == nil {
		return nil
	}
	file, defaults := c.keys(s)
	keys := make([]string, 0, len(file)+len(defaults))
	for _, e := range file {
		keys = append(keys, c.str(e.key))
	}
	for _, e := range defaults {
		keys = append(keys, c.str(e.key))
	}
	return keys
}

// File returns the name the Config was parsed from: Parse's path, or the
// name given to ParseBytes or ParseReader.
func (c *Config) File() string { return c.file }

// qualified returns "section.key", or key in the global section.
func qualified(section, key string) string {
	if section == "" {
		return key
	}
	return section + "." + key
}

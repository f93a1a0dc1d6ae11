package config

import (
	"hash/maphash"
	"regexp"
	"sync"
)

// Config is a parsed configuration: sections of keys, each with a [Value]
// and the line it came from. The global section, whose keys come before the
// first [name], is named "". A Config is never changed after Parse returns
// it, so any number of goroutines may read it at once. Its strings share
// memory with the input text, which it keeps alive.
type Config struct {
	file       string
	text       string           // the input
	extra      string           // the decoded strings and regexps that are not slices of text
	names      []string         // section and key names that a spec added
	sections   chunked[section] // [0] is the global section
	byName     index            // the named sections
	entries    chunked[entry]   // every key from the file, section by section; then the defaults
	keyIndex   chunked[index]   // of the sections of indexMin keys or more
	defaults   []keyRange       // the defaults of section i, when a spec added some
	elemKinds  chunked[Kind]    // the elements of lists: their kinds
	elemNums   chunked[uint64]  // and their values, as in a cval
	lists      *ext             // shared by every list and regexp read: {cfg: c}
	boxed      []Value          // defaults
	seed       maphash.Seed
	byNameHint int // the most sections the text can hold: see parse

	linesOnce sync.Once
	lines     []int32 // see position

	reMu     sync.RWMutex
	compiled map[uint64]*regexp.Regexp // see regexp
}

// section is one section: its keys from the file (the defaults the spec
// added are in Config.defaults). It holds no pointers.
type section struct {
	name     span
	open     int32 // offset of the header's '['; -1 for the global section and spec-made sections
	first, n int32 // the file's keys: entries[first:][:n]
	index    int32 // keyIndex[index-1], or 0 for none: search in order
}

// entry is one key and its value, a cval laid out flat so that it takes 16
// bytes. The lines of the key and its value are found from the key's
// offset (see position).
type entry struct {
	num  uint64 // the value's cval.num
	key  int32  // offset of the key in the text; ^i for names[i], the key of a default
	klen uint16 // the length of a key in the text, or maxKlen for that or more
	kind Kind   // the value's kind
}

// maxKlen is the entry.klen of keys of that length or more: a key can be
// as long as a line.
const maxKlen = 1<<16 - 1

func (e *entry) val() cval { return cval{num: e.num, kind: e.kind} }

func newConfig(file string) *Config {
	c := &Config{file: file, seed: maphash.MakeSeed()}
	c.sections.push(section{open: -1})
	c.lists = &ext{cfg: c}
	return c
}

func (c *Config) sectionName(i int32) string { return c.str(c.sections.at(int(i)).name) }
func (c *Config) keyName(pos int32) string   { return c.keyText(c.entries.at(int(pos))) }

// sectionIndex returns the index of the named section, or -1.
func (c *Config) sectionIndex(name string) int {
	if name == "" {
		return 0
	}
	match := func(p int32) bool { return c.sectionName(p) == name }
	if i := c.byName.find(c.hash(name), match); i >= 0 || !c.byName.overflow {
		return int(i)
	}
	for i := 1; i < c.sections.len(); i++ {
		if match(int32(i)) {
			return i
		}
	}
	return -1
}

// addSection adds a section named by the span name, whose header's '[' is
// at offset open (-1 for none), and returns its index.
func (c *Config) addSection(name span, open int32) int {
	i := c.sections.push(section{name: name, open: open})
	if c.byName.roomFor(i) {
		c.byName.put(c.hash(c.str(name)), i)
		return i
	}
	c.byName.reset(c.byName.grown(max(i, c.byNameHint)))
	for j := 1; j <= i; j++ {
		c.byName.put(c.hash(c.sectionName(int32(j))), j)
	}
	return i
}

// hash returns the hash of a name, for the indexes.
func (c *Config) hash(name string) uint64 { return maphash.String(c.seed, name) }

// lookup returns the entry of key in section, or nil.
func (c *Config) lookup(section, key string) *entry {
	si := c.sectionIndex(section)
	if si < 0 {
		return nil
	}
	if i := c.find(si, key); i >= 0 {
		return c.entries.at(i)
	}
	return nil
}

// keyPosition returns the line and column of e's key, or 0, 0 for a
// default.
func (c *Config) keyPosition(e *entry) (line, col int) {
	if e.key < 0 {
		return 0, 0
	}
	return c.position(int(e.key))
}

// valuePosition returns the line and column of e's value, or 0, 0 for a
// default.
func (c *Config) valuePosition(e *entry) (line, col int) {
	if e.key < 0 {
		return 0, 0
	}
	return c.position(c.valueOffset(int(e.key)))
}

// headerPosition returns the line and column of the '[' of section si's
// header, or 0, 0 for a section that has none.
func (c *Config) headerPosition(si int) (line, col int) {
	if open := c.sections.at(si).open; open >= 0 {
		return c.position(int(open))
	}
	return 0, 0
}

// Get returns the value of key in section ("" for the global section), and
// whether it is there.
func (c *Config) Get(section, key string) (Value, bool) {
	if e := c.lookup(section, key); e != nil {
		return c.value(e.val()), true
	}
	return Value{}, false
}

// Global returns the value of a key in the global section, and whether it is
// there. It is Get("", key).
func (c *Config) Global(key string) (Value, bool) { return c.Get("", key) }

// Line returns the line of key's value in section, or 0 when the key is
// absent or its value is a default.
func (c *Config) Line(section, key string) int {
	if e := c.lookup(section, key); e != nil {
		line, _ := c.valuePosition(e)
		return line
	}
	return 0
}

// Sections returns the names of the named sections, in the order of the
// file, then those only the spec has. The global section "" is not listed:
// it is always there.
func (c *Config) Sections() []string {
	names := make([]string, 0, c.sections.len()-1)
	for i := 1; i < c.sections.len(); i++ {
		names = append(names, c.sectionName(int32(i)))
	}
	return names
}

// Keys returns the keys of section ("" for the global section) in the order
// of the file, then the keys whose defaults the spec filled in; nil when
// there is no such section.
func (c *Config) Keys(section string) []string {
	si := c.sectionIndex(section)
	if si < 0 {
		return nil
	}
	keys := make([]string, 0, c.keyCount(si))
	for _, r := range c.keyRanges(si) {
		for p := r.first; p < r.first+r.n; p++ {
			keys = append(keys, c.keyName(p))
		}
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

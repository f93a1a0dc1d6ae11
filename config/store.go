package config

// How a Config stores its keys and values: without pointers, so that the
// garbage collector never scans them, and in as few bytes as it can, so
// that a file of millions of short keys or list elements fits in a few
// times its size. Storing a Value per key (its string pointing into the
// input, its ext) gave 10,000 keys 50,000 pointers to mark, which was 40%
// of the time to parse them. Keys and the text of values are offsets in
// the Config's text; a list element is 9 bytes (its kind and 8 bytes of
// value), a key 16 (the same, and the key's offset and length). Values
// are made when they are asked for, which allocates nothing except in
// List.

// span is a piece of text: text[off:off+n] when off >= 0, extra[^off:][:n]
// when off < 0; when n < 0, the string names[off] (for the names of keys
// and sections that a spec added).
type span struct{ off, n int32 }

// pack returns s as a cval's num.
func (s span) pack() uint64 { return uint64(uint32(s.off))<<32 | uint64(uint32(s.n)) }

// unpack returns the span that pack made num of.
func unpack(num uint64) span { return span{off: int32(num >> 32), n: int32(uint32(num))} }

// cval is a stored value: its kind and 8 bytes that say what it is. Its two
// fields keep it in registers when it is passed around (see token).
type cval struct {
	num  uint64 // int, float, bool bits; string, keyword, regexp: the packed span of the text; KindList: first<<32 | count in the elements; kindBoxed: index in boxed
	kind Kind
}

func numVal(k Kind, num uint64) cval { return cval{num: num, kind: k} }
func spanVal(k Kind, s span) cval    { return cval{num: s.pack(), kind: k} }

// kindBoxed marks a cval that is a Value held as it is, in boxed: a
// default, or a value built by a program.
const kindBoxed Kind = 255

// str returns the text of s.
func (c *Config) str(s span) string {
	switch {
	case s.n < 0:
		return c.names[s.off]
	case s.off < 0:
		return c.extra[^s.off:][:s.n]
	}
	return c.text[s.off:][:s.n]
}

// value makes the Value of v.
func (c *Config) value(v cval) Value {
	switch v.kind {
	case kindBoxed:
		return c.boxed[v.num]
	case KindString, KindKeyword:
		return Value{kind: v.kind, str: c.str(unpack(v.num))}
	case KindRegexp:
		return Value{kind: KindRegexp, num: v.num, str: c.str(unpack(v.num)), ext: c.lists}
	case KindList:
		if v.num == 0 {
			return Value{kind: KindList}
		}
		return Value{kind: KindList, num: v.num, ext: c.lists}
	}
	return Value{kind: v.kind, num: v.num}
}

// box stores v as it is and returns its cval.
func (c *Config) box(v Value) cval {
	c.boxed = append(c.boxed, v)
	return numVal(kindBoxed, uint64(len(c.boxed)-1))
}

// name stores a name that is not in the text and returns its span.
func (c *Config) name(s string) span {
	c.names = append(c.names, s)
	return span{off: int32(len(c.names) - 1), n: -1}
}

// pushElem appends v to the elements of lists.
func (c *Config) pushElem(v cval) {
	c.elemKinds.push(v.kind)
	c.elemNums.push(v.num)
}

// truncateElems drops the list elements from n on.
func (c *Config) truncateElems(n int) {
	c.elemKinds.truncate(n)
	c.elemNums.truncate(n)
}

// elem returns element i of the stored list whose cval.num is num.
func (c *Config) elem(num uint64, i int) Value {
	j := int(num>>32) + i
	return c.value(cval{num: *c.elemNums.at(j), kind: *c.elemKinds.at(j)})
}

// elemKind returns the kind of element i of the stored list whose
// cval.num is num.
func (c *Config) elemKind(num uint64, i int) Kind {
	return *c.elemKinds.at(int(num>>32) + i)
}

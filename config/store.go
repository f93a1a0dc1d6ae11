package config

// How a Config stores its keys and values: without pointers, so that the
// garbage collector never scans them. Storing a Value per key (its string
// pointing into the input, its ext) gave 10,000 keys 50,000 pointers to
// mark, which was 40% of the time to parse them. A key and a value's text
// are spans of the Config's text; Values are made when they are asked for,
// which allocates nothing except in List.

// span is a piece of text: text[off:off+n] when off >= 0, extra[^off:][:n]
// when off < 0; when n < 0, the string names[off] (for the names of keys
// and sections that a spec added).
type span struct{ off, n int32 }

// cval is a stored value. Its three fields keep it in registers when it is
// passed around (see token).
type cval struct {
	num  uint64 // int, float, bool bits; KindList: first<<32 | count in elems; kindBoxed: index in boxed
	str  span   // string, keyword, regexp source
	bits uint32 // kind | ext<<8, ext a regexp's index in exts
}

func mkval(k Kind, num uint64, str span) cval { return cval{num: num, str: str, bits: uint32(k)} }

func (v cval) kind() Kind { return Kind(v.bits) }
func (v cval) ext() int   { return int(v.bits >> 8) }

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
	switch v.kind() {
	case kindBoxed:
		return c.boxed[v.num]
	case KindRegexp:
		return Value{kind: KindRegexp, str: c.str(v.str), ext: &c.exts[v.ext()]}
	case KindList:
		if v.num == 0 {
			return Value{kind: KindList}
		}
		return Value{kind: KindList, num: v.num, ext: c.lists}
	}
	return Value{kind: v.kind(), num: v.num, str: c.str(v.str)}
}

// box stores v as it is and returns its cval.
func (c *Config) box(v Value) cval {
	c.boxed = append(c.boxed, v)
	return mkval(kindBoxed, uint64(len(c.boxed)-1), span{})
}

// name stores a key name that is not in the text and returns its span.
func (c *Config) name(s string) span {
	c.names = append(c.names, s)
	return span{off: int32(len(c.names) - 1), n: -1}
}

// elem returns element i of the stored list whose cval.num is num.
func (c *Config) elem(num uint64, i int) Value {
	return c.value(c.elems[int(num>>32)+i])
}

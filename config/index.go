package config

// index maps hashed names to positions (of sections, or of keys): an open
// addressing hash table with linear probing of uint32 slots, each 0 for
// empty or the position+1 in its low 24 bits and 8 bits of the name's hash
// above them, so that a probe looks at the name only when those bits
// match. It holds no pointers and costs 4 bytes a slot, at most 3/4 full:
// 5.3 bytes a name, 10.7 just after it grew, where a map[string]int32 cost
// about 40 and had to be scanned by the garbage collector. It is sized once from a bound the
// parser counts, so that it seldom grows: growing holds the old and the
// new table at once. The names live elsewhere: find is given a func that
// compares one.
type index struct {
	slots    []uint32
	n        int32
	overflow bool // a position did not fit in posBits: search without the index
}

const (
	posBits = 24
	posMask = 1<<posBits - 1
	maxPos  = posMask - 1
)

// find returns the position whose name match accepts, looking only at
// positions added with the hash h, or -1.
func (x *index) find(h uint64, match func(int32) bool) int32 {
	if len(x.slots) == 0 {
		return -1
	}
	tag := uint32(h >> 56)
	for i := x.home(h); ; i = x.next(i) {
		s := x.slots[i]
		if s == 0 {
			return -1
		}
		if s>>posBits == tag && match(int32(s&posMask)-1) {
			return int32(s&posMask) - 1
		}
	}
}

// home returns the first slot to probe for h: its low 32 bits scaled to
// the table, which need not be a power of two.
func (x *index) home(h uint64) int { return int(uint64(uint32(h)) * uint64(len(x.slots)) >> 32) }

func (x *index) next(i int) int {
	if i++; i == len(x.slots) {
		return 0
	}
	return i
}

// roomFor reports whether the table can hold n names.
func (x *index) roomFor(n int) bool { return 4*n <= 3*len(x.slots) }

// reset empties the table and gives it size slots.
func (x *index) reset(size int) {
	x.slots, x.n, x.overflow = make([]uint32, size), 0, false
}

// grown returns the size of table for n names, at least twice as many
// as x holds: the size to grow to.
func (x *index) grown(n int) int { return sizeFor(max(n, 2*int(x.n))) }

// sizeFor returns the size of a table for n names, 3/4 full.
func sizeFor(n int) int { return max(n, 12)*4/3 + 1 }

// put adds pos with hash h. The table must have room (see needs).
func (x *index) put(h uint64, pos int) {
	if pos > maxPos {
		x.overflow = true
		return
	}
	i := x.home(h)
	for x.slots[i] != 0 {
		i = x.next(i)
	}
	x.slots[i] = uint32(h>>56)<<posBits | uint32(pos+1)
	x.n++
}

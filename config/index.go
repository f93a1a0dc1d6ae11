package config

import "hash/maphash"

// index maps names to positions (of sections, or of keys in a big
// section): a hash table of int32 slots, 0 for empty and position+1
// otherwise, with linear probing. It holds no pointers and costs 8 bytes a
// name, where a map[string]int32 cost about 40 and had to be scanned by
// the garbage collector. The names live elsewhere; name returns the one at
// a position.
type index struct {
	slots []int32
	n     int
}

// find returns the position of s, or -1.
func (x *index) find(seed maphash.Seed, s string, name func(int32) string) int32 {
	if len(x.slots) == 0 {
		return -1
	}
	mask := uint64(len(x.slots) - 1)
	for i := maphash.String(seed, s) & mask; ; i = (i + 1) & mask {
		p := x.slots[i]
		if p == 0 {
			return -1
		}
		if name(p-1) == s {
			return p - 1
		}
	}
}

// add records that s, which is not there yet, is at position pos.
func (x *index) add(seed maphash.Seed, s string, pos int32, name func(int32) string) {
	if 2*(x.n+1) > len(x.slots) { // keep it at most half full
		x.rehash(seed, max(16, 2*len(x.slots)), name)
	}
	x.put(seed, s, pos)
}

func (x *index) put(seed maphash.Seed, s string, pos int32) {
	mask := uint64(len(x.slots) - 1)
	i := maphash.String(seed, s) & mask
	for x.slots[i] != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = pos + 1
	x.n++
}

func (x *index) rehash(seed maphash.Seed, size int, name func(int32) string) {
	old := x.slots
	x.slots, x.n = make([]int32, size), 0
	for _, p := range old {
		if p != 0 {
			x.put(seed, name(p-1), p-1)
		}
	}
}

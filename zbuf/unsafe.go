package zbuf

// The only use of package unsafe: the address of mapped memory, as a
// number. It is never turned back into a pointer; the package computes
// the offset of a fault with it, and its tests check that live buffers
// never overlap and that released mappings left /proc/self/maps.

import "unsafe"

// addr returns the address of p's first element (of its backing array
// when len(p) is 0), or 0 for a nil slice.
func addr(p []byte) uintptr {
	return uintptr(unsafe.Pointer(unsafe.SliceData(p)))
}

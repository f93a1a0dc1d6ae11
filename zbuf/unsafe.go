package zbuf

// The only uses of package unsafe: the address of mapped memory, as a
// number, and the address of the name the kernel gives zbuf's mappings.
// Neither is ever turned back into a pointer; the package computes the
// offset of a fault with the first, and its tests check that live buffers
// never overlap and that released mappings left /proc/self/maps.

import "unsafe"

// addr returns the address of p's first element (of its backing array
// when len(p) is 0), or 0 for a nil slice.
func addr(p []byte) uintptr {
	return uintptr(unsafe.Pointer(unsafe.SliceData(p)))
}

// anonName is the name of zbuf's anonymous mappings in /proc/PID/maps
// ("[anon:zbuf]"), NUL-terminated for the kernel. A package-level array:
// it never moves, so its address may be handed to prctl as a number.
var anonName = [...]byte{'z', 'b', 'u', 'f', 0}

// anonNameAddr is anonName's address, for PR_SET_VMA_ANON_NAME.
func anonNameAddr() uintptr { return uintptr(unsafe.Pointer(&anonName[0])) }

//go:build !cgo

// Built without cgo: there is no constructor, and proc uses its fallback.

package csrc

// Enabled reports whether the constructor is compiled into this binary.
const Enabled = false

// ReadyFD is always -1 without cgo.
func ReadyFD() int { return -1 }

// LockFD is always -1 without cgo.
func LockFD() int { return -1 }

// OutFD is always -1 without cgo.
func OutFD() int { return -1 }

// ErrFD is always -1 without cgo.
func ErrFD() int { return -1 }

// ThreadsAtFork is always -1 without cgo.
func ThreadsAtFork() int { return -1 }

// Sandbox is always 0 and "" without cgo: Me applies the program itself.
func Sandbox() (state int, message string) { return 0, "" }

package zbuf

import (
	"fmt"
	"runtime/debug"
)

// A page of a mapped file past the file's current end raises SIGBUS when
// touched. Accessors of read-only (mapped file) buffers therefore read
// through guard: debug.SetPanicOnFault turns the fault into a panic on
// this goroutine for the duration of the read only, and the deferred
// recover turns that panic into ErrFault. Buffers of anonymous memory
// cannot fault and skip the guard.

// guard runs read, which reads h's memory, and reports whether it
// completed. On a fault it records an error wrapping ErrFault in h.err.
func (h *hdr) guard(read func()) bool {
	if err := guarded(h.mem, read); err != nil {
		if h.err == nil {
			h.err = err
		}
		return false
	}
	return true
}

// guarded runs read with faults turned into an error wrapping ErrFault
// that gives the offset in mem. Any other panic goes on.
func guarded(mem []byte, read func()) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		r := recover()
		if r == nil {
			return
		}
		fault, ok := r.(interface{ Addr() uintptr })
		if !ok {
			panic(r)
		}
		err = fmt.Errorf("%w at offset %d", ErrFault, int64(fault.Addr()-addr(mem)))
	}()
	read()
	return nil
}

//go:build cgo

package sandbox

// A cgo build links the C runtime, as the worker binaries that use the
// shim do; syscall.AllThreadsSyscall is then unavailable.
import _ "runtime/cgo"

// cgoBuild tells the tests which route Apply takes.
const cgoBuild = true

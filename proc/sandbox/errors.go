package sandbox

import "errors"

var (
	// ErrSpec means a sandbox spec that does not parse or names an
	// unknown promise, right, action or system call. The error says which
	// clause and why.
	ErrSpec = errors.New("sandbox: invalid spec")

	// ErrUnsupported means the kernel lacks what the spec asks for
	// (seccomp filters, Landlock, or a Landlock feature) and the spec is
	// not best-effort.
	ErrUnsupported = errors.New("sandbox: not supported by this kernel")

	// ErrThreads means the Landlock domain cannot be put on every thread
	// of the process from Go: the kernel has no Landlock TSYNC (ABI 8) and
	// the program is built with cgo, where the runtime cannot run a system
	// call on threads it did not start. The C shim applies it before the
	// runtime starts instead.
	ErrThreads = errors.New("sandbox: cannot restrict every thread of a cgo program after start")

	// ErrUnveil means an unveiled path that could not be opened to make a
	// Landlock rule (it does not exist, or is not reachable). The error
	// names the path.
	ErrUnveil = errors.New("sandbox: cannot unveil path")

	// ErrProgram means a compiled program's binary encoding that is
	// malformed, for another architecture, or of another version.
	ErrProgram = errors.New("sandbox: malformed program encoding")

	// ErrViolation means a system call that a supervised process's spec
	// refuses, reported by its [Supervisor]; a [Violation] says which.
	ErrViolation = errors.New("sandbox: system call refused")
)

package sandbox

import (
	"fmt"
	"slices"

	"golang.org/x/sys/unix"
)

// Program is a compiled [Spec]: the seccomp filter and the Landlock
// ruleset, in the forms the kernel takes. A master compiles a worker's
// spec; the worker applies it, from Go ([Program.Apply]) or from the C
// shim before the runtime starts ([Program.MarshalBinary]).
type Program struct {
	Filter     []unix.SockFilter // the seccomp-BPF program
	Landlock   *Ruleset          // nil when the spec does not unveil
	BestEffort bool              // apply what the kernel supports, report the rest
}

// Compile checks s and compiles it.
func Compile(s Spec) (*Program, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	f, err := buildFilter(s.entries(), actionValue(s.Action), layoutTree)
	if err != nil {
		return nil, err
	}
	return &Program{Filter: f, Landlock: s.ruleset(), BestEffort: s.BestEffort}, nil
}

// check refuses what Parse would refuse in a Spec built in Go.
func (s *Spec) check() error {
	if s.Promises&^allPromises != 0 {
		return fmt.Errorf("%w: unknown promise bits %#x", ErrSpec, uint32(s.Promises&^allPromises))
	}
	for i, n := range s.Allow {
		if _, ok := sysnums[n]; !ok {
			return fmt.Errorf("%w: unknown system call %q", ErrSpec, n)
		}
		if slices.Contains(s.Allow[:i], n) {
			return fmt.Errorf("%w: system call %s allowed twice", ErrSpec, n)
		}
	}
	for i, u := range s.Unveil {
		if err := checkPath(u.Path); err != nil {
			return fmt.Errorf("%w: %v", ErrSpec, err)
		}
		if u.Rights == 0 || u.Rights >= 1<<nRights {
			return fmt.Errorf("%w: path %q: rights %#x", ErrSpec, u.Path, uint8(u.Rights))
		}
		if slices.ContainsFunc(s.Unveil[:i], func(v Unveil) bool { return v.Path == u.Path }) {
			return fmt.Errorf("%w: path %q unveiled twice", ErrSpec, u.Path)
		}
	}
	switch {
	case s.Action.Kind > Log:
		return fmt.Errorf("%w: unknown action kind %d", ErrSpec, s.Action.Kind)
	case s.Action.Kind == Errno && s.Action.Errno != 0 && !slices.Contains(
		[]unix.Errno{unix.EPERM, unix.EACCES, unix.ENOSYS}, s.Action.Errno):
		return fmt.Errorf("%w: action errno %d: want EPERM, EACCES or ENOSYS", ErrSpec, int(s.Action.Errno))
	}
	return nil
}

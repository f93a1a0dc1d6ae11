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
	// Supervised: the filter's refusals notify a supervisor instead of
	// failing in the kernel, and Apply returns the listener to hand it
	// (see [CompileSupervised]).
	Supervised bool
}

// Compile checks s and compiles it.
func Compile(s Spec) (*Program, error) { return compile(s, false) }

// CompileSupervised checks s and compiles it for a process a supervisor
// watches: every refusal the policy decides (EPERM, EACCES, kill) is a
// seccomp user notification, which the supervisor answers with the same
// verdict and reports ([Supervisor]); the ENOSYS of probes, and the trap
// and log actions, stay in the filter. The filter also allows sendmsg,
// by which the process hands its listener over once the filter is on.
// A process under it without a supervisor (none ever took the listener,
// or the supervisor exited) gets ENOSYS from every notified call: the
// kernel's answer when no one listens.
func CompileSupervised(s Spec) (*Program, error) { return compile(s, true) }

func compile(s Spec, sup bool) (*Program, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	learn := s.Action.Kind == Learn
	if learn && !sup {
		return nil, fmt.Errorf("%w: action learn needs a supervisor (CompileSupervised)", ErrSpec)
	}
	f, err := buildFilter(s.entriesFor(sup), refusalFor("", s.Action, sup), layoutTree)
	if err != nil {
		return nil, err
	}
	p := &Program{Filter: f, Landlock: s.ruleset(), BestEffort: s.BestEffort, Supervised: sup}
	if learn {
		p.Landlock = nil // learning what it opens, not refusing it
	}
	return p, nil
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
	case s.Action.Kind > Learn:
		return fmt.Errorf("%w: unknown action kind %d", ErrSpec, s.Action.Kind)
	case s.Action.Kind == Errno && s.Action.Errno != 0 && !slices.Contains(
		[]unix.Errno{unix.EPERM, unix.EACCES, unix.ENOSYS}, s.Action.Errno):
		return fmt.Errorf("%w: action errno %d: want EPERM, EACCES or ENOSYS", ErrSpec, int(s.Action.Errno))
	}
	return nil
}

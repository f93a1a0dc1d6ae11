package sandbox

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// Report says what [Program.Apply] enforced.
type Report struct {
	Seccomp      bool   // the filter is on every thread
	Instructions int    // the filter's length
	LandlockABI  int    // the kernel's Landlock ABI, 0 without Landlock
	Landlock     string // how the domain reached every thread ("tsync", "all-threads"), "" if not applied
	// Missing names what the spec asked for and the kernel or the build
	// could not enforce; only a best-effort spec applies with some.
	Missing []string
	// Listener is the seccomp listener of a supervised program's filter,
	// for the caller to hand to its supervisor and close; -1 otherwise.
	Listener int
}

// String summarises the report on one line.
func (r *Report) String() string {
	s := "seccomp: off"
	if r.Seccomp {
		s = fmt.Sprintf("seccomp: %d instructions on every thread", r.Instructions)
	}
	switch {
	case r.Landlock != "":
		s += fmt.Sprintf("; landlock ABI %d by %s", r.LandlockABI, r.Landlock)
	default:
		s += "; landlock: off"
	}
	if len(r.Missing) > 0 {
		s += "; not enforced: " + strings.Join(r.Missing, ", ")
	}
	return s
}

// Apply compiles s and applies it to the calling process; see
// [Program.Apply].
func Apply(s Spec) (*Report, error) {
	p, err := Compile(s)
	if err != nil {
		return nil, err
	}
	return p.Apply()
}

// Apply sandboxes the calling process, every thread of it: it sets
// no-new-privileges, puts the Landlock domain on every thread (with the
// kernel's TSYNC flag, or else the runtime's all-threads system call,
// which cgo programs lack: [ErrThreads]), then installs the seccomp
// filter on every thread with seccomp's TSYNC flag. Threads started
// later inherit both. What the kernel lacks fails with [ErrUnsupported]
// unless the program is best-effort, when the [Report] lists it instead.
//
// The sandbox cannot be lifted. On an error the process may be partly
// sandboxed and should exit. Call it before the process starts work, and
// from a cgo program prefer the C shim, which applies the same program
// before the runtime starts.
func (p *Program) Apply() (*Report, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rep := &Report{Listener: -1}
	if err := setNoNewPrivs(); err != nil {
		return rep, err
	}
	if p.Landlock != nil {
		if err := p.applyLandlock(rep); err != nil {
			return rep, err
		}
	}
	install := InstallTSYNC
	if p.Supervised {
		install = func(f []unix.SockFilter) (err error) {
			rep.Listener, err = installSupervised(f)
			return err
		}
	}
	if err := install(p.Filter); err != nil {
		if !errors.Is(err, errNoSeccomp) {
			return rep, err
		}
		if !p.BestEffort {
			return rep, fmt.Errorf("%w: %v", ErrUnsupported, err)
		}
		rep.Missing = append(rep.Missing, "seccomp")
		return rep, nil
	}
	rep.Seccomp, rep.Instructions = true, len(p.Filter)
	return rep, nil
}

// applyLandlock creates the ruleset and restricts every thread with it.
func (p *Program) applyLandlock(rep *Report) error {
	k, abi, missing, err := p.forKernel()
	rep.LandlockABI, rep.Missing = abi, append(rep.Missing, missing...)
	if err != nil || k.Landlock == nil {
		return err
	}
	fd, err := k.Landlock.create(abi)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	how, err := restrictAll(fd, abi)
	if errors.Is(err, ErrThreads) && p.BestEffort {
		rep.Missing = append(rep.Missing, "landlock (cgo build: apply it from the shim)")
		return nil
	}
	rep.Landlock = how
	return err
}

// ForKernel returns a copy of p whose Landlock ruleset keeps only what
// the running kernel's Landlock ABI knows (no ruleset when the kernel has
// no Landlock), with the names of what it dropped, or [ErrUnsupported]
// when a required part was dropped and p is not best-effort. A master
// that shares its workers' kernel calls it before
// [Program.MarshalBinary], so that the C shim applies the bytes as they
// are and fails on any error.
func (p *Program) ForKernel() (*Program, []string, error) {
	k, _, missing, err := p.forKernel()
	return k, missing, err
}

// forKernel is ForKernel, with the ABI.
func (p *Program) forKernel() (k *Program, abi int, missing []string, err error) {
	q := *p
	if p.Landlock == nil {
		return &q, 0, nil, nil
	}
	abi = landlockABI()
	missing, required := p.Landlock.missing(abi)
	if required && !p.BestEffort {
		return nil, abi, missing, fmt.Errorf("%w: %s (Landlock ABI %d)", ErrUnsupported, strings.Join(missing, ", "), abi)
	}
	if abi == 0 {
		q.Landlock = nil
		return &q, 0, missing, nil
	}
	rs := *p.Landlock
	rs.HandledFS &= handledFS(abi)
	rs.Scoped &= scopesOf(abi)
	rs.Rules = make([]PathRule, len(p.Landlock.Rules))
	for i, r := range p.Landlock.Rules {
		rs.Rules[i] = PathRule{r.Path, r.Access & rs.HandledFS}
	}
	q.Landlock = &rs
	return &q, abi, missing, nil
}

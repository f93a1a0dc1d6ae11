package sandbox

import (
	"fmt"
	"slices"

	"golang.org/x/sys/unix"
)

// entry is one system call the filter names, and what it does with it.
type entry struct {
	nr   uint32
	name string
	frag []unix.SockFilter // return ALLOW, argument checks, or ENOSYS
}

// layout is how the filter finds a system call's entry.
type layout int

const (
	layoutTree   layout = iota // a binary search over numbers, leaves of leafSize
	layoutLinear               // one comparison after another, hot calls first
)

// leafSize is how many numbers a leaf of the binary search compares in turn.
const leafSize = 4

// hot are the calls a busy Go server makes most, first in layoutLinear.
var hot = []string{
	"futex", "epoll_pwait", "read", "write", "nanosleep", "sched_yield", "tgkill",
	"getpid", "rt_sigreturn", "madvise", "mmap", "munmap", "recvmsg", "sendmsg",
	"writev", "accept4", "close", "fcntl", "epoll_ctl", "clock_gettime",
}

// actionValue is the SECCOMP_RET_ value of a.
func actionValue(a Action) uint32 {
	switch a.Kind {
	case Kill:
		return unix.SECCOMP_RET_KILL_PROCESS
	case Trap:
		return unix.SECCOMP_RET_TRAP
	case Log:
		return unix.SECCOMP_RET_LOG
	case Learn:
		return unix.SECCOMP_RET_USER_NOTIF
	}
	return unix.SECCOMP_RET_ERRNO | uint32(a.errno())&unix.SECCOMP_RET_DATA
}

// entries returns what the filter of s names, sorted by number: the
// baseline, the promises' calls, Allow, the argument-checked calls, and
// the probes and quiet calls whose refusal is not the action, each once.
func (s *Spec) entries() []entry { return s.entriesFor(false) }

// entriesFor is entries, for a supervised filter when sup: its refusals
// notify the supervisor (see supervisedValue), and it allows sendmsg,
// which hands the supervisor the listener once the filter is on.
func (s *Spec) entriesFor(sup bool) []entry {
	refuse := func(n string) uint32 { return refusalFor(n, s.Action, sup) }
	deny := refuse("")
	byName := map[string][]unix.SockFilter{}
	allow := func(names []string) {
		for _, n := range names {
			byName[n] = ret(unix.SECCOMP_RET_ALLOW)
		}
	}
	promises, extra := s.Promises, s.Allow
	if s.Action.Kind == Learn { // the baseline only: the rest is learnt
		promises, extra = 0, nil
	}
	for n, conds := range argRules(promises) {
		byName[n] = checks(conds, refuse(n))
	}
	allow(baseline)
	for i, calls := range promiseCalls {
		if promises&(1<<i) != 0 {
			allow(calls)
		}
	}
	allow(extra)
	if sup {
		allow([]string{"sendmsg"})
	}
	for _, n := range slices.Concat(probes, quiet) {
		if _, ok := byName[n]; !ok && refuse(n) != deny {
			byName[n] = ret(refuse(n))
		}
	}
	var es []entry
	for n, frag := range byName {
		if nr, ok := sysnums[n]; ok {
			es = append(es, entry{nr, n, frag})
		}
	}
	slices.SortFunc(es, func(a, b entry) int { return int(a.nr) - int(b.nr) })
	return es
}

// checks returns the fragment that allows a call when every cond holds
// and returns deny otherwise.
func checks(cs []cond, deny uint32) []unix.SockFilter {
	frag := ret(unix.SECCOMP_RET_ALLOW)
	if cs == nil {
		return frag
	}
	fail := ret(deny)
	for i := len(cs) - 1; i >= 0; i-- {
		c := cs[i]
		body := frag
		if c.in != nil {
			body = oneOf(c.in, body, fail)
			if c.mask != 0 {
				body = append([]unix.SockFilter{stmt(unix.BPF_ALU|unix.BPF_AND|unix.BPF_K, c.mask)}, body...)
			}
		}
		if c.clear != 0 {
			body = ifElse(unix.BPF_JSET, c.clear, fail, body)
		}
		frag = append([]unix.SockFilter{load(argOff(int(c.arg), c.hi))}, body...)
	}
	return frag
}

// buildFilter assembles the filter: the architecture check, the x32
// check, then the entries found by lay, then deny for the rest.
func buildFilter(es []entry, deny uint32, lay layout) ([]unix.SockFilter, error) {
	if auditArch == 0 {
		return nil, fmt.Errorf("%w: no seccomp filter for this architecture", ErrUnsupported)
	}
	var dispatch []unix.SockFilter
	if lay == layoutLinear {
		dispatch = linear(hotFirst(es), deny)
	} else {
		dispatch = tree(es, deny)
	}
	kill := ret(unix.SECCOMP_RET_KILL_PROCESS)
	body := dispatch
	if x32Bit != 0 {
		body = ifElse(unix.BPF_JGE, x32Bit, kill, body)
	}
	body = append([]unix.SockFilter{load(offNr)}, body...)
	prog := append([]unix.SockFilter{load(offArch)}, ifElse(unix.BPF_JEQ, auditArch, body, kill)...)
	return prog, checkProgram(prog)
}

// tree is a binary search over es, sorted by number.
func tree(es []entry, deny uint32) []unix.SockFilter {
	if len(es) <= leafSize {
		return linear(es, deny)
	}
	mid := len(es) / 2
	return ifElse(unix.BPF_JGE, es[mid].nr, tree(es[mid:], deny), tree(es[:mid], deny))
}

// linear compares the number with each entry in turn.
func linear(es []entry, deny uint32) []unix.SockFilter {
	frag := ret(deny)
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		if len(e.frag) > 255 {
			panic("sandbox: argument checks too long for a jump")
		}
		// if nr == e.nr { e.frag } else { frag }, with e.frag first: it is short.
		jeq := unix.SockFilter{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jf: uint8(len(e.frag)), K: e.nr}
		frag = append(append([]unix.SockFilter{jeq}, e.frag...), frag...)
	}
	return frag
}

// hotFirst orders es with the hot calls first, in hot's order.
func hotFirst(es []entry) []entry {
	out := slices.Clone(es)
	rank := func(e entry) int {
		if i := slices.Index(hot, e.name); i >= 0 {
			return i
		}
		return len(hot)
	}
	slices.SortStableFunc(out, func(a, b entry) int { return rank(a) - rank(b) })
	return out
}

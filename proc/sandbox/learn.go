package sandbox

import (
	"os"
	"path/filepath"
	"slices"
	"sync"

	"golang.org/x/sys/unix"
)

// maxLearned bounds the distinct calls a learner keeps.
const maxLearned = 4096

// learner records what a process under a learning filter called, for the
// tightest spec that would have let it all through.
type learner struct {
	mu    sync.Mutex
	calls map[seccompData]bool // distinct calls, arguments kept where rules test them
	paths map[string]Rights    // by absolute path
}

// record adds a call and, for opens and execs, its path; it reports
// whether the call was new.
func (l *learner) record(v *Violation, nr uint32, abs string) bool {
	d := seccompData{nr: nr, arch: auditArch, args: keyArgs(v.Name, v.Args)}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.calls == nil {
		l.calls, l.paths = map[seccompData]bool{}, map[string]Rights{}
	}
	if r := pathRights(v); r != 0 && abs != "" && len(l.paths) < maxLearned {
		l.paths[abs] |= r
	}
	if l.calls[d] || len(l.calls) >= maxLearned {
		return false
	}
	l.calls[d] = true
	return true
}

// keyArgs keeps the arguments the rules of any promise test, and zeroes
// the rest: calls that differ only in the others are the same call.
func keyArgs(name string, args [6]uint64) [6]uint64 {
	var k [6]uint64
	for i := range nPromises + 1 { // no promise, then each alone
		for _, c := range argRules(Promise(1) << i >> 1)[name] {
			k[c.arg] = args[c.arg]
		}
	}
	if name == "prlimit64" && k[2] != 0 { // a pointer: only set or not matters
		k[2] = 1
	}
	return k
}

// pathRights are the rights on its path that a call needs.
func pathRights(v *Violation) Rights {
	switch v.Name {
	case "open", "openat":
		f := v.Args[1]
		if v.Name == "openat" {
			f = v.Args[2]
		}
		r := [...]Rights{Read, Write, Read | Write, Read | Write}[f&unix.O_ACCMODE]
		if f&unix.O_TRUNC != 0 {
			r |= Write
		}
		if f&(unix.O_CREAT|oTmpfile) != 0 {
			r |= Create
		}
		return r
	case "creat":
		return Write | Create
	case "execve", "execveat":
		return Read | Execute
	}
	return 0
}

// spec returns the tightest spec that allows every recorded call: for
// each call the spec so far refuses, the first promise that allows it,
// else the first pair, else the call by name; and the recorded paths,
// unveiled with the rights they were used with (a file not there any
// more that was created: its directory, to create in).
func (l *learner) spec(bestEffort bool) Spec {
	l.mu.Lock()
	defer l.mu.Unlock()
	calls := make([]seccompData, 0, len(l.calls))
	for d := range l.calls {
		calls = append(calls, d)
	}
	slices.SortFunc(calls, func(a, b seccompData) int {
		if a.nr != b.nr {
			return int(a.nr) - int(b.nr)
		}
		return slices.Compare(a.args[:], b.args[:])
	})
	s := Spec{Veiled: true, BestEffort: bestEffort}
	for _, d := range calls {
		if allows(s, &d) {
			continue
		}
		if p := cheapest(s, &d); p != 0 {
			s.Promises |= p
		} else if n := sysname(d.nr); n != "" && !slices.Contains(s.Allow, n) {
			s.Allow = append(s.Allow, n)
		}
	}
	for path, r := range l.paths {
		if _, err := os.Stat(path); err != nil {
			if r&Create == 0 {
				continue // a missing file it did not create: nothing to unveil
			}
			path = filepath.Dir(path)
		}
		if i := slices.IndexFunc(s.Unveil, func(u Unveil) bool { return u.Path == path }); i >= 0 {
			s.Unveil[i].Rights |= r
		} else {
			s.Unveil = append(s.Unveil, Unveil{path, r})
		}
	}
	return s
}

// allows reports whether s's filter allows call d.
func allows(s Spec, d *seccompData) bool {
	prog, err := buildFilter(s.entries(), actionValue(s.Action), layoutTree)
	if err != nil {
		return false
	}
	v, _, err := runBPF(prog, d)
	return err == nil && v == unix.SECCOMP_RET_ALLOW
}

// cheapest returns the first promise, or else pair of promises, that
// added to s allows d; 0 if none does.
func cheapest(s Spec, d *seccompData) Promise {
	try := func(p Promise) bool {
		t := s
		t.Promises |= p
		return allows(t, d)
	}
	for i := range nPromises {
		if p := Promise(1) << i; try(p) {
			return p
		}
	}
	for i := range nPromises {
		for j := i + 1; j < nPromises; j++ {
			if p := Promise(1)<<i | Promise(1)<<j; try(p) {
				return p
			}
		}
	}
	return 0
}

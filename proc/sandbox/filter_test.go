package sandbox

import (
	"math/rand/v2"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// refVerdict is what s's filter should return for d, worked out from the
// rule tables directly rather than from the compiled program.
func refVerdict(s Spec, d *seccompData) uint32 {
	if d.arch != auditArch || x32Bit != 0 && d.nr >= x32Bit {
		return unix.SECCOMP_RET_KILL_PROCESS
	}
	deny := actionValue(s.Action)
	name := sysname(d.nr)
	if name == "" {
		return deny
	}
	if slices.Contains(baseline, name) || slices.Contains(s.Allow, name) {
		return unix.SECCOMP_RET_ALLOW
	}
	for i, calls := range promiseCalls {
		if s.Promises&(1<<i) != 0 && slices.Contains(calls, name) {
			return unix.SECCOMP_RET_ALLOW
		}
	}
	if conds, ok := argRules(s.Promises)[name]; ok && condsHold(conds, d) {
		return unix.SECCOMP_RET_ALLOW
	}
	switch {
	case s.Action.Kind == Log:
	case slices.Contains(probes, name):
		return unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
	case slices.Contains(quiet, name):
		return unix.SECCOMP_RET_ERRNO | uint32(unix.EACCES)
	}
	return deny
}

func condsHold(conds []cond, d *seccompData) bool {
	for _, c := range conds {
		w := uint32(d.args[c.arg])
		if c.hi {
			w = uint32(d.args[c.arg] >> 32)
		}
		if w&c.clear != 0 {
			return false
		}
		if c.mask != 0 {
			w &= c.mask
		}
		if c.in != nil && !slices.Contains(c.in, w) {
			return false
		}
	}
	return true
}

// testSpecs are specs whose filters the tests compare with refVerdict.
func testSpecs(t testing.TB) []Spec {
	texts := []string{
		"", "stdio", "stdio rpath", "stdio wpath", "stdio rpath wpath", "stdio rpath cpath",
		"stdio rpath wpath cpath fattr", "stdio inet", "stdio unix", "stdio inet unix",
		"stdio proc exec", "stdio prot_exec", "stdio tty id", "proc",
		"stdio rpath wpath cpath fattr inet unix proc exec prot_exec id tty",
		"stdio; allow ptrace mount io_uring_setup clone mmap; action kill",
		"stdio; action eacces", "stdio; action enosys", "rpath; action trap", "wpath; action log",
	}
	for i := range 1 << nPromises {
		if i%331 == 0 {
			texts = append(texts, Promise(i).String())
		}
	}
	var specs []Spec
	for _, text := range texts {
		s, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q): %v", text, err)
		}
		specs = append(specs, s)
	}
	return specs
}

// argSets are argument vectors that hit the checks' edges: zeros, all
// ones, every value a check names with and without high bits, and
// random words.
func argSets(r *rand.Rand) [][6]uint64 {
	vals := []uint64{0, ^uint64(0), 1 << 32}
	for _, p := range []Promise{allPromises, Stdio, Stdio | Rpath, Wpath | Cpath, Inet, Unix, 0} {
		for _, conds := range argRules(p) {
			for _, c := range conds {
				vals = append(vals, uint64(c.clear), uint64(c.clear)|uint64(c.mask))
				for _, v := range c.in {
					vals = append(vals, uint64(v), uint64(v)|1<<40, uint64(v)|unix.PROT_EXEC)
				}
			}
		}
	}
	var sets [][6]uint64
	for _, v := range vals {
		for i := range 6 {
			var a [6]uint64
			a[i] = v
			sets = append(sets, a)
		}
	}
	for range 64 {
		var a [6]uint64
		for i := range a {
			a[i] = r.Uint64() >> (r.IntN(4) * 16)
		}
		sets = append(sets, a)
	}
	return sets
}

// TestFilterMatchesRules runs every spec's filter, in both layouts, in
// the BPF interpreter for every system call number (and some past the
// table, x32 numbers and a foreign architecture) with argument vectors at
// the checks' edges, and compares each verdict with refVerdict.
func TestFilterMatchesRules(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sets := argSets(r)
	var maxNr uint32
	for _, nr := range sysnums {
		maxNr = max(maxNr, nr)
	}
	nrs := []uint32{maxNr + 1, maxNr + 100, 0x7fffffff, 0xffffffff, x32Bit, x32Bit + 1}
	for nr := range maxNr + 1 {
		nrs = append(nrs, nr)
	}
	checkedNames := map[string]bool{}
	for n := range argRules(allPromises) {
		checkedNames[n] = true
	}
	var runs, bad int
	for _, s := range testSpecs(t) {
		for _, lay := range []layout{layoutTree, layoutLinear} {
			prog, err := buildFilter(s.entries(), actionValue(s.Action), lay)
			if err != nil {
				t.Fatalf("%q: %v", s, err)
			}
			for _, nr := range nrs {
				for _, arch := range []uint32{auditArch, unix.AUDIT_ARCH_I386} {
					args := sets
					if arch != auditArch || !checkedNames[sysname(nr)] {
						args = sets[:3] // only checked calls look at the arguments
					}
					for _, args := range args {
						d := &seccompData{nr: nr, arch: arch, args: args}
						got, _, err := runBPF(prog, d)
						runs++
						if want := refVerdict(s, d); err != nil || got != want {
							if bad++; bad <= 10 {
								t.Errorf("%q layout %d: nr %d (%s) arch %#x args %#x: got %#x (%v), want %#x",
									s, lay, nr, sysname(nr), arch, args, got, err, want)
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d verdicts compared, %d wrong", runs, bad)
}

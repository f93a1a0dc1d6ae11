package sandbox

import "golang.org/x/sys/unix"

// cond is a test on one 32-bit word of a system call's arguments. Only
// low words are tested but for pointers: the kernel truncates int
// arguments (socket's domain, ioctl's request, prctl's option, clone's
// flags) to 32 bits, and the PROT_ and O_ bits are all in the low word.
type cond struct {
	arg   uint8    // argument index, 0 to 5
	hi    bool     // test the high word instead of the low one
	clear uint32   // these bits must all be clear
	mask  uint32   // with in: the word is masked with it first (0: not masked)
	in    []uint32 // when not nil, the (masked) word must be one of these
}

// checked is a system call allowed only when all its conds hold; a nil
// conds allows it whatever its arguments.
type checked map[string][]cond

// Bits tested; the clone and open flags not in x/sys under these names
// are spelt out.
const (
	cloneNewFlags = unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWUTS |
		unix.CLONE_NEWIPC | unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET
	oTmpfile = 0x400000 // __O_TMPFILE, without the O_DIRECTORY that O_TMPFILE adds

	// The generic file ioctls, the same on amd64 and arm64.
	fionread = 0x541b
	fionbio  = 0x5421
	fioclex  = 0x5451
	fionclex = 0x5450
)

// argRules returns the system calls that promises p allow with argument
// checks, and the checks. A call that p allow fully has nil conds; a call
// that p do not allow at all is absent.
func argRules(p Promise) checked {
	r := checked{}
	protExec := []cond{{arg: 2, clear: unix.PROT_EXEC}}
	if p&ProtExec != 0 {
		protExec = nil
	}
	r["mmap"], r["mprotect"], r["pkey_mprotect"] = protExec, protExec, protExec
	r["clone"] = cloneRule(p)
	r["prctl"] = []cond{{arg: 0, in: []uint32{unix.PR_SET_VMA, unix.PR_SET_NAME,
		unix.PR_GET_NAME, unix.PR_GET_NO_NEW_PRIVS, unix.PR_GET_SECCOMP}}}
	if p&Stdio != 0 {
		r["socketpair"] = []cond{{arg: 0, in: []uint32{unix.AF_UNIX}}}
		r["ioctl"] = []cond{{arg: 1, in: ioctls(p)}}
		r["prlimit64"] = prlimitRule(p)
	} else if p&Proc != 0 {
		r["prlimit64"] = prlimitRule(p)
	}
	if domains := socketDomains(p); domains != nil {
		r["socket"] = []cond{{arg: 0, in: domains}}
	}
	if open, ok := openRule(p); ok {
		r["open"] = shift(open, 1)
		r["openat"] = shift(open, 2)
	}
	return r
}

// cloneRule: threads always, children with proc; never new namespaces.
// The exit signal's byte, where clone3 has CLONE_NEWTIME, is not tested.
func cloneRule(p Promise) []cond {
	c := []cond{{arg: 0, clear: cloneNewFlags}}
	if p&Proc == 0 {
		c = append(c, cond{arg: 0, mask: unix.CLONE_THREAD, in: []uint32{unix.CLONE_THREAD}})
	}
	return c
}

// prlimitRule: one's own limits; setting them needs proc.
func prlimitRule(p Promise) []cond {
	c := []cond{{arg: 0, in: []uint32{0}}}
	if p&Proc == 0 {
		c = append(c, cond{arg: 2, in: []uint32{0}}, cond{arg: 2, hi: true, in: []uint32{0}})
	}
	return c
}

// ioctls are the requests stdio allows, and tty's on top.
func ioctls(p Promise) []uint32 {
	v := []uint32{fionread, fionbio, fioclex, fionclex}
	if p&TTY != 0 {
		v = append(v, unix.TCGETS, unix.TCSETS, unix.TCSETSW, unix.TCSETSF,
			unix.TIOCGWINSZ, unix.TIOCSWINSZ, unix.TIOCGPGRP, unix.TIOCSPGRP)
	}
	return v
}

// socketDomains are the families that inet and unix let socket create,
// or nil.
func socketDomains(p Promise) []uint32 {
	var d []uint32
	if p&Unix != 0 {
		d = append(d, unix.AF_UNIX)
	}
	if p&Inet != 0 {
		d = append(d, unix.AF_INET, unix.AF_INET6)
	}
	return d
}

// openRule checks open's flags (argument 0; shifted to the flags'
// place): rpath opens for reading, wpath for writing, both for both;
// O_TRUNC needs wpath, O_CREAT and O_TMPFILE need cpath. ok is false
// when p do not allow open at all.
func openRule(p Promise) (c []cond, ok bool) {
	var modes []uint32
	if p&Rpath != 0 {
		modes = append(modes, unix.O_RDONLY)
	}
	if p&Wpath != 0 {
		modes = append(modes, unix.O_WRONLY)
	}
	if p&(Rpath|Wpath) == Rpath|Wpath {
		modes = append(modes, unix.O_RDWR, unix.O_ACCMODE)
	}
	if modes == nil {
		return nil, false
	}
	var clear uint32
	if p&Wpath == 0 {
		clear |= unix.O_TRUNC
	}
	if p&Cpath == 0 {
		clear |= unix.O_CREAT | oTmpfile
	}
	if clear != 0 {
		c = append(c, cond{clear: clear})
	}
	if len(modes) < 4 {
		c = append(c, cond{mask: unix.O_ACCMODE, in: modes})
	}
	return c, true
}

// shift moves conds on argument 0 to argument i.
func shift(c []cond, i uint8) []cond {
	if c == nil {
		return nil
	}
	out := make([]cond, len(c))
	for j, x := range c {
		x.arg = i
		out[j] = x
	}
	return out
}

package sandbox

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// A tiny classic-BPF assembler for seccomp filters. Programs are built
// bottom-up from fragments: a fragment is a run of instructions in which
// every path ends in a return, so fragments can be placed one after
// another and reached by relative jumps computed from their lengths,
// without labels.

// Offsets into struct seccomp_data.
const (
	offNr   = 0  // int nr
	offArch = 4  // __u32 arch
	offArgs = 16 // __u64 args[6], little-endian on the supported architectures
)

// maxInsns is the kernel's limit on a filter's length (BPF_MAXINSNS).
const maxInsns = 4096

// stmt is an instruction without jumps.
func stmt(code uint16, k uint32) unix.SockFilter { return unix.SockFilter{Code: code, K: k} }

// ret returns k, a SECCOMP_RET_* value.
func ret(k uint32) []unix.SockFilter { return []unix.SockFilter{stmt(unix.BPF_RET|unix.BPF_K, k)} }

// load loads the 32-bit word at off of seccomp_data into A.
func load(off uint32) unix.SockFilter { return stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, off) }

// argOff is the offset of argument i's low (hi false) or high word.
func argOff(i int, hi bool) uint32 {
	off := uint32(offArgs + 8*i)
	if hi {
		off += 4
	}
	return off
}

// ifElse returns a conditional jump on A (code is BPF_JEQ, BPF_JGE,
// BPF_JGT or BPF_JSET, compared with k) followed by no, the fragment for
// false, and yes, for true. A distance beyond the 8-bit jump field goes
// through a BPF_JA, whose offset is 32 bits.
func ifElse(code uint16, k uint32, yes, no []unix.SockFilter) []unix.SockFilter {
	out := make([]unix.SockFilter, 0, len(no)+len(yes)+2)
	cond := unix.SockFilter{Code: unix.BPF_JMP | code | unix.BPF_K, K: k}
	if len(no) <= 255 {
		cond.Jt = uint8(len(no))
		out = append(out, cond)
	} else {
		cond.Jt, cond.Jf = 0, 1
		out = append(out, cond, stmt(unix.BPF_JMP|unix.BPF_JA, uint32(len(no))))
	}
	out = append(out, no...)
	return append(out, yes...)
}

// oneOf returns a test that A equals one of vals, followed by no and yes
// as in ifElse, with yes placed once however many values there are.
func oneOf(vals []uint32, yes, no []unix.SockFilter) []unix.SockFilter {
	if len(vals)+len(no) > 255 {
		// Too far for the jump fields: nest, repeating yes (correct, longer).
		frag := no
		for i := len(vals) - 1; i >= 0; i-- {
			frag = ifElse(unix.BPF_JEQ, vals[i], yes, frag)
		}
		return frag
	}
	out := make([]unix.SockFilter, 0, len(vals)+len(no)+len(yes))
	for i, v := range vals {
		jt := len(vals) - 1 - i + len(no)
		out = append(out, unix.SockFilter{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: uint8(jt), K: v})
	}
	out = append(out, no...)
	return append(out, yes...)
}

// checkProgram checks a finished filter's shape: not empty, not too long,
// every jump inside the program, and the last instruction a return. The
// kernel checks the same when the filter is installed; this catches a
// builder's mistake in a unit test.
func checkProgram(p []unix.SockFilter) error {
	if len(p) == 0 || len(p) > maxInsns {
		return fmt.Errorf("sandbox: filter of %d instructions", len(p))
	}
	for i, in := range p {
		if in.Code&0x07 != unix.BPF_JMP {
			continue
		}
		far := max(int(in.Jt), int(in.Jf))
		if in.Code == unix.BPF_JMP|unix.BPF_JA {
			far = int(in.K)
		}
		if i+1+far >= len(p) {
			return fmt.Errorf("sandbox: jump out of the filter at %d", i)
		}
	}
	if last := p[len(p)-1]; last.Code != unix.BPF_RET|unix.BPF_K {
		return fmt.Errorf("sandbox: filter does not end in a return")
	}
	return nil
}

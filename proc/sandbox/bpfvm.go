package sandbox

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// seccompData is struct seccomp_data, as a filter sees it.
type seccompData struct {
	nr   uint32
	arch uint32
	args [6]uint64
}

// word is the 32-bit word at off of d, as BPF_LD|BPF_W|BPF_ABS loads it.
func (d *seccompData) word(off uint32) (uint32, error) {
	switch {
	case off == offNr:
		return d.nr, nil
	case off == offArch:
		return d.arch, nil
	case off >= offArgs && off < offArgs+48 && off%4 == 0:
		a := d.args[(off-offArgs)/8]
		if (off-offArgs)%8 == 4 {
			return uint32(a >> 32), nil
		}
		return uint32(a), nil
	}
	return 0, fmt.Errorf("load at offset %d", off)
}

// runBPF interprets a seccomp filter on d the way the kernel does, for
// the instructions this package emits (and refuses any other), and
// returns the filter's verdict and the number of instructions run.
func runBPF(prog []unix.SockFilter, d *seccompData) (verdict uint32, steps int, err error) {
	var a uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		steps++
		switch in.Code {
		case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
			if a, err = d.word(in.K); err != nil {
				return 0, steps, err
			}
		case unix.BPF_ALU | unix.BPF_AND | unix.BPF_K:
			a &= in.K
		case unix.BPF_RET | unix.BPF_K:
			return in.K, steps, nil
		case unix.BPF_JMP | unix.BPF_JA:
			pc += int(in.K)
		case unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K:
			pc += jump(a == in.K, in)
		case unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K:
			pc += jump(a >= in.K, in)
		case unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K:
			pc += jump(a > in.K, in)
		case unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K:
			pc += jump(a&in.K != 0, in)
		default:
			return 0, steps, fmt.Errorf("instruction %d: unknown code %#x", pc, in.Code)
		}
	}
	return 0, steps, fmt.Errorf("ran off the end of the filter")
}

func jump(cond bool, in unix.SockFilter) int {
	if cond {
		return int(in.Jt)
	}
	return int(in.Jf)
}

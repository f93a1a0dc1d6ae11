package sandbox

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// The binary encoding of a Program, for the C shim, which applies it
// before the Go runtime starts. Integers are little-endian:
//
//	"RSBX" version:u8=1 flags:u8 (1 best-effort, 2 Landlock, 4 supervised) arch:u32 (AUDIT_ARCH_*)
//	n:u16, then n struct sock_filter {code:u16 jt:u8 jf:u8 k:u32}
//	with Landlock: handled_fs:u64 scoped:u64 rules:u16,
//	  then per rule access:u64 len:u16 path (len bytes, no NUL)
//
// The filter is ready for seccomp(SECCOMP_SET_MODE_FILTER); the ruleset
// for landlock_create_ruleset with the kernel's ABI masking handled_fs
// and scoped ([Program.ForKernel] does that before encoding). A
// supervised filter is installed with SECCOMP_FILTER_FLAG_NEW_LISTENER,
// and the listener handed to the supervisor.
const (
	progMagic   = "RSBX"
	progVersion = 1

	flagBestEffort = 1
	flagLandlock   = 2
	flagSupervised = 4
)

// MarshalBinary encodes p for the C shim.
func (p *Program) MarshalBinary() ([]byte, error) {
	if len(p.Filter) == 0 || len(p.Filter) > maxInsns {
		return nil, fmt.Errorf("%w: filter of %d instructions", ErrProgram, len(p.Filter))
	}
	var flags byte
	if p.BestEffort {
		flags |= flagBestEffort
	}
	if p.Landlock != nil {
		flags |= flagLandlock
	}
	if p.Supervised {
		flags |= flagSupervised
	}
	b := append([]byte(progMagic), progVersion, flags)
	b = binary.LittleEndian.AppendUint32(b, auditArch)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(p.Filter)))
	for _, in := range p.Filter {
		b = binary.LittleEndian.AppendUint16(b, in.Code)
		b = append(b, in.Jt, in.Jf)
		b = binary.LittleEndian.AppendUint32(b, in.K)
	}
	if rs := p.Landlock; rs != nil {
		if len(rs.Rules) > 0xffff {
			return nil, fmt.Errorf("%w: %d rules", ErrProgram, len(rs.Rules))
		}
		b = binary.LittleEndian.AppendUint64(b, rs.HandledFS)
		b = binary.LittleEndian.AppendUint64(b, rs.Scoped)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(rs.Rules)))
		for _, r := range rs.Rules {
			if checkPath(r.Path) != nil || len(r.Path) > 0xffff {
				return nil, fmt.Errorf("%w: path %q", ErrProgram, r.Path)
			}
			b = binary.LittleEndian.AppendUint64(b, r.Access)
			b = binary.LittleEndian.AppendUint16(b, uint16(len(r.Path)))
			b = append(b, r.Path...)
		}
	}
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote, for this
// architecture. Errors wrap [ErrProgram].
func (p *Program) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	if string(d.take(4)) != progMagic || d.u8() != progVersion {
		return fmt.Errorf("%w: not a version %d program", ErrProgram, progVersion)
	}
	flags := d.u8()
	if arch := d.u32(); arch != auditArch || flags&^(flagBestEffort|flagLandlock|flagSupervised) != 0 {
		return fmt.Errorf("%w: architecture %#x, flags %#x", ErrProgram, arch, flags)
	}
	q := Program{BestEffort: flags&flagBestEffort != 0, Supervised: flags&flagSupervised != 0,
		Filter: make([]unix.SockFilter, d.u16())}
	for i := range q.Filter {
		if d.short {
			break
		}
		q.Filter[i] = unix.SockFilter{Code: d.u16(), Jt: d.u8(), Jf: d.u8(), K: d.u32()}
	}
	if flags&flagLandlock != 0 {
		q.Landlock = &Ruleset{HandledFS: d.u64(), Scoped: d.u64()}
		if n := d.u16(); n > 0 {
			q.Landlock.Rules = make([]PathRule, n)
		}
		for i := range q.Landlock.Rules {
			if d.short {
				break
			}
			r := PathRule{Access: d.u64()}
			r.Path = string(d.take(int(d.u16())))
			if checkPath(r.Path) != nil && !d.short {
				return fmt.Errorf("%w: path %q", ErrProgram, r.Path)
			}
			q.Landlock.Rules[i] = r
		}
	}
	switch {
	case d.short || len(d.b) != 0:
		return fmt.Errorf("%w: %d bytes, short or with bytes left", ErrProgram, len(data))
	case checkProgram(q.Filter) != nil:
		return fmt.Errorf("%w: %v", ErrProgram, checkProgram(q.Filter))
	}
	*p = q
	return nil
}

// decoder reads little-endian fields; past the end it reads zeros and
// sets short.
type decoder struct {
	b     []byte
	short bool
}

func (d *decoder) take(n int) []byte {
	if n > len(d.b) {
		d.short, d.b = true, nil
		return make([]byte, n)
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) u8() uint8   { return d.take(1)[0] }
func (d *decoder) u16() uint16 { return binary.LittleEndian.Uint16(d.take(2)) }
func (d *decoder) u32() uint32 { return binary.LittleEndian.Uint32(d.take(4)) }
func (d *decoder) u64() uint64 { return binary.LittleEndian.Uint64(d.take(8)) }

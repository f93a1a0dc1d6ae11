package sandbox

import "golang.org/x/sys/unix"

// auditArch is the architecture a filter admits; calls from another
// (i386 through int 0x80) kill the process.
const auditArch = unix.AUDIT_ARCH_X86_64

// x32Bit marks the x32 ABI's system call numbers, which a filter refuses
// by killing the process; 0 where there is no such ABI.
const x32Bit = 0x40000000

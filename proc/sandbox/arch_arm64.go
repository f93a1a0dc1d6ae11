package sandbox

import "golang.org/x/sys/unix"

// auditArch is the architecture a filter admits; calls from another
// (32-bit ARM compat) kill the process.
const auditArch = unix.AUDIT_ARCH_AARCH64

// x32Bit is 0: arm64 has no x32-like ABI sharing its architecture value.
const x32Bit = 0

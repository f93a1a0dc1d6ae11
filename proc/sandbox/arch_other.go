//go:build !amd64 && !arm64

package sandbox

// auditArch is 0 on architectures the sandbox does not support: Compile
// returns ErrUnsupported.
const auditArch = 0

// x32Bit is 0 on unsupported architectures.
const x32Bit = 0

// sysnums is empty on unsupported architectures.
var sysnums = map[string]uint32{}

package proc

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// prctlGet returns the int a prctl PR_GET_* option writes through its
// pointer argument (PR_GET_PDEATHSIG, PR_GET_CHILD_SUBREAPER), or 0.
func prctlGet(option int) int32 {
	var v int32
	unix.Prctl(option, uintptr(unsafe.Pointer(&v)), 0, 0, 0)
	return v
}

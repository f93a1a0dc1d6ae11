package zbuf

// The tests' only use of package unsafe: x/sys/unix has no mincore
// wrapper on Linux, so the system call gets its vector's address here.

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// resident returns how many pages of mem are resident in RAM.
func resident(mem []byte) (int, error) {
	page := os.Getpagesize()
	vec := make([]byte, (len(mem)+page-1)/page)
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, addr(mem), uintptr(len(mem)), uintptr(unsafe.Pointer(&vec[0])))
	if errno != 0 {
		return 0, os.NewSyscallError("mincore", errno)
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n, nil
}

package frame

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// iovMax is the kernel's limit on iovecs per writev (IOV_MAX).
const iovMax = 1024

// writev is the function c.rc.Write calls with the socket: one writev of
// c.pend, retrying EINTR, leaving the result in c.wn and c.wErrno. It
// returns false on EAGAIN, to wait in the netpoller. It is bound once, in
// New, so writing allocates nothing; its own iovec array is reused. This
// and the read side's recvmsg are the package's only uses of unsafe: the
// kernel needs the array's address.
func (c *Conn) writev(fd uintptr) bool {
	c.iov = c.iov[:0]
	for _, b := range c.pend[:min(len(c.pend), iovMax)] {
		if len(b) == 0 {
			continue
		}
		v := unix.Iovec{Base: &b[0]}
		v.SetLen(len(b))
		c.iov = append(c.iov, v)
	}
	for {
		// One buffer goes by write(2): measured here, a writev of one
		// iovec costs more than a write of the same bytes.
		call, arg, count := uintptr(unix.SYS_WRITEV), uintptr(unsafe.Pointer(&c.iov[0])), uintptr(len(c.iov))
		if len(c.iov) == 1 {
			call, arg, count = unix.SYS_WRITE, uintptr(unsafe.Pointer(c.iov[0].Base)), uintptr(c.iov[0].Len)
		}
		n, _, errno := unix.Syscall(call, fd, arg, count)
		switch errno {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		case 0:
			c.wn, c.wErrno = int(n), nil
		default:
			c.wn, c.wErrno = 0, os.NewSyscallError("writev", errno)
		}
		return true
	}
}

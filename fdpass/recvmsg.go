package fdpass

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// recvmsg is recvmsg(2) with no address buffer. unix.Recvmsg always asks for
// the sender's address, and turning a unix socket's address into a
// unix.Sockaddr allocates; a connected socket's peer is known anyway. This
// is the package's only use of unsafe: the kernel needs the msghdr's
// address.
func recvmsg(sock int, p, oob []byte, flags int) (n, oobn, recvflags int, err error) {
	var msg unix.Msghdr
	var iov unix.Iovec
	if len(p) > 0 {
		iov.Base = &p[0]
		iov.SetLen(len(p))
		msg.Iov, msg.Iovlen = &iov, 1
	}
	if len(oob) > 0 {
		msg.Control = &oob[0]
		msg.SetControllen(len(oob))
	}
	r, _, errno := unix.Syscall(unix.SYS_RECVMSG, uintptr(sock), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
	if errno != 0 {
		return 0, 0, 0, errno
	}
	return int(r), int(msg.Controllen), int(msg.Flags), nil
}

package frame

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// peek copies the first bytes waiting in the socket into p, without taking
// them or waiting for them. It is recvfrom(2) with no address buffer:
// unix.Recvfrom always asks for the sender's address and allocates for
// it, and WatchControl peeks a few times for every control frame. This
// file holds the control frames' only use of unsafe: the kernel needs the
// buffer's address.
func peek(fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, _, errno := unix.Syscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)),
			unix.MSG_PEEK|unix.MSG_DONTWAIT, 0, 0)
		switch errno {
		case 0:
			return int(n), nil
		case unix.EINTR:
			continue
		}
		return 0, errno
	}
}

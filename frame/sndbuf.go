package frame

import (
	"net"

	"golang.org/x/sys/unix"
)

// maxSendBuffer is the most fitSendBuffer asks for: a 1 MiB frame and its
// header. A peer that does not read can hold that much of a Conn's frames
// in the kernel (twice that, as Linux counts), not more: larger frames go
// out in pieces, each waiting for the peer, as before.
const maxSendBuffer = 1<<20 + HeaderSize

// fitSendBuffer raises a unix socket's send buffer (SO_SNDBUF) to hold n
// bytes, up to maxSendBuffer, when a frame that large is about to go out
// and the buffer is smaller: the frame then goes out in one system call,
// where a buffer of the default size (208 KiB on Linux) takes a 1 MiB frame
// in five pieces, with waits in the netpoller between them. The kernel
// caps the size at net.core.wmem_max. It is done once per size reached;
// TCP sockets, whose buffers the kernel tunes itself, are left alone.
func (c *Conn) fitSendBuffer(n int) {
	n = min(n, maxSendBuffer)
	if n <= c.sndbuf || c.rc == nil {
		return
	}
	if _, ok := c.nc.(*net.UnixConn); !ok {
		c.sndbuf = maxWire
		return
	}
	c.sndbuf = n
	_ = c.rc.Control(func(fd uintptr) {
		if cur, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF); err == nil && cur >= n {
			return
		}
		_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF, n)
	})
}

package proc

import (
	"errors"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// A listening socket is one open file that the master and every worker
// share. net.FileListener, like anything that calls os.File.Fd, puts that
// file in blocking mode for a moment, and a worker whose accept starts in
// that moment waits in the kernel, where closing its listener cannot end
// it (a drain would wait for the next client). So a worker's listener is
// an fdListener, which accepts through the netpoller without ever making
// the shared file blocking.

// fdListener accepts on a shared listening socket.
type fdListener struct {
	f    *os.File
	rc   syscall.RawConn
	addr net.Addr
}

// newFDListener takes fd, a listening stream socket, keeping it
// non-blocking.
func newFDListener(fd int) (*fdListener, error) {
	if ok, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err != nil || ok == 0 {
		unix.Close(fd)
		return nil, errors.New("not a listening socket")
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "listener") // non-blocking: in the netpoller
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &fdListener{f: f, rc: rc, addr: sockAddr(fd)}, nil
}

// Accept waits for a connection in the netpoller.
func (l *fdListener) Accept() (net.Conn, error) {
	var nfd int
	var aerr error
	err := l.rc.Read(func(fd uintptr) bool {
		for {
			nfd, _, aerr = unix.Accept4(int(fd), unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)
			if aerr != unix.EINTR {
				return aerr != unix.EAGAIN
			}
		}
	})
	if err != nil {
		return nil, &net.OpError{Op: "accept", Net: l.addr.Network(), Addr: l.addr, Err: net.ErrClosed}
	}
	if aerr != nil {
		return nil, &net.OpError{Op: "accept", Net: l.addr.Network(), Addr: l.addr, Err: os.NewSyscallError("accept4", aerr)}
	}
	f := os.NewFile(uintptr(nfd), "connection") // its own open file: Fd's switch harms no one
	defer f.Close()
	return net.FileConn(f)
}

// Close closes this worker's copy of the socket, ending a waiting Accept.
func (l *fdListener) Close() error { return l.f.Close() }

// Addr is the address the socket is bound to.
func (l *fdListener) Addr() net.Addr { return l.addr }

// sockAddr is a socket's local address as the net package gives it.
func sockAddr(fd int) net.Addr {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return &net.TCPAddr{}
	}
	stream := true
	if t, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE); err == nil && t == unix.SOCK_DGRAM {
		stream = false
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		if stream {
			return &net.TCPAddr{IP: net.IP(a.Addr[:]).To16(), Port: a.Port}
		}
		return &net.UDPAddr{IP: net.IP(a.Addr[:]).To16(), Port: a.Port}
	case *unix.SockaddrInet6:
		if stream {
			return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
		}
		return &net.UDPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	case *unix.SockaddrUnix:
		if stream {
			return &net.UnixAddr{Name: a.Name, Net: "unix"}
		}
		return &net.UnixAddr{Name: a.Name, Net: "unixgram"}
	}
	return &net.TCPAddr{}
}

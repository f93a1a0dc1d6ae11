package fdpass

import (
	"fmt"
	"net"
	"os"
)

// filer is what net's listeners and connections offer to hand out their fd.
type filer interface {
	File() (*os.File, error)
}

// tags that travel as the byte carrying a listener or a connection.
const (
	listenerTag = 'L'
	connTag     = 'C'
)

// SendListener passes ln, which must be a *net.TCPListener or
// *net.UnixListener, to the process at the other end of c. Both processes
// then accept on the same socket; the sender may close its own.
func SendListener(c *net.UnixConn, ln net.Listener) error {
	return sendWhole(c, ln, listenerTag)
}

// RecvListener receives a listener sent with [SendListener].
func RecvListener(c *net.UnixConn) (net.Listener, error) {
	f, err := recvWhole(c, listenerTag)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return net.FileListener(f)
}

// SendConn passes conn, which must be a *net.TCPConn or *net.UnixConn, to
// the process at the other end of c.
func SendConn(c *net.UnixConn, conn net.Conn) error {
	return sendWhole(c, conn, connTag)
}

// RecvConn receives a connection sent with [SendConn].
func RecvConn(c *net.UnixConn) (net.Conn, error) {
	f, err := recvWhole(c, connTag)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return net.FileConn(f)
}

func sendWhole(c *net.UnixConn, v any, tag byte) error {
	fl, ok := v.(filer)
	if !ok {
		return fmt.Errorf("fdpass: a %T has no file to pass", v)
	}
	f, err := fl.File() // a duplicate; ours to close
	if err != nil {
		return err
	}
	defer f.Close()
	return Send(c, []byte{tag}, f)
}

func recvWhole(c *net.UnixConn, tag byte) (*os.File, error) {
	var p [1]byte
	_, files, err := RecvAtMost(c, p[:], 1)
	if err != nil {
		return nil, err
	}
	if len(files) != 1 || p[0] != tag {
		for _, f := range files {
			f.Close()
		}
		return nil, fmt.Errorf("%w (got %d files, tag %q)", ErrNoFile, len(files), p[0])
	}
	return files[0], nil
}

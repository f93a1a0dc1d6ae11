package proc

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// probeTimeout bounds the connect that tells a live socket from a stale one.
const probeTimeout = time.Second

// listenControl listens on a unix socket at path, replacing a stale socket
// file, and makes the file mode. It returns the listener and the file's
// identity, for removing it later only if it is still ours.
func listenControl(path string, mode fs.FileMode) (*net.UnixListener, fs.FileInfo, error) {
	if err := clearStale(path); err != nil {
		return nil, nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if errors.Is(err, syscall.EADDRINUSE) {
		// Someone bound the path after our probe.
		return nil, nil, &os.PathError{Op: "listen", Path: path, Err: ErrAddrInUse}
	}
	if err != nil {
		return nil, nil, err
	}
	ln.SetUnlinkOnClose(false) // we remove it, and only if it is still ours
	id, err := os.Lstat(path)
	if err == nil && id.Mode().Type() != fs.ModeSocket {
		err = &os.PathError{Op: "listen", Path: path, Err: ErrNotSocket}
		id = nil // replaced already: not ours to remove
	}
	if err == nil {
		err = os.Chmod(path, mode)
	}
	if err != nil {
		ln.Close()
		removeIfSame(path, id)
		return nil, nil, err
	}
	return ln, id, nil
}

// clearStale removes a socket file nobody listens on. It refuses a live
// socket with ErrAddrInUse and anything but a socket with ErrNotSocket.
func clearStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return &os.PathError{Op: "listen", Path: path, Err: ErrNotSocket}
	}
	c, err := net.DialTimeout("unix", path, probeTimeout)
	if err == nil {
		c.Close()
		return &os.PathError{Op: "listen", Path: path, Err: ErrAddrInUse}
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		// Stale: left by a process that died without removing it.
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	case errors.Is(err, syscall.EAGAIN), os.IsTimeout(err):
		// Live, with a full listen queue.
		return &os.PathError{Op: "listen", Path: path, Err: ErrAddrInUse}
	default:
		return err
	}
}

// removeIfSame removes path if it still names the file id describes.
func removeIfSame(path string, id fs.FileInfo) {
	if id == nil {
		return
	}
	if fi, err := os.Lstat(path); err == nil && os.SameFile(fi, id) {
		os.Remove(path)
	}
}

// peerCred returns the credentials of the process at the other end of a
// unix socket, as they were when it connected.
func peerCred(nc net.Conn) (ControlPeer, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return ControlPeer{}, ErrNoPeerCred
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return ControlPeer{}, err
	}
	var cred *unix.Ucred
	var cerr error
	err = rc.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if err == nil {
		err = cerr
	}
	if err != nil {
		return ControlPeer{}, os.NewSyscallError("getsockopt SO_PEERCRED", err)
	}
	return ControlPeer{UID: int(cred.Uid), GID: int(cred.Gid), PID: int(cred.Pid)}, nil
}

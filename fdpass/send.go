package fdpass

import (
	"errors"
	"net"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// Send writes p and the files to c in one message. The files are
// duplicated into the receiving process; the caller still owns (and may
// close) its own after Send returns, but must not close them during it.
// With files, p must not be empty ([ErrNoData]); more than [MaxFiles] is
// [ErrTooMany], refused before anything is sent. A short write of p is
// completed by more writes, which carry no files.
func Send(c *net.UnixConn, p []byte, files ...*os.File) error {
	var buf [8]int
	fds, err := filesFDs(buf[:0], files)
	if err != nil {
		return err
	}
	oob, err := rightsFor(p, fds)
	if err != nil {
		return err
	}
	n, _, err := c.WriteMsgUnix(p, oob, nil)
	runtime.KeepAlive(files)
	if err == nil && n < len(p) {
		_, err = c.Write(p[n:])
	}
	return err
}

// SendFDs is [Send] on a raw, blocking socket fd, for callers below package
// net. It retries EINTR, and does not allocate.
func SendFDs(sock int, p []byte, fds ...int) error {
	var space [maxRightsSpace]byte
	oob, err := appendRightsFor(space[:0], p, fds)
	if err != nil {
		return err
	}
	for len(p) > 0 || oob != nil {
		n, err := unix.SendmsgN(sock, p, oob, nil, unix.MSG_NOSIGNAL)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return os.NewSyscallError("sendmsg", err)
		}
		p, oob = p[n:], nil
	}
	return nil
}

// rightsFor checks the counts and builds the control message, or nil.
func rightsFor(p []byte, fds []int) ([]byte, error) {
	return appendRightsFor(nil, p, fds)
}

// appendRightsFor is rightsFor appending to oob.
func appendRightsFor(oob, p []byte, fds []int) ([]byte, error) {
	switch {
	case len(fds) == 0:
		return nil, nil
	case len(fds) > MaxFiles:
		return nil, ErrTooMany
	case len(p) == 0:
		return nil, ErrNoData
	}
	return AppendRights(oob, fds...), nil
}

// filesFDs reads the files' fds through SyscallConn, which, unlike Fd,
// leaves a non-blocking file in the netpoller.
func filesFDs(dst []int, files []*os.File) ([]int, error) {
	if len(files) > MaxFiles {
		return nil, ErrTooMany
	}
	for _, f := range files {
		rc, err := f.SyscallConn()
		if err != nil {
			return nil, err
		}
		if err := rc.Control(func(fd uintptr) { dst = append(dst, int(fd)) }); err != nil {
			return nil, err
		}
	}
	return dst, nil
}

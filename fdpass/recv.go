package fdpass

import (
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Recv reads one message into p and returns the files that came with it,
// close-on-exec. It accepts up to [MaxFiles]; [RecvAtMost] takes fewer. At
// the end of the stream it returns [io.EOF].
func Recv(c *net.UnixConn, p []byte) (n int, files []*os.File, err error) {
	return RecvAtMost(c, p, MaxFiles)
}

// RecvAtMost is [Recv] accepting at most limit files: a message with more
// (or one the kernel truncated) has every arrived file closed and returns
// [ErrTruncated], with n still the bytes read into p.
func RecvAtMost(c *net.UnixConn, p []byte, limit int) (n int, files []*os.File, err error) {
	oob := make([]byte, RightsSpace(min(max(limit, 0), MaxFiles)))
	n, oobn, flags, _, err := c.ReadMsgUnix(p, oob) // Linux: MSG_CMSG_CLOEXEC
	if errors.Is(err, io.EOF) {
		return 0, nil, io.EOF
	}
	if err != nil {
		return n, nil, err
	}
	fds, err := checkRights(nil, oob[:oobn], flags, limit)
	if err != nil {
		return n, nil, err
	}
	if n == 0 && len(p) > 0 && len(fds) == 0 {
		return 0, nil, io.EOF
	}
	files = make([]*os.File, len(fds))
	for i, fd := range fds {
		files[i] = os.NewFile(uintptr(fd), "fdpass-"+strconv.Itoa(fd))
	}
	return n, files, nil
}

// RecvFDs is [RecvAtMost] on a raw, blocking socket fd, appending the
// received fds to fds. It retries EINTR, and does not allocate when fds has
// room.
func RecvFDs(sock int, p []byte, fds []int, limit int) (n int, got []int, err error) {
	var space [maxRightsSpace]byte
	oob := space[:RightsSpace(min(max(limit, 0), MaxFiles))]
	for {
		var oobn, flags int
		n, oobn, flags, err = recvmsg(sock, p, oob, unix.MSG_CMSG_CLOEXEC)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return 0, fds, os.NewSyscallError("recvmsg", err)
		}
		start := len(fds)
		got, err := checkRights(fds, oob[:oobn], flags, limit)
		if err != nil {
			return n, fds, err
		}
		if n == 0 && len(p) > 0 && len(got) == start {
			return 0, fds, io.EOF
		}
		return n, got, nil
	}
}

// checkRights appends the fds of the received control message to fds; on
// truncation, or more fds than limit, it closes every fd that arrived and
// returns fds as it was.
func checkRights(fds []int, oob []byte, flags, limit int) ([]int, error) {
	start := len(fds)
	got, err := ParseRights(oob, fds, limit)
	if err == nil && flags&unix.MSG_CTRUNC != 0 {
		err = ErrTruncated
	}
	if err != nil {
		for _, fd := range got[start:] {
			unix.Close(fd)
		}
		return fds, err
	}
	return got, nil
}

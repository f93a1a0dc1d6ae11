package frame

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"unsafe"

	"github.com/release-daemon/release/fdpass"
	"golang.org/x/sys/unix"
)

// WriteFiles writes p as one frame carrying the files, on a Conn made with
// [AcceptFiles] over a unix socket ([ErrFilesRefused] otherwise). The
// files are duplicated into the peer; the caller still owns its own, and
// must keep them open until WriteFiles returns. Up to [fdpass.MaxFiles].
func (c *Conn) WriteFiles(p []byte, files ...*os.File) error {
	return c.WriteFilesContext(context.Background(), p, files...)
}

// WriteFilesContext is [Conn.WriteFiles] that gives up when ctx is done,
// as [Conn.WriteContext] does.
func (c *Conn) WriteFilesContext(ctx context.Context, p []byte, files ...*os.File) error {
	if c.uc == nil {
		return ErrFilesRefused
	}
	if err := c.checkSize(p); err != nil {
		return err
	}
	if len(files) > fdpass.MaxFiles {
		return fdpass.ErrTooMany
	}
	fds, err := filesFDs(files)
	if err != nil {
		return err
	}
	if err := c.lockWrite(ctx); err != nil {
		return err
	}
	defer c.unlockWrite()
	if c.werr != nil {
		return c.werr
	}
	// The files ride on the header's bytes; the payload follows in the same
	// message when it is small, and by plain writes when not.
	c.wbuf = binary.BigEndian.AppendUint32(c.wbuf[:0], uint32(len(p)))
	rest := p
	if len(p) <= c.cfg.smallFrame {
		c.wbuf, rest = append(c.wbuf, p...), nil
	}
	stop := c.watchWrite(ctx)
	sent, _, err := c.uc.WriteMsgUnix(c.wbuf, fdpass.AppendRights(nil, fds...), nil)
	runtime.KeepAlive(files)
	if err == nil {
		c.pend = append(c.pendArr[:0], c.wbuf[sent:], rest)
		var n int
		n, err = c.writePend()
		sent += n
	}
	c.unwatchWrite(stop)
	return canceled(ctx, c.settle(ctx, err, sent))
}

// filesFDs reads the files' fds through SyscallConn, which, unlike Fd,
// leaves a non-blocking file in the netpoller.
func filesFDs(files []*os.File) ([]int, error) {
	fds := make([]int, 0, len(files))
	for _, f := range files {
		rc, err := f.SyscallConn()
		if err != nil {
			return nil, err
		}
		if err := rc.Control(func(fd uintptr) { fds = append(fds, int(fd)) }); err != nil {
			return nil, err
		}
	}
	return fds, nil
}

// ReadFiles is [Conn.Read] returning also the files that came with the
// frame, close-on-exec; the caller owns and closes them. On a Conn without
// [AcceptFiles] it is [ErrFilesRefused]. Read, by contrast, closes the
// files of a frame it returns. A frame whose files the kernel could not
// all pass, as when this process is at its limit of open files, is never
// returned without them: both return [ErrFilesTruncated] instead.
func (c *Conn) ReadFiles() ([]byte, []*os.File, error) {
	if c.uc == nil {
		return nil, nil, ErrFilesRefused
	}
	defer c.readEnded()
	c.rmu.Lock()
	defer c.rmu.Unlock()
	p, fds, err := c.next()
	if err != nil || len(fds) == 0 {
		return p, nil, err
	}
	files := make([]*os.File, len(fds))
	for i, fd := range fds {
		files[i] = os.NewFile(uintptr(fd), "frame-file-"+strconv.Itoa(fd))
	}
	return p, files, nil
}

// recvFiles fills mem[w:] with recvmsg, queueing the fds that come with the
// bytes. The kernel ends a read after the bytes that carried fds, and those
// bytes begin with the header of the frame they belong to: so the fds
// belong to the last frame that starts within this read.
//
// MSG_CTRUNC means the kernel could not pass every fd: the buffer was too
// small (it holds fdpass.MaxFiles, the most one message can carry), or
// this process is at its limit of open files, when no control message
// comes at all. The run is then marked truncated, and its frame fails to
// read with ErrFilesTruncated.
func (c *Conn) recvFiles() (int, error) {
	if err := c.rc.Read(c.recvFn); err != nil {
		return 0, err
	}
	n, oobn, err := c.rn, c.roobn, c.rErrno
	truncated := c.rflags&unix.MSG_CTRUNC != 0
	if err != nil || n == 0 || (oobn == 0 && !truncated) {
		return n, err
	}
	fds, perr := fdpass.ParseRights(c.oob[:oobn], nil, fdpass.MaxFiles)
	if perr != nil || truncated {
		closeFDs(fds)
		fds, truncated = nil, true
	}
	start := c.base + int64(c.w)
	c.rfiles.add(fileRun{start: start, end: start + int64(n), fds: fds, truncated: truncated})
	if held := c.filesHeld(c.w + n); held > fdpass.MaxFiles {
		c.rfiles.closeAll()
		c.nc.Close()
		return 0, fmt.Errorf("%w (%d > %d)", ErrTooManyFiles, held, fdpass.MaxFiles)
	}
	return n, nil
}

// recvmsg is the function c.rc.Read calls with the socket of a Conn that
// accepts files, as read is for the others: one recvmsg into mem[w:] and
// oob, whose fds arrive close-on-exec.
func (c *Conn) recvmsg(fd uintptr) bool { return c.readOnce(fd, true) }

// recvmsg is recvmsg(2) of one buffer and a control buffer, without the
// allocations of unix.Recvmsg.
func recvmsg(fd int, p, oob []byte) (n, oobn, flags int, err error) {
	var iov unix.Iovec
	if len(p) > 0 {
		iov.Base = &p[0]
		iov.SetLen(len(p))
	}
	msg := unix.Msghdr{Iov: &iov}
	msg.SetIovlen(1)
	if len(oob) > 0 {
		msg.Control = &oob[0]
		msg.SetControllen(len(oob))
	}
	r, _, errno := unix.Syscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), unix.MSG_CMSG_CLOEXEC)
	if errno != 0 {
		return 0, 0, 0, errno
	}
	return int(r), int(msg.Controllen), int(msg.Flags), nil
}

// filesHeld counts the fds queued for the frame being read, at mem[r:],
// with mem[:w] read: those of the runs that end within it, whichever frame
// the kernel's rule gives them to. Until its header is in, the frame spans
// at least that.
//
// A peer that sends a frame's files in pieces, and never ends the frame,
// would make the reader hold any number of fds: one frame may carry
// fdpass.MaxFiles, as WriteFiles sends them, and no more.
func (c *Conn) filesHeld(w int) int {
	at := c.base + int64(c.r)
	end := at + HeaderSize
	if w-c.r >= HeaderSize {
		end += int64(binary.BigEndian.Uint32(c.mem[c.r:]))
	}
	n := 0
	for _, run := range c.rfiles.q {
		if at < run.end && run.end <= end {
			n += len(run.fds)
		}
	}
	return n
}

// fileQueue holds fds that arrived with the bytes from start to end of the
// stream, until the frame they belong to is read.
type fileQueue struct {
	q []fileRun
}

type fileRun struct {
	start, end int64
	fds        []int
	truncated  bool // some or all of its fds were lost
}

func (q *fileQueue) add(run fileRun) {
	q.q = append(q.q, run)
}

// take returns the fds of the frame at stream offset at, size bytes long,
// and closes fds of runs the stream has passed without a frame to claim
// them (which the kernel's rule above makes impossible from a sane peer).
// truncated reports a run among them that lost fds.
func (q *fileQueue) take(at, size int64) (got []int, truncated bool) {
	for len(q.q) > 0 && q.q[0].start <= at {
		run := q.q[0]
		if at < run.end && at+size >= run.end {
			got = append(got, run.fds...)
		} else if run.end > at {
			break // a later frame in this run may own it
		} else {
			closeFDs(run.fds)
		}
		truncated = truncated || run.truncated
		q.q = q.q[1:]
	}
	return got, truncated
}

func (q *fileQueue) closeAll() {
	for _, run := range q.q {
		closeFDs(run.fds)
	}
	q.q = nil
}

func closeFDs(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

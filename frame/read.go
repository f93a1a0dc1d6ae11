package frame

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/release-daemon/release/zbuf"
	"golang.org/x/sys/unix"
)

// Read returns the next frame's payload. It is a view into the Conn's read
// buffer, not a copy: valid until the next Read, ReadCopy, ReadFiles or
// Close, after which its bytes may change. Use [Conn.ReadCopy] to keep a
// payload. One read of the socket brings as many frames as have arrived;
// the next Reads return them without a system call.
//
// Between frames the end of the stream is [io.EOF]; inside one it is
// [io.ErrUnexpectedEOF]. A header longer than the Conn's [MaxFrame] is
// [ErrTooLarge]: nothing is allocated for it, and the connection is
// closed. Every error sticks: later Reads return it again.
func (c *Conn) Read() ([]byte, error) {
	defer c.readEnded() // after the unlock: see WatchControl
	c.rmu.Lock()
	defer c.rmu.Unlock()
	p, fds, err := c.next()
	closeFDs(fds) // not asked for: see ReadFiles
	return p, err
}

// ReadCopy is [Conn.Read] returning a copy the caller keeps.
func (c *Conn) ReadCopy() ([]byte, error) {
	p, err := c.Read()
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), p...), nil
}

// ReadContext is [Conn.Read] that gives up when ctx is done, returning
// ctx.Err(). Nothing is lost: bytes of a frame already read stay buffered
// for the next Read. It uses the read deadline, and clears it on return.
func (c *Conn) ReadContext(ctx context.Context) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ctx.Done() == nil { // never done: a plain Read, with no watcher
		return c.Read()
	}
	// Only ctx's own end moves the deadline: a deadline set from
	// ctx.Deadline could fire a moment before ctx reports it is done.
	defer c.readEnded()
	c.rmu.Lock()
	defer c.rmu.Unlock()
	stop := context.AfterFunc(ctx, c.interruptR)
	p, fds, err := c.next()
	closeFDs(fds)
	if !stop() {
		<-c.rfired // see cancel.go
	}
	c.nc.SetReadDeadline(time.Time{})
	if err != nil && ctx.Err() != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		c.rerr = nil // the deadline was ours, not the stream's fault
		return nil, ctx.Err()
	}
	return p, err
}

// next parses the next frame and returns its payload and the files that
// came with it. The caller holds rmu.
func (c *Conn) next() ([]byte, []int, error) {
	if c.rerr != nil {
		return nil, nil, c.rerr
	}
	if c.closed.Load() {
		return nil, nil, ErrClosed
	}
	c.releaseShared()
	if err := c.need(HeaderSize); err != nil {
		return nil, nil, c.fail(err, c.w == c.r)
	}
	for c.cfg.control != nil && c.mem[c.r] == controlMark { // see control.go
		_, size, err := c.controlAt()
		if err != nil {
			c.rerr = err
			c.nc.Close()
			return nil, nil, err
		}
		if err := c.need(size); err != nil {
			return nil, nil, c.fail(err, false)
		}
		c.takeControl(size)
		if err := c.need(HeaderSize); err != nil {
			return nil, nil, c.fail(err, c.w == c.r)
		}
	}
	if c.mem[c.r] == sharedMark && c.sharing() {
		return c.nextShared()
	}
	n := int(binary.BigEndian.Uint32(c.mem[c.r:]))
	if n > c.cfg.maxFrame {
		c.rerr = fmt.Errorf("%w (%d > %d bytes)", ErrTooLarge, n, c.cfg.maxFrame)
		if c.mem[c.r] == sharedMark && !c.cfg.shared {
			c.rerr = fmt.Errorf("%w: its header marks a shared-memory frame, as from a peer using ShareMemory, and this Conn was made without AcceptShared", c.rerr)
		}
		c.nc.Close()
		return nil, nil, c.rerr
	}
	if err := c.need(HeaderSize + n); err != nil {
		return nil, nil, c.fail(err, false)
	}
	start := c.r + HeaderSize
	files, truncated := c.rfiles.take(c.base+int64(c.r), int64(HeaderSize+n))
	if truncated { // never a frame without the files it was sent with
		closeFDs(files)
		c.rerr = ErrFilesTruncated
		return nil, nil, c.rerr
	}
	c.r = start + n
	return c.mem[start : start+n : start+n], files, nil
}

// fail records a read error; the end of the stream is io.EOF only at a
// frame boundary.
func (c *Conn) fail(err error, between bool) error {
	if errors.Is(err, io.EOF) && !between {
		err = io.ErrUnexpectedEOF
	}
	if c.closed.Load() {
		err = ErrClosed
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return err // not sticky: the caller may move the deadline and retry
	}
	c.rerr = err
	return err
}

// need makes sure k bytes are buffered at mem[r:], moving them to the
// front or into a larger buffer if they do not fit, and reading the socket
// until they are there.
func (c *Conn) need(k int) error {
	if c.w-c.r >= k {
		return nil
	}
	if err := c.makeRoom(k); err != nil {
		return err
	}
	for c.w-c.r < k {
		if err := c.fill(); err != nil {
			return err
		}
	}
	return nil
}

// makeRoom gives the buffer room for k bytes from r: the default size when
// that fits, a buffer of k bytes otherwise (at most MaxFrame plus header).
func (c *Conn) makeRoom(k int) error {
	size := max(c.cfg.readBuffer, k)
	if c.mem != nil && len(c.mem)-c.r >= k && (len(c.mem) == size || c.r == 0) {
		return nil
	}
	if c.mem != nil && len(c.mem) == size {
		c.base += int64(c.r)
		c.w = copy(c.mem, c.mem[c.r:c.w])
		c.r = 0
		return nil
	}
	buf, err := zbuf.Make(size, 0)
	if err != nil {
		return err
	}
	mem := buf.Bytes()
	if c.mem != nil {
		c.base += int64(c.r)
		c.w = copy(mem, c.mem[c.r:c.w])
		c.rbuf.Free()
	}
	c.rbuf, c.mem, c.r = buf, mem, 0
	return nil
}

// fill reads what the socket has into mem[w:].
func (c *Conn) fill() error {
	var n int
	var err error
	switch {
	case c.uc != nil:
		n, err = c.recvFiles()
	case c.rc == nil:
		n, err = c.nc.Read(c.mem[c.w:])
	default:
		if err = c.rc.Read(c.readFn); err == nil {
			n, err = c.rn, c.rErrno
		}
	}
	c.w += n
	if n == 0 && err == nil {
		err = io.EOF
	}
	if n > 0 {
		return nil
	}
	return err
}

// read is the function c.rc.Read calls with the socket: one read into
// mem[w:], retrying EINTR, returning false on EAGAIN to wait in the
// netpoller. It is bound once, in New, so reading allocates nothing.
func (c *Conn) read(fd uintptr) bool { return c.readOnce(fd, false) }

// readOnce is read, or recvmsg with msg set: one system call's worth of
// bytes into mem[w:] (and fds into oob), retrying EINTR and spinning as
// SpinReads says.
func (c *Conn) readOnce(fd uintptr, msg bool) bool {
	w := waitState{budget: -1}
	for {
		var n, oobn, flags int
		var err error
		if msg {
			n, oobn, flags, err = recvmsg(int(fd), c.mem[c.w:], c.oob)
		} else {
			n, err = unix.Read(int(fd), c.mem[c.w:])
		}
		switch err {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			if c.again(&w) {
				continue
			}
			return false
		case nil:
			c.rn, c.roobn, c.rflags, c.rErrno = n, oobn, flags, nil
		default:
			c.rn, c.roobn, c.rflags, c.rErrno = 0, 0, 0, os.NewSyscallError(readCall(msg), err)
		}
		if w.spins > 0 {
			c.spin.hit()
		}
		return true
	}
}

// waitState is what one wait for data has done so far: see again.
type waitState struct {
	spins, budget int // budget < 0: not asked yet
}

// again says whether a read that found no data tries again at once (see
// SpinReads and spinner). False: it parks in the netpoller.
func (c *Conn) again(w *waitState) bool {
	if w.budget < 0 {
		w.budget = c.spin.budget(c.cfg.spinReads)
	}
	if w.spins < w.budget {
		w.spins++
		return true
	}
	if w.budget > 0 {
		c.spin.miss()
	}
	return false
}

// readCall names readOnce's system call, for its errors.
func readCall(msg bool) string {
	if msg {
		return "recvmsg"
	}
	return "read"
}

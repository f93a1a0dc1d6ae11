package frame

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/release-daemon/release/fdpass"
	"golang.org/x/sys/unix"
)

// ErrNoWatch means WatchControl on a Conn that cannot be watched: made
// without WithControl, over a connection that is not a socket, or
// watched already.
var ErrNoWatch = errors.New("frame: this connection cannot watch for control frames")

// watchSettle is how long a watcher woken by the end of a Read waits
// before it looks at the Conn: under a steady load of reads it then looks
// at most this often, and the readers handle control frames themselves.
const watchSettle = 5 * time.Millisecond

// watch is a WatchControl's state, reachable from the Conn so that reads
// can wake it and Close can end it.
type watch struct {
	parked atomic.Bool   // waiting for a Read to end
	kick   chan struct{} // a Read ended while parked
	f      *os.File      // a duplicate of the socket, to wait on
	fd     int           // its descriptor, open until the watcher returns
	mu     sync.Mutex
	done   bool // f is closed: fd may be another file's
	peek   [HeaderSize]byte
	buf    []byte               // a control frame read past the read buffer
	need   int                  // how many bytes the next wait wants buffered
	fds    [fdpass.MaxFiles]int // the files that came with one, to close
}

// watchState is what one look at the Conn found.
type watchState int

const (
	watchIdle  watchState = iota // nothing to read: wait for bytes
	watchStuck                   // a reader, or an application frame, is first: wait for a Read
	watchEnded                   // the Conn failed or closed
)

// WatchControl reads the control frames that arrive while no one reads
// the Conn, and gives them to its handler, until ctx is done or the Conn
// fails or closes; it returns ctx.Err() or the Conn's error. Only control
// frames are read, never past the first application frame, which stays
// for the next Read. While a Read runs, the Read handles control frames,
// and WatchControl waits for it to end.
//
// It waits for bytes on a duplicate of the socket's descriptor in the
// netpoller (no timer, no thread), which Close closes. One WatchControl
// at a time per Conn.
func (c *Conn) WatchControl(ctx context.Context) error {
	w, err := c.startWatch()
	if err != nil {
		return err
	}
	defer c.endWatch()
	rc, err := w.f.SyscallConn()
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { w.f.SetReadDeadline(pastDeadline) })
	defer stop()
	wait := func(fd uintptr) bool { return w.ready(int(fd)) }
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()
	for {
		state := c.look(w)
		if err := ctx.Err(); err != nil {
			return err
		}
		switch state {
		case watchEnded:
			return c.watchErr()
		case watchIdle:
			if err := rc.Read(wait); err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() != nil {
					return ctx.Err()
				}
				if c.closed.Load() {
					return ErrClosed
				}
				return err
			}
		case watchStuck:
			select {
			case <-w.kick:
			case <-ctx.Done():
				return ctx.Err()
			}
			settle.Reset(watchSettle)
			select {
			case <-settle.C:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}

// startWatch makes the watch and its duplicate descriptor.
func (c *Conn) startWatch() (*watch, error) {
	if c.cfg.control == nil || c.rc == nil {
		return nil, ErrNoWatch
	}
	var dup int
	derr := error(syscall.EINVAL)
	if err := c.rc.Control(func(fd uintptr) {
		dup, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, os.NewSyscallError("fcntl", derr)
	}
	w := &watch{kick: make(chan struct{}, 1), f: os.NewFile(uintptr(dup), "control watch"), fd: dup}
	if !c.watch.CompareAndSwap(nil, w) {
		w.f.Close()
		return nil, ErrNoWatch
	}
	if c.closed.Load() { // Close ran before the watch was there to end
		c.endWatch()
		return nil, ErrClosed
	}
	return w, nil
}

// endWatch closes the duplicate.
func (c *Conn) endWatch() {
	if w := c.watch.Swap(nil); w != nil {
		w.mu.Lock()
		w.done = true
		w.f.Close()
		w.mu.Unlock()
	}
}

// closeWatch, from Close, ends the connection for the peer at once, which
// the duplicate would otherwise keep open until the watcher returns, and
// wakes the watcher.
func (c *Conn) closeWatch() {
	w := c.watch.Load()
	if w == nil {
		return
	}
	w.mu.Lock()
	if !w.done && !c.detached.Load() { // a detached stream goes on elsewhere
		unix.Shutdown(w.fd, unix.SHUT_RDWR)
		w.f.SetReadDeadline(pastDeadline)
	}
	w.mu.Unlock()
	w.parked.Store(true)
	w.kickNow()
}

// readEnded, at the end of every Read, wakes a watcher waiting for one.
func (c *Conn) readEnded() {
	if c.cfg.control == nil {
		return
	}
	if w := c.watch.Load(); w != nil && w.parked.Load() {
		w.kickNow()
	}
}

func (w *watch) kickNow() {
	if w.parked.CompareAndSwap(true, false) {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
}

func (c *Conn) watchErr() error {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.closed.Load() {
		return ErrClosed
	}
	return c.rerr
}

// look handles the control frames first in line, if no Read runs, and
// says what to wait for next.
func (c *Conn) look(w *watch) watchState {
	if !c.rmu.TryLock() {
		return c.park(w)
	}
	state := c.lookLocked(w)
	c.rmu.Unlock()
	if state == watchStuck {
		return c.park(w)
	}
	return state
}

// park marks the watcher as waiting for a Read to end, then looks again,
// in case the Read ended before the mark: its wake-up would be lost.
func (c *Conn) park(w *watch) watchState {
	w.parked.Store(true)
	if !c.rmu.TryLock() {
		return watchStuck
	}
	state := c.lookLocked(w)
	c.rmu.Unlock()
	if state != watchStuck && !w.parked.CompareAndSwap(true, false) {
		<-w.kick // a Read woke us meanwhile: drop its token
	}
	return state
}

// lookLocked handles the control frames first in line: those in the read
// buffer, then those waiting whole in the socket. It never moves the
// buffer's bytes, which the last Read's view may still use, nor reads an
// application frame. The caller holds rmu.
func (c *Conn) lookLocked(w *watch) watchState {
	for {
		if c.rerr != nil || c.closed.Load() {
			return watchEnded
		}
		if c.r < c.w {
			is, size, err := c.controlAt()
			switch {
			case err != nil:
				c.rerr = err
				c.nc.Close()
				return watchEnded
			case !is:
				return watchStuck
			case size > 0 && c.w-c.r >= size:
				c.takeControl(size)
				continue
			}
			// A control frame's start is buffered, its end is not: a
			// Read will join them.
			return watchStuck
		}
		st := c.takeWaiting(w)
		if st != watchIdle || w.need == 0 {
			return st
		}
		if w.need < 0 {
			w.need = 0
			continue
		}
		return watchIdle
	}
}

// takeWaiting reads the control frame first in the socket, if it is
// there whole, past the read buffer, and hands it on; it sets w.need to
// -1 when it did, or to the bytes the next wait needs. The caller holds
// rmu and has nothing buffered.
func (c *Conn) takeWaiting(w *watch) watchState {
	fd := w.fd
	n, err := peek(fd, w.peek[:])
	switch {
	case err == unix.EAGAIN || (err == nil && n > 0 && n < HeaderSize && w.peek[0] == controlMark):
		w.need = max(n+1, 1)
		return watchIdle
	case err != nil:
		return watchStuck // a Read will meet the error
	case n == 0:
		return watchStuck // the end of the stream: a Read will meet it
	case w.peek[0] != controlMark:
		return watchStuck // an application frame: for a Read
	}
	size := HeaderSize + int(binary.BigEndian.Uint16(w.peek[2:]))
	if size > HeaderSize+MaxControlPayload {
		return watchStuck // a Read will fail on it
	}
	if cap(w.buf) < size {
		w.buf = make([]byte, HeaderSize+MaxControlPayload)
	}
	buf := w.buf[:size]
	if n, err := peek(fd, buf); err != nil || n < size {
		w.need = size
		return watchIdle
	}
	if err := recvExactly(fd, buf, w.fds[:]); err != nil {
		c.rerr = err
		c.nc.Close()
		return watchEnded
	}
	c.base += int64(size) // the stream moved on past the buffer
	w.need = -1
	c.cfg.control(buf[1], buf[HeaderSize:size:size])
	return watchIdle
}

// ready is the wait's test: whether the socket holds what the watcher
// needs (or anything, when it needs nothing in particular), or an error.
func (w *watch) ready(fd int) bool {
	want := max(w.need, 1)
	if cap(w.buf) < want {
		w.buf = make([]byte, HeaderSize+MaxControlPayload)
	}
	n, err := peek(fd, w.buf[:want])
	return err != unix.EAGAIN && (err != nil || n == 0 || n >= want)
}

// recvExactly takes len(p) bytes that peek saw waiting, into p; files
// that came with them, which no control frame carries, are closed. fds
// is room for their numbers, so that nothing is allocated.
func recvExactly(fd int, p []byte, fds []int) error {
	for len(p) > 0 {
		n, got, err := fdpass.RecvFDs(fd, p, fds[:0], fdpass.MaxFiles)
		closeFDs(got)
		if err == io.EOF {
			return errors.New("frame: the stream ended inside a control frame")
		}
		if err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

// TakeControl hands the control frames first in line, buffered or waiting
// in the socket, to the handler now, as WatchControl would, without
// waiting for more to arrive: for a peer that has gone, so that the last
// messages it sent are not lost when the Conn is closed. It waits for a
// Read in progress to end, until ctx is done.
func (c *Conn) TakeControl(ctx context.Context) error {
	if c.cfg.control == nil || c.rc == nil {
		return ErrNoWatch
	}
	for !c.rmu.TryLock() {
		t := time.NewTimer(time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	defer c.rmu.Unlock()
	var err error
	// Control keeps the descriptor open while it is used: Close cannot
	// free its number for another file meanwhile.
	if cerr := c.rc.Control(func(fd uintptr) {
		if c.lookLocked(&watch{fd: int(fd)}) == watchEnded {
			err = c.rerr
		}
	}); cerr != nil {
		return cerr
	}
	return err
}

// Unread reports whether bytes the peer sent wait to be read, in the read
// buffer or in the socket, or a Read is in progress: after the peer has
// gone, it tells whether the reader has taken everything it sent.
func (c *Conn) Unread() bool {
	if !c.rmu.TryLock() {
		return true
	}
	defer c.rmu.Unlock()
	if c.closed.Load() || c.rerr != nil {
		return false
	}
	if c.r < c.w {
		return true
	}
	if c.rc == nil {
		return false
	}
	waiting := false
	c.rc.Control(func(fd uintptr) {
		var b [1]byte
		n, err := peek(int(fd), b[:])
		waiting = err == nil && n > 0
	})
	return waiting
}

package frame

import (
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/release-daemon/release/fdpass"
	"github.com/release-daemon/release/zbuf"
	"golang.org/x/sys/unix"
)

// HeaderSize is the length of a frame's header: the payload length as a
// 4-byte big-endian unsigned integer.
const HeaderSize = 4

// maxWire is the largest length a header can hold.
const maxWire = 1<<32 - 1

// Conn reads and writes frames on a stream connection. Writes are safe
// from many goroutines at once, each frame written whole; reads are for one
// goroutine at a time. Make one with [New].
type Conn struct {
	nc  net.Conn
	uc  *net.UnixConn   // set when files are accepted
	rc  syscall.RawConn // nil: plain Read and Write on nc
	cfg config

	wheld      atomic.Bool   // the write lock: see lockWrite
	wwaiting   atomic.Int32  // writers waiting for it
	wfree      chan struct{} // a token when it was freed with writers waiting
	wbuf       []byte        // small frames, coalesced
	hdr        [HeaderSize]byte
	pend       [][]byte // what is left to write
	pendArr    [][]byte // pend\'s array, reused
	iov        []unix.Iovec
	werr       error // sticky: a failed write leaves the stream cut
	sndbuf     int   // the send buffer asked for: see fitSendBuffer
	writeFn    func(fd uintptr) bool
	wn         int
	wErrno     error
	wfired     chan struct{} // interruptW has run: see cancel.go
	interruptW func()

	rmu        sync.Mutex  // held by Read, so that Close frees nothing under it
	rbuf       zbuf.Buffer // the read buffer, off the Go heap
	mem        []byte      // rbuf's memory, all of it
	r, w       int         // unread bytes are mem[r:w]
	base       int64       // the stream offset of mem[0]
	rerr       error       // sticky
	readFn     func(fd uintptr) bool
	recvFn     func(fd uintptr) bool // readFn's twin for a Conn with files
	oob        []byte                // recvFn's control buffer
	rn         int
	roobn      int // of oob, by recvFn
	rflags     int // recvmsg's, by recvFn
	rErrno     error
	spin       spinner
	rfiles     fileQueue     // files that arrived, by stream offset
	rfired     chan struct{} // interruptR has run: see cancel.go
	interruptR func()

	watch atomic.Pointer[watch] // see WatchControl

	tx, rx    atomic.Pointer[ring] // shared memory, once set up: see shm.go
	shareOnce atomic.Bool          // set up, or being set up

	closeOnce sync.Once
	closed    atomic.Bool
	detached  atomic.Bool // see Detach
}

// New returns a Conn reading and writing frames on nc, which must be a
// stream connection (a unix or TCP socket, or anything else carrying a byte
// stream). The Conn owns nc from then on: Close closes it. New(nc) with no
// options has a 16 MiB frame limit and a 64 KiB read buffer.
func New(nc net.Conn, opts ...Option) *Conn {
	c := &Conn{nc: nc, cfg: newConfig(opts)}
	c.spin = newSpinner(c.cfg.spinReads)
	if sc, ok := nc.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			c.rc = rc
		}
	}
	if uc, ok := nc.(*net.UnixConn); ok && c.cfg.files && c.rc != nil {
		c.uc, c.oob = uc, make([]byte, fdpass.MaxFiles*4+64)
	}
	c.wfree = make(chan struct{}, 1)
	c.wfired, c.rfired = make(chan struct{}, 1), make(chan struct{}, 1)
	c.writeFn, c.interruptW = c.writev, c.interruptWrite
	c.readFn, c.recvFn, c.interruptR = c.read, c.recvmsg, c.interruptRead
	c.fillPending()
	return c
}

// NetConn returns the connection under c.
func (c *Conn) NetConn() net.Conn { return c.nc }

// Close closes the connection and frees the read buffer, and closes any
// files that arrived and were not read. Views from Read are invalid after
// it. A second Close returns [ErrClosed].
func (c *Conn) Close() error {
	err := ErrClosed
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		c.closeWatch()
		err = c.nc.Close() // wakes a Read blocked in the netpoller
		c.rmu.Lock()
		c.release()
		c.rmu.Unlock()
		c.closeShared()
	})
	return err
}

// release frees what the reader holds. The caller holds rmu.
func (c *Conn) release() {
	if c.mem != nil {
		c.rbuf.Free()
		c.mem = nil
	}
	c.rfiles.closeAll()
}

// SetDeadline sets the read and write deadlines; see [net.Conn]. A
// deadline that passes is an error matching [os.ErrDeadlineExceeded].
func (c *Conn) SetDeadline(t time.Time) error { return c.nc.SetDeadline(t) }

// SetReadDeadline sets the deadline for Read and its kin.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.nc.SetReadDeadline(t) }

// SetWriteDeadline sets the deadline for Write and its kin.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.nc.SetWriteDeadline(t) }

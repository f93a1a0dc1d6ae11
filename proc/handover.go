package proc

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/release-daemon/release/frame"
	"golang.org/x/sys/unix"
)

// Connection hand-over. Each worker has a second socket to its master,
// beside fd 3, named by RELEASE_HANDOVER_FD: frames on it carry client
// connections (one file each) and the bytes their worker had read but
// not consumed. When a reload or an upgrade replaces a worker whose Me
// has MeOptions.Drain and Adopt, the master asks it to drain; it stops
// accepting, hands each live connection back at a message boundary with
// HandOver, and exits; the master passes each one to a ready worker of
// the new generation, whose Adopt serves it from where the old one left
// off. The client sees nothing: its socket was never closed.
//
// The messages, one frame each: a kind byte, then the kind's payload.
const (
	handHello = 'H' // worker to master: it can hand over and adopt; no payload
	handConn  = 'C' // either way, with one file: a connection; the unread bytes
	handDrain = 'D' // master to worker: drain within the 4-byte milliseconds given
)

// handoverEnv names the worker's hand-over socket.
const handoverEnv = "RELEASE_HANDOVER_FD"

// MaxHandOver bounds the bytes a connection can carry with it through
// HandOver: what its worker read but did not consume.
const MaxHandOver = 64 << 10

// current is the hand-over socket of the Me that runs, for HandOver.
var currentHandover atomic.Pointer[frame.Conn]

// HandOver gives a client connection back to the master, for a worker of
// the new generation to serve, with the bytes this worker read from it
// but did not consume (at most MaxHandOver): a worker's MeOptions.Drain
// calls it for each live connection, at a message boundary, once it has
// answered every message it consumed. On success conn is closed here
// (the socket lives on in the master and the next worker); on error the
// caller still owns it and should close it. c must be a connection with
// a File method (TCP, unix), and the worker must run under Me.
func HandOver(conn net.Conn, unread []byte) error {
	hc := currentHandover.Load()
	if hc == nil {
		return fmt.Errorf("%w: no hand-over socket (not a worker, or Me has returned)", ErrHandOver)
	}
	if len(unread) > MaxHandOver {
		return fmt.Errorf("%w: %d unread bytes, more than MaxHandOver", ErrHandOver, len(unread))
	}
	fc, ok := conn.(interface{ File() (*os.File, error) })
	if !ok {
		return fmt.Errorf("%w: a %T has no file to pass", ErrHandOver, conn)
	}
	f, err := fc.File()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrHandOver, err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), reportWait)
	defer cancel()
	msg := append([]byte{handConn}, unread...)
	if err := hc.WriteFilesContext(ctx, msg, f); err != nil {
		return fmt.Errorf("%w: %w", ErrHandOver, err)
	}
	conn.Close()
	return nil
}

// workerHandover is Me's side of the hand-over socket.
type workerHandover struct {
	c      *frame.Conn
	drain  func(ctx context.Context)
	adopt  func(net.Conn, []byte)
	cancel context.CancelFunc // main's ctx, ended once Drain returns
	wg     sync.WaitGroup
}

// openHandover takes the hand-over socket the master passed, if any, and
// says hello when the worker can drain and adopt.
func openHandover(opts MeOptions, cancelMain context.CancelFunc) *workerHandover {
	v, ok := os.LookupEnv(handoverEnv)
	os.Unsetenv(handoverEnv)
	fd, err := strconv.Atoi(v)
	if !ok || err != nil || fd < 3 {
		return nil
	}
	if !isSocket(fd) {
		return nil
	}
	unix.CloseOnExec(fd)
	f := os.NewFile(uintptr(fd), "hand-over socket")
	nc, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return nil
	}
	h := &workerHandover{c: frame.New(nc, frame.AcceptFiles, frame.MaxFrame(MaxHandOver+1)),
		drain: opts.Drain, adopt: opts.Adopt, cancel: cancelMain}
	currentHandover.Store(h.c)
	if h.drain != nil && h.adopt != nil {
		ctx, cancel := context.WithTimeout(context.Background(), reportWait)
		h.c.WriteContext(ctx, []byte{handHello})
		cancel()
	}
	h.wg.Go(h.serve)
	return h
}

// serve takes the master's messages until the socket closes.
func (h *workerHandover) serve() {
	for {
		p, files, err := h.c.ReadFiles()
		if err != nil {
			return
		}
		switch {
		case len(p) == 5 && p[0] == handDrain && h.drain != nil:
			d := time.Duration(binary.BigEndian.Uint32(p[1:])) * time.Millisecond
			h.wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), d)
				defer cancel()
				h.drain(ctx)
				h.cancel()
			})
		case len(p) >= 1 && p[0] == handConn && len(files) == 1 && h.adopt != nil:
			unread := append([]byte(nil), p[1:]...) // p is valid until the next read
			conn, err := net.FileConn(files[0])
			if err == nil {
				h.adopt(conn, unread)
			}
		}
		for _, f := range files {
			f.Close()
		}
	}
}

// close ends the hand-over socket, as Me returns.
func (h *workerHandover) close() {
	if h == nil {
		return
	}
	currentHandover.CompareAndSwap(h.c, nil)
	h.c.Close()
	h.wg.Wait()
}

// errNoTarget: no worker could take a connection handed over.
var errNoTarget = errors.New("no ready worker of the new generation takes connections")

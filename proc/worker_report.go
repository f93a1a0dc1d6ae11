package proc

import (
	"context"
	"encoding/binary"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/release-daemon/release/frame"
	"golang.org/x/sys/unix"
)

// workerLink is the worker's side of supervision, while Me runs: it tells
// the master the worker is ready or could not start, and answers its
// heartbeats.
type workerLink struct {
	c        *frame.Conn
	probe    func(context.Context) error
	reported atomic.Bool   // ready or failed went out
	seq      atomic.Uint64 // of the last ping
	pinged   chan struct{}
	pong     []byte
}

// currentLink is the link of the Me that runs, for Ready and Fail.
var currentLink atomic.Pointer[workerLink]

// reportWait bounds how long Ready or Fail in a worker waits to send its
// message to a master that does not read.
const reportWait = 5 * time.Second

// failReadWait bounds how long a worker that failed its start waits for
// the master to read why, before it goes on (and exits).
const failReadWait = time.Second

func newWorkerLink(probe func(context.Context) error) *workerLink {
	return &workerLink{probe: probe, pinged: make(chan struct{}, 1), pong: make([]byte, 0, 9+maxReportText)}
}

// control takes the master's messages: pings, for the responder.
func (l *workerLink) control(kind byte, p []byte) {
	if kind == msgPing && len(p) == 8 {
		l.seq.Store(binary.BigEndian.Uint64(p))
		select {
		case l.pinged <- struct{}{}:
		default:
		}
	}
}

// report sends ready, or failed with its reason, once; later reports do
// nothing. A worker that failed is about to exit, and the master, seeing
// it gone, closes its connection: so a failure waits, within
// failReadWait, until the master has read it, lest the exit overtake the
// reason and the master report a worker that died without a word.
func (l *workerLink) report(kind byte, text string) error {
	if !l.reported.CompareAndSwap(false, true) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), reportWait)
	defer cancel()
	err := l.c.WriteControl(ctx, kind, []byte(text[:min(len(text), maxReportText)]))
	if err != nil || kind != msgFailed {
		return err
	}
	ctx, cancel = context.WithTimeout(context.Background(), failReadWait)
	defer cancel()
	return waitRead(ctx, l.c.NetConn())
}

// waitRead waits until the peer has read all that was sent on nc (its
// send queue, SIOCOUTQ, is empty: a unix socket counts the bytes its peer
// has not taken yet), checking every millisecond, or until ctx ends.
func waitRead(ctx context.Context, nc net.Conn) error {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		var queued int
		var qerr error
		if err := rc.Control(func(fd uintptr) { queued, qerr = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ) }); err != nil {
			return err
		}
		if qerr != nil {
			return os.NewSyscallError("ioctl SIOCOUTQ", qerr)
		}
		if queued == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// answer runs while heartbeats come: each ping gets the probe's verdict.
// The probe runs here, never on a goroutine that reads, so a probe that
// blocks delays its answers, which the master then counts as missed. The
// answers are written with a context that never ends (frame watches one
// that can with context.AfterFunc, two allocations a write): the link's
// stop ends a write stuck on a master that does not read.
func (l *workerLink) answer(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.pinged:
		}
		seq, status, text := l.seq.Load(), byte(pongHealthy), ""
		if l.probe != nil {
			if err := l.probe(ctx); err != nil {
				status, text = pongUnhealthy, err.Error()
			}
		}
		l.pong = appendPong(l.pong[:0], seq, status, text)
		if l.c.WriteControl(context.Background(), msgPong, l.pong) != nil {
			return
		}
	}
}

// start links the worker to its master for Ready, Fail and, when the
// master sends heartbeats, their answers; the returned function ends it,
// as Me returns: with heartbeats, c's writes time out from then on, since
// Me closes it next.
func (l *workerLink) start(ctx context.Context, c *frame.Conn, heartbeat time.Duration) (stop func()) {
	l.c = c
	currentLink.Store(l)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if heartbeat > 0 {
		wg.Go(func() { c.WatchControl(ctx) })
		wg.Go(func() { l.answer(ctx) })
	}
	return func() {
		currentLink.CompareAndSwap(l, nil)
		cancel()
		if heartbeat > 0 {
			c.SetWriteDeadline(time.Unix(1, 0)) // an answer stuck on a master that does not read
		}
		wg.Wait()
	}
}

// reportWorker is Ready's and Fail's part in a worker: it reports whether
// the process is one, and sends the message to its master.
func reportWorker(kind byte, text string) (bool, error) {
	l := currentLink.Load()
	if l == nil {
		return false, nil
	}
	return true, l.report(kind, text)
}

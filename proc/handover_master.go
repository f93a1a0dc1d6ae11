package proc

import (
	"context"
	"encoding/binary"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/release-daemon/release/frame"
	"golang.org/x/sys/unix"
)

// DefaultDrainTimeout is Master.DrainTimeout's default.
const DefaultDrainTimeout = 30 * time.Second

// handoverPair makes a worker's hand-over socket: the master's end as a
// Conn, and the worker's end to pass (close-on-exec: the dup2 into the
// worker clears it there). It adds the worker's end to files, and names
// it in env.
func handoverPair(files []*os.File, env []string) (*frame.Conn, []*os.File, []string, func(), error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, nil, nil, os.NewSyscallError("socketpair", err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "hand-over socket"), os.NewFile(uintptr(fds[1]), "worker hand-over socket")
	nc, err := net.FileConn(ours)
	ours.Close()
	if err != nil {
		theirs.Close()
		return nil, nil, nil, nil, err
	}
	env = append(env, handoverEnv+"="+strconv.Itoa(len(files)))
	c := frame.New(nc, frame.AcceptFiles, frame.MaxFrame(MaxHandOver+1))
	return c, append(files, theirs), env, func() { theirs.Close() }, nil
}

// serveHandover reads the worker's hand-over socket until the worker is
// gone and all it sent is read: its hello, and the connections it hands
// back, each passed on to a worker of the new generation.
func (r *run) serveHandover(s *slot, t *tenure) {
	for {
		p, files, err := t.hand.ReadFiles()
		if err != nil {
			return
		}
		switch {
		case len(p) == 1 && p[0] == handHello:
			t.canHand.Store(true)
		case len(p) >= 1 && p[0] == handConn && len(files) == 1:
			r.passOn(s.w, t, files[0], p[1:])
		}
		for _, f := range files {
			f.Close()
		}
	}
}

// passOn gives a connection a worker handed back to a ready worker of
// the same Worker that holds its slot and adopts connections, round
// robin, waiting for one within the drain deadline; the connection is
// closed only when none came.
func (r *run) passOn(w *Worker, from *tenure, conn *os.File, unread []byte) {
	msg := append([]byte{handConn}, unread...)
	deadline := time.Now().Add(r.cfg.DrainTimeout)
	for {
		for _, to := range r.adopters(w, from) {
			ctx, cancel := context.WithTimeout(r.ctx, reportWait)
			err := to.hand.WriteFilesContext(ctx, msg, conn)
			cancel()
			if err == nil {
				r.handedOver.Add(1)
				return
			}
		}
		if time.Now().After(deadline) || r.ctx.Err() != nil {
			r.handoverLost.Add(1)
			r.log.Warn("a connection handed over was closed", "worker", w.Name, "from", from.pid, "err", errNoTarget)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// adopters are the workers of w that can take a connection now, starting
// from the next in turn.
func (r *run) adopters(w *Worker, from *tenure) []*tenure {
	var out []*tenure
	for _, s := range r.table {
		if s.w != w {
			continue
		}
		t := s.running()
		if t != nil && t != from && t.canHand.Load() && t.health.isReady() {
			out = append(out, t)
		}
	}
	if n := len(out); n > 1 {
		k := int(r.turn.Add(1) % uint64(n))
		out = append(out[k:], out[:k]...)
	}
	return out
}

// askDrain asks t's worker to hand its connections over and exit, within
// the drain deadline; it reports whether the worker can.
func (r *run) askDrain(t *tenure) bool {
	if !t.canHand.Load() {
		return false
	}
	msg := binary.BigEndian.AppendUint32([]byte{handDrain}, uint32(r.cfg.DrainTimeout/time.Millisecond))
	ctx, cancel := context.WithTimeout(r.ctx, reportWait)
	defer cancel()
	return t.hand.WriteContext(ctx, msg) == nil
}

package frame

import (
	"context"
	"fmt"
	"time"
)

// Detach ends c's use of its connection at a frame boundary in both
// directions, so that another owner can go on with the stream where c
// left it: a new program image after an exec, or another Conn. It waits,
// within ctx, for a write in progress to end; ends a read in progress
// (the read deadline); and returns the bytes c read from the connection
// but has not returned yet, which the next owner must read first (see
// [Pending]). Files that came with them are closed: pass nothing with
// frames across a Detach. From then on c's reads and writes fail with
// [ErrDetached]; Close closes c's descriptor without ending the
// connection for the peer.
//
// A write cut short by a canceled context (ErrWriteCut) leaves no frame
// boundary to detach at: Detach returns that error. A Conn that shares
// memory ([Conn.ShareMemory]) cannot be detached: its rings are its own
// (ErrSharedRefused).
func (c *Conn) Detach(ctx context.Context) ([]byte, error) {
	if c.sharing() {
		return nil, fmt.Errorf("%w: it shares memory, which does not move to another owner", ErrSharedRefused)
	}
	if err := c.lockWrite(ctx); err != nil {
		return nil, err
	}
	werr := c.werr
	if werr == nil {
		c.werr = ErrDetached
	}
	c.unlockWrite()
	if werr != nil {
		return nil, werr
	}
	c.detached.Store(true)
	c.nc.SetReadDeadline(time.Unix(1, 0)) // wakes a Read in the netpoller
	defer c.nc.SetReadDeadline(time.Time{})
	for !c.rmu.TryLock() {
		t := time.NewTimer(time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	defer c.rmu.Unlock()
	if c.rerr != nil && c.rerr != ErrDetached {
		return nil, c.rerr
	}
	c.rerr = ErrDetached
	var pending []byte
	if c.r < c.w {
		pending = append(pending, c.mem[c.r:c.w]...)
	}
	c.r = c.w
	c.rfiles.closeAll()
	return pending, nil
}

// Pending makes a new Conn read p first, before what its connection
// brings: the bytes another Conn on the same stream had read but not
// returned when it was detached ([Conn.Detach]).
func Pending(p []byte) Option { return pending{p} }

type pending struct{ p []byte }

func (p pending) apply(c *config) { c.pending = p.p }

// fillPending buffers the pending bytes of a new Conn.
func (c *Conn) fillPending() {
	if len(c.cfg.pending) == 0 {
		return
	}
	if err := c.makeRoom(len(c.cfg.pending)); err != nil {
		c.rerr = err
		return
	}
	c.w = copy(c.mem, c.cfg.pending)
	c.cfg.pending = nil
}

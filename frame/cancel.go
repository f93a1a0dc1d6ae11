package frame

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// A read or a write blocked in the netpoller gives up when its context
// ends: context.AfterFunc sets the deadline in the past, which wakes it,
// and the call returns ctx.Err() rather than the deadline's error. The
// watcher may fire just as the call ends by itself; the call then waits
// for it before clearing the deadline, so that a late watcher never
// leaves a past deadline behind for the next call.

// pastDeadline is a deadline long gone.
var pastDeadline = time.Unix(1, 0)

func (c *Conn) interruptWrite() {
	c.nc.SetWriteDeadline(pastDeadline)
	c.wfired <- struct{}{}
}

func (c *Conn) interruptRead() {
	c.nc.SetReadDeadline(pastDeadline)
	c.rfired <- struct{}{}
}

// watchWrite makes ctx's end interrupt the writes that follow, until
// unwatchWrite(stop). The caller holds the write lock.
func (c *Conn) watchWrite(ctx context.Context) (stop func() bool) {
	if ctx.Done() == nil {
		return nil
	}
	return context.AfterFunc(ctx, c.interruptW)
}

func (c *Conn) unwatchWrite(stop func() bool) {
	if stop != nil && !stop() {
		<-c.wfired
		c.nc.SetWriteDeadline(time.Time{})
	}
}

// lockWrite takes the write lock, unless ctx ends first. A ctx already
// done never takes it, so a canceled write sends nothing.
//
// The lock is a flag taken with a compare-and-swap, as sync.Mutex's fast
// path, so that an uncontended write costs no more than with a mutex; a
// writer that finds it taken waits on wfree, where unlockWrite drops a
// token whenever someone may be waiting, and can stop waiting when ctx
// ends. A waiter counts itself before it tries the flag, and the unlocker
// frees the flag before it looks at the count: so either the waiter finds
// the flag free, or the unlocker sees the waiter and leaves a token. It is
// not first come, first served: a writer arriving as the lock is freed
// may take it before one that waited.
func (c *Conn) lockWrite(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.wheld.CompareAndSwap(false, true) {
		return nil
	}
	c.wwaiting.Add(1)
	defer c.wwaiting.Add(-1)
	for !c.wheld.CompareAndSwap(false, true) {
		select {
		case <-c.wfree:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := ctx.Err(); err != nil { // it ended while we waited
		c.unlockWrite()
		return err
	}
	return nil
}

func (c *Conn) unlockWrite() {
	c.wheld.Store(false)
	if c.wwaiting.Load() > 0 {
		select {
		case c.wfree <- struct{}{}:
		default: // a token is there already
		}
	}
}

// settle says what a write that failed with err, after sent bytes of its
// frames went out, leaves behind. Interrupted by ctx with nothing sent,
// the Conn is as it was: ctx.Err(). With part sent, the stream is cut
// inside a frame: the Conn fails for good with [ErrWriteCut], and shuts
// its writing side so that the peer sees the stream end there rather than
// wait for the rest. Any other failure sticks as it is. The caller holds
// the write lock.
func (c *Conn) settle(ctx context.Context, err error, sent int) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && (err == ctx.Err() || errors.Is(err, os.ErrDeadlineExceeded)) {
		if sent == 0 {
			return ctx.Err()
		}
		c.werr = fmt.Errorf("%w (after %d bytes)", ErrWriteCut, sent)
		if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
		return c.werr
	}
	if c.closed.Load() {
		err = ErrClosed
	}
	c.werr = err
	return err
}

// canceled is what a write that ctx cut returns to its caller: ctx.Err(),
// as for any cancellation. Later writes return ErrWriteCut.
func canceled(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil && errors.Is(err, ErrWriteCut) {
		return ctx.Err()
	}
	return err
}

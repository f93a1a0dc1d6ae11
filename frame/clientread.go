package frame

import (
	"context"
	"errors"
	"os"
	"time"
)

// readLocked reads for everyone as w (see readFor), then mends the
// reading rule. It returns ctx.Err() if ctx ended the read. The caller
// holds mu; readLocked releases it while it reads.
func (cl *Client[Req, Resp]) readLocked(ctx context.Context, w *waiter[Resp]) error {
	cl.reader = w
	cl.mu.Unlock()
	err := cl.readFor(ctx, w)
	cl.mu.Lock()
	cl.reader = nil
	cl.unnudgeLocked()
	switch {
	case err == errNudged:
	case err != nil && ctx.Err() != nil:
		cl.cancelLocked(w)
		return ctx.Err()
	case err != nil:
		cl.failLocked(err)
	}
	cl.wakeReaderLocked()
	return nil
}

// errNudged is readFor's answer to nudgeLocked.
var errNudged = errors.New("frame: the reader was told to stop")

// readFor reads responses, handing each to its caller, until w has its
// own, ctx is done, reading fails, or the reader is nudged.
func (cl *Client[Req, Resp]) readFor(ctx context.Context, w *waiter[Resp]) error {
	for {
		p, err := cl.c.ReadContext(ctx)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				cl.mu.Lock()
				nudged := cl.nudged
				cl.mu.Unlock()
				if nudged {
					return errNudged
				}
			}
			return err
		}
		resp, derr := cl.resp.Decode(p) // p is valid until the next Read
		cl.mu.Lock()
		next := cl.inflight.pop()
		if next == nil {
			cl.mu.Unlock()
			return errors.New("frame: a response with no request")
		}
		cl.answerLocked(next, result[Resp]{resp: resp, err: derr})
		stop := next == w || cl.nudged
		cl.mu.Unlock()
		if stop {
			return nil
		}
	}
}

// nudgeLocked tells the reader to stop: a read deadline in the past wakes
// a read blocked in the netpoller, and the flag tells readFor it was not
// the stream's fault. Both are set under mu, and cleared under mu once
// the reader has stopped, in whatever order the read and the nudge met.
func (cl *Client[Req, Resp]) nudgeLocked() {
	cl.nudged = true
	cl.c.nc.SetReadDeadline(pastDeadline)
}

func (cl *Client[Req, Resp]) unnudgeLocked() {
	if cl.nudged {
		cl.nudged = false
		cl.c.nc.SetReadDeadline(time.Time{})
	}
}

// answerLocked gives a caller its result, unless it gave up waiting.
func (cl *Client[Req, Resp]) answerLocked(w *waiter[Resp], r result[Resp]) {
	if !w.canceled && !w.answered {
		w.answered = true
		w.done <- r
	}
}

// wakeReaderLocked mends the reading rule in Client's doc: if no one
// reads and no leader is on its way, it wakes a caller waiting for a
// response to a request in flight, the oldest, other than the writer
// (busy writing). Any caller it wakes can read: readFor hands on the
// responses that come before its own.
func (cl *Client[Req, Resp]) wakeReaderLocked() {
	if cl.reader != nil || cl.err != nil {
		return
	}
	if l := cl.leader; l != nil && l.sent && !l.canceled && !l.answered {
		return
	}
	cl.leader = nil
	for _, w := range cl.inflight.live() {
		if w != cl.writer && !w.canceled && !w.answered {
			cl.leader = w
			cl.wakeLocked(w)
			return
		}
	}
}

package frame

import (
	"context"
	"errors"
	"slices"
)

// flushLocked writes, as the writer w, the queue and whatever queues
// meanwhile, until the queue is empty; then no one has the turn. Each
// batch is put in flight before it is written, since its responses may
// come before the write returns, and a reader is woken for it, since the
// last one may have stopped before.
//
// If ctx ends before any byte of a batch went out, the batch goes back to
// the head of the queue, without w's request and those of callers who
// gave up meanwhile, the turn goes on to the oldest caller left, and
// flushLocked returns ctx.Err(). If it ends part way, the stream is cut:
// the Client fails, and flushLocked returns ctx.Err() too. The caller
// holds mu.
func (cl *Client[Req, Resp]) flushLocked(ctx context.Context, w *waiter[Resp]) error {
	for len(cl.pending) > 0 && cl.err == nil {
		batch, who := cl.pending, cl.queued
		cl.pending, cl.queued = cl.spareP[:0], cl.spareW[:0]
		for _, q := range who {
			q.sent = true
		}
		cl.inflight.push(who)
		cl.wakeReaderLocked()
		cl.mu.Unlock()
		err := cl.c.writeBatch(ctx, batch)
		cl.mu.Lock()
		switch {
		case err == nil:
			clear(batch)
			clear(who)
			cl.spareP, cl.spareW = batch[:0], who[:0]
		case err == ctx.Err(): // nothing went out
			w.canceled = true
			cl.unsendLocked(batch, who)
			cl.cancelLocked(w)
			return err
		default:
			cl.failLocked(err)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	if cl.writer == w {
		cl.writer = nil
	}
	return nil
}

// unsendLocked takes a batch that did not go out back out of flight, to
// the head of the queue, less the requests of callers who gave up. It is
// the newest part of the flight: no response can have come for it.
func (cl *Client[Req, Resp]) unsendLocked(batch [][]byte, who []*waiter[Resp]) {
	if !cl.inflight.dropNewest(who) {
		cl.failLocked(errors.New("frame: a response came for a request not yet written"))
		return
	}
	n := 0
	for i, q := range who {
		if !q.canceled {
			q.sent = false
			batch[n], who[n] = batch[i], q
			n++
		}
	}
	clear(batch[n:])
	clear(who[n:])
	rest, restW := cl.pending, cl.queued
	cl.pending, cl.queued = append(batch[:n], rest...), append(who[:n], restW...)
	clear(rest)
	clear(restW)
	cl.spareP, cl.spareW = rest[:0], restW[:0]
	if r := cl.reader; r != nil && !r.sent {
		cl.nudgeLocked() // it waits for a response that cannot come
	}
}

// unqueueLocked takes w's request out of the queue, if it is there.
func (cl *Client[Req, Resp]) unqueueLocked(w *waiter[Resp]) {
	if i := slices.Index(cl.queued, w); i >= 0 {
		cl.queued = slices.Delete(cl.queued, i, i+1)
		cl.pending = slices.Delete(cl.pending, i, i+1)
	}
}

// passWriteLocked gives the turn to write to the oldest queued caller, and
// wakes it, or to no one when the queue is empty.
func (cl *Client[Req, Resp]) passWriteLocked() {
	cl.writer = nil
	if len(cl.queued) > 0 && cl.err == nil {
		cl.writer = cl.queued[0]
		cl.wakeLocked(cl.writer)
	}
}

// queue is a FIFO of waiters that reuses its array.
type queue[Resp any] struct {
	ws   []*waiter[Resp]
	head int
}

func (q *queue[Resp]) push(ws []*waiter[Resp]) {
	if q.head > 0 && q.head >= len(q.ws)/2 { // move the live part to the front
		n := copy(q.ws, q.ws[q.head:])
		clear(q.ws[n:])
		q.ws, q.head = q.ws[:n], 0
	}
	q.ws = append(q.ws, ws...)
}

// live returns the waiters in the queue, oldest first.
func (q *queue[Resp]) live() []*waiter[Resp] { return q.ws[q.head:] }

func (q *queue[Resp]) pop() *waiter[Resp] {
	if q.head == len(q.ws) {
		return nil
	}
	w := q.ws[q.head]
	q.ws[q.head] = nil
	q.head++
	if q.head == len(q.ws) {
		q.ws, q.head = q.ws[:0], 0
	}
	return w
}

// dropNewest removes ws from the newest end of the queue, if that is
// where they are.
func (q *queue[Resp]) dropNewest(ws []*waiter[Resp]) bool {
	live := q.live()
	if len(ws) > len(live) || !slices.Equal(live[len(live)-len(ws):], ws) {
		return false
	}
	clear(q.ws[len(q.ws)-len(ws):])
	q.ws = q.ws[:len(q.ws)-len(ws)]
	return true
}

package frame

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrClientClosed means a Call on a Client whose connection failed or was
// closed; errors.Is also finds the cause.
var ErrClientClosed = errors.New("frame: client closed")

// Client makes requests of type Req and reads responses of type Resp on a
// Conn: the original's make_request, as [Client.Call]. Calls from many
// goroutines pipeline: requests queued while a write is under way go out
// together in one writev, and responses are matched to callers in the
// order their requests were written. The wire is unchanged: a request
// frame, and in time its response frame.
//
// No goroutine of its own reads or writes: callers do, one writer and one
// reader at a time (leader and followers). A caller that finds no one
// writing writes the queue, and whatever queues meanwhile; a caller whose
// request is in flight and finds no one reading reads, handing each
// response to its caller, until its own comes. So a lone caller writes and
// reads for itself, with no hand-off between goroutines.
//
// The one rule that keeps every caller served, with mu free and the
// Client not failed: if some caller still waits for a response to a
// request in flight, then a caller is reading, or one such caller (the
// leader) has a wake-up on its way, or the only such caller is the writer,
// who reads once it is done writing. Each step that can break it (a flush
// putting callers in flight, a reader stopping, the leader giving up)
// calls wakeReaderLocked, which mends it.
type Client[Req, Resp any] struct {
	c    *Conn
	req  Codec[Req]
	resp Codec[Resp]

	mu       sync.Mutex
	pending  [][]byte        // encoded requests not yet written
	queued   []*waiter[Resp] // their callers, in the same order
	spareP   [][]byte        // the last batch's slices, for reuse
	spareW   []*waiter[Resp]
	writer   *waiter[Resp] // the caller writing the queue; nil: none
	inflight queue[Resp]   // written or being written, awaiting responses, in order
	reading  bool          // a caller is reading responses
	leader   *waiter[Resp] // woken to read, not yet awake; nil: none
	err      error         // set once the connection failed

	pool sync.Pool // of *waiter[Resp]
}

type waiter[Resp any] struct {
	buf  []byte
	done chan result[Resp] // a wake-up, then a result: at most one of each

	// Guarded by Client.mu.
	sent     bool // its request is in flight
	canceled bool // its caller gave up: its response is dropped
	answered bool // its result is in done
	woken    bool // a wake-up is in done
}

// result is a response for a caller, or (wake) a wake-up: the caller
// looks again at what it should do.
type result[Resp any] struct {
	resp Resp
	err  error
	wake bool
}

// NewClient returns a Client on c. Calls read c themselves, one at a time:
// do not read c elsewhere while Calls are made.
func NewClient[Req, Resp any](c *Conn, req Codec[Req], resp Codec[Resp]) *Client[Req, Resp] {
	return &Client[Req, Resp]{c: c, req: req, resp: resp}
}

// Call sends req and waits for its response, or for ctx to be done, which
// returns ctx.Err() (the response, when it comes, is dropped). A failed
// connection fails every waiting Call with [ErrClientClosed] and the cause.
func (cl *Client[Req, Resp]) Call(ctx context.Context, req Req) (Resp, error) {
	var zero Resp
	w := cl.getWaiter()
	var err error
	if w.buf, err = cl.req.Append(w.buf[:0], req); err != nil {
		cl.pool.Put(w)
		return zero, fmt.Errorf("frame: encoding a request: %w", err)
	}
	cl.mu.Lock()
	if err := cl.err; err != nil {
		cl.mu.Unlock()
		cl.pool.Put(w)
		return zero, err
	}
	w.sent, w.canceled, w.answered, w.woken = false, false, false, false
	cl.pending, cl.queued = append(cl.pending, w.buf), append(cl.queued, w)
	if cl.writer == nil {
		cl.writer = w
		cl.flushLocked(w)
	}
	return cl.await(ctx, w)
}

// await waits for w's response, reading for everyone when its request is
// in flight and no one else reads. The caller holds mu; await releases it.
func (cl *Client[Req, Resp]) await(ctx context.Context, w *waiter[Resp]) (Resp, error) {
	var zero Resp
	for {
		if cl.leader == w {
			cl.leader = nil
		}
		if !cl.reading && w.sent && !w.answered && cl.err == nil {
			cl.reading = true
			cl.mu.Unlock()
			err := cl.readFor(ctx, w)
			cl.mu.Lock()
			cl.reading = false
			if err != nil && ctx.Err() != nil {
				cl.cancelLocked(w)
				cl.mu.Unlock()
				return zero, ctx.Err()
			}
			if err != nil {
				cl.failLocked(err)
			}
			cl.wakeReaderLocked()
		}
		cl.mu.Unlock()
		select {
		case r := <-w.done:
			if r.wake {
				cl.mu.Lock()
				w.woken = false
				continue
			}
			cl.pool.Put(w)
			return r.resp, r.err
		case <-ctx.Done():
			cl.mu.Lock()
			cl.cancelLocked(w)
			cl.mu.Unlock()
			return zero, ctx.Err()
		}
	}
}

// cancelLocked gives up w's wait: its response is dropped, and w is not
// reused. If it was the leader, another caller is woken.
func (cl *Client[Req, Resp]) cancelLocked(w *waiter[Resp]) {
	w.canceled = true
	cl.wakeReaderLocked()
}

// readFor reads responses, handing each to its caller, until w has its
// own, ctx is done, or reading fails.
func (cl *Client[Req, Resp]) readFor(ctx context.Context, w *waiter[Resp]) error {
	for {
		p, err := cl.c.ReadContext(ctx)
		if err != nil {
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
		cl.mu.Unlock()
		if next == w {
			return nil
		}
	}
}

// answerLocked gives a caller its result, unless it gave up waiting.
func (cl *Client[Req, Resp]) answerLocked(w *waiter[Resp], r result[Resp]) {
	if !w.canceled && !w.answered {
		w.answered = true
		w.done <- r
	}
}

// wakeReaderLocked mends the rule in Client's doc: if no one reads and no
// leader is on its way, it wakes a caller waiting for a response to a
// request in flight, the oldest, other than the writer (busy writing).
// Any caller it wakes can read: readFor hands on the responses before its
// own.
func (cl *Client[Req, Resp]) wakeReaderLocked() {
	if cl.reading || cl.err != nil {
		return
	}
	if l := cl.leader; l != nil && !l.canceled && !l.answered {
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

// wakeLocked sends w a wake-up, unless one is already on its way: w looks
// again at what it should do once it has it, so one is enough.
func (cl *Client[Req, Resp]) wakeLocked(w *waiter[Resp]) {
	if !w.woken {
		w.woken = true
		w.done <- result[Resp]{wake: true}
	}
}

func (cl *Client[Req, Resp]) getWaiter() *waiter[Resp] {
	if w, ok := cl.pool.Get().(*waiter[Resp]); ok {
		return w
	}
	return &waiter[Resp]{done: make(chan result[Resp], 2)} // a wake-up, then a result
}

// flushLocked writes the queue, and whatever queues meanwhile, as the
// writer w. Each batch is put in flight before it is written, since its
// responses may come before the write returns; and since the reader may
// have stopped before, a reader is woken for it. The caller holds mu.
func (cl *Client[Req, Resp]) flushLocked(w *waiter[Resp]) {
	for len(cl.pending) > 0 && cl.err == nil {
		batch, who := cl.pending, cl.queued
		cl.pending, cl.queued = cl.spareP[:0], cl.spareW[:0]
		for _, q := range who {
			q.sent = true
		}
		cl.inflight.push(who)
		cl.wakeReaderLocked()
		cl.mu.Unlock()
		err := cl.c.WriteBatch(batch...)
		cl.mu.Lock()
		if err != nil {
			cl.failLocked(err)
			break
		}
		clear(batch)
		clear(who)
		cl.spareP, cl.spareW = batch[:0], who[:0]
	}
	if cl.writer == w {
		cl.writer = nil
	}
}

// failLocked fails the Client for good, and every caller waiting.
func (cl *Client[Req, Resp]) failLocked(err error) {
	if cl.err == nil {
		cl.err = fmt.Errorf("%w: %w", ErrClientClosed, err)
		cl.c.Close()
	}
	for w := cl.inflight.pop(); w != nil; w = cl.inflight.pop() {
		cl.answerLocked(w, result[Resp]{err: cl.err})
	}
	for _, w := range cl.queued {
		cl.answerLocked(w, result[Resp]{err: cl.err})
	}
	cl.queued, cl.pending = nil, nil
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

// Send writes one request without waiting for its response: the
// original's write_request. Do not mix it with Call on one Client.
func (cl *Client[Req, Resp]) Send(req Req) error {
	p, err := cl.req.Append(nil, req)
	if err != nil {
		return fmt.Errorf("frame: encoding a request: %w", err)
	}
	return cl.c.Write(p)
}

// Recv reads one response: the original's read_response. Do not mix it
// with Call on one Client.
func (cl *Client[Req, Resp]) Recv() (Resp, error) {
	p, err := cl.c.Read()
	if err != nil {
		var zero Resp
		return zero, err
	}
	return cl.resp.Decode(p)
}

// Close closes the Client's connection; waiting Calls fail.
func (cl *Client[Req, Resp]) Close() error {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.failLocked(ErrClosed)
	return nil
}

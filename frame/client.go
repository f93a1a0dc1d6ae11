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
type Client[Req, Resp any] struct {
	c    *Conn
	req  Codec[Req]
	resp Codec[Resp]

	mu       sync.Mutex
	pending  [][]byte        // encoded requests not yet written
	queued   []*waiter[Resp] // their callers, in the same order
	spareP   [][]byte        // the last batch's slices, for reuse
	spareW   []*waiter[Resp]
	flushing bool        // a caller is writing; the rest queue
	inflight queue[Resp] // written, awaiting responses, in order
	err      error       // set once the connection failed
	reading  bool

	pool sync.Pool // of *waiter[Resp]
}

type waiter[Resp any] struct {
	buf      []byte
	done     chan result[Resp] // a result, and maybe first a turn to read
	canceled bool              // guarded by Client.mu, as are the two below
	answered bool              // its result is in done
	turn     bool              // a turn to read is in done
}

// result is a response for a caller, or (lead) its turn to read.
type result[Resp any] struct {
	resp Resp
	err  error
	lead bool
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
	if err := cl.enqueue(w); err != nil {
		cl.pool.Put(w)
		return zero, err
	}
	return cl.await(ctx, w)
}

// await waits for w's response. There is no reading goroutine: a waiting
// caller that finds no one reading reads itself (leader and followers),
// handing each response to its caller, until its own arrives; then it
// gives the turn to the next caller in flight. So a lone caller reads its
// own response with no goroutine hand-off.
func (cl *Client[Req, Resp]) await(ctx context.Context, w *waiter[Resp]) (Resp, error) {
	for {
		cl.mu.Lock()
		if !cl.reading && !w.answered && cl.err == nil {
			cl.reading = true
			cl.mu.Unlock()
			err := cl.readFor(ctx, w)
			cl.mu.Lock()
			cl.reading = false
			if err != nil && ctx.Err() == nil {
				cl.failLocked(err)
			}
			cl.passTurnLocked()
		}
		cl.mu.Unlock()
		select {
		case r := <-w.done:
			if r.lead {
				cl.mu.Lock()
				w.turn = false
				cl.mu.Unlock()
				continue
			}
			cl.pool.Put(w)
			return r.resp, r.err
		case <-ctx.Done():
			cl.mu.Lock()
			w.canceled = true // its response is dropped; w is not reused
			if w.turn {       // a turn it will not take goes on
				w.turn = false
				cl.passTurnLocked()
			}
			cl.mu.Unlock()
			var zero Resp
			return zero, ctx.Err()
		}
	}
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

// passTurnLocked wakes the first caller still waiting for a response to
// read, if no one is reading.
func (cl *Client[Req, Resp]) passTurnLocked() {
	if cl.reading || cl.err != nil {
		return
	}
	for _, w := range cl.inflight.live() {
		if !w.canceled && !w.answered {
			if !w.turn {
				w.turn = true
				w.done <- result[Resp]{lead: true}
			}
			return
		}
	}
}

func (cl *Client[Req, Resp]) getWaiter() *waiter[Resp] {
	if w, ok := cl.pool.Get().(*waiter[Resp]); ok {
		return w
	}
	return &waiter[Resp]{done: make(chan result[Resp], 2)} // a turn, then a result
}

// enqueue queues w's request; if no one is writing, the caller writes the
// queue, and whatever queues meanwhile, itself.
func (cl *Client[Req, Resp]) enqueue(w *waiter[Resp]) error {
	cl.mu.Lock()
	if cl.err != nil {
		cl.mu.Unlock()
		return cl.err
	}
	w.canceled, w.answered, w.turn = false, false, false
	cl.pending, cl.queued = append(cl.pending, w.buf), append(cl.queued, w)
	if cl.flushing {
		cl.mu.Unlock()
		return nil
	}
	cl.flushing = true
	for len(cl.pending) > 0 {
		batch, who := cl.pending, cl.queued
		cl.pending, cl.queued = cl.spareP[:0], cl.spareW[:0]
		cl.inflight.push(who)
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
	cl.flushing = false
	cl.mu.Unlock()
	return nil
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

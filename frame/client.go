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
	done     chan result[Resp]
	canceled bool // guarded by Client.mu
}

type result[Resp any] struct {
	resp Resp
	err  error
}

// NewClient returns a Client on c. The Client reads c from a goroutine of
// its own, started by the first Call; do not read c elsewhere meanwhile.
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
	select {
	case r := <-w.done:
		cl.pool.Put(w)
		return r.resp, r.err
	case <-ctx.Done():
		cl.mu.Lock()
		w.canceled = true // the reader drops its response; w is not reused
		cl.mu.Unlock()
		return zero, ctx.Err()
	}
}

func (cl *Client[Req, Resp]) getWaiter() *waiter[Resp] {
	if w, ok := cl.pool.Get().(*waiter[Resp]); ok {
		return w
	}
	return &waiter[Resp]{done: make(chan result[Resp], 1)}
}

// enqueue queues w's request; if no one is writing, the caller writes the
// queue, and whatever queues meanwhile, itself.
func (cl *Client[Req, Resp]) enqueue(w *waiter[Resp]) error {
	cl.mu.Lock()
	if cl.err != nil {
		cl.mu.Unlock()
		return cl.err
	}
	cl.pending, cl.queued = append(cl.pending, w.buf), append(cl.queued, w)
	if !cl.reading {
		cl.reading = true
		go cl.readLoop()
	}
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

// readLoop matches responses to the callers in flight, in order.
func (cl *Client[Req, Resp]) readLoop() {
	for {
		p, err := cl.c.Read()
		if err != nil {
			cl.mu.Lock()
			cl.failLocked(err)
			cl.mu.Unlock()
			return
		}
		resp, derr := cl.resp.Decode(p) // p is valid until the next Read
		cl.mu.Lock()
		w := cl.inflight.pop()
		if w == nil {
			cl.failLocked(errors.New("frame: a response with no request"))
			cl.mu.Unlock()
			return
		}
		if !w.canceled {
			w.done <- result[Resp]{resp, derr}
		}
		cl.mu.Unlock()
	}
}

// failLocked fails the Client for good, and every caller waiting.
func (cl *Client[Req, Resp]) failLocked(err error) {
	if cl.err == nil {
		cl.err = fmt.Errorf("%w: %w", ErrClientClosed, err)
		cl.c.Close()
	}
	for w := cl.inflight.pop(); w != nil; w = cl.inflight.pop() {
		if !w.canceled {
			w.done <- result[Resp]{err: cl.err}
		}
	}
	for _, w := range cl.queued {
		if !w.canceled {
			w.done <- result[Resp]{err: cl.err}
		}
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

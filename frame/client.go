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
// Two rules keep every caller served; they hold whenever mu is free and
// the Client has not failed:
//
//   - Writing: if requests are queued, one caller has the turn to write
//     (writer): it is writing, or it is a queued caller with a wake-up on
//     its way. Queued callers never gave up: one that does leaves the
//     queue, and a writer whose context ends hands the turn on
//     (passWriteLocked).
//   - Reading: if some caller still waits for a response to a request in
//     flight, then a caller is reading, or one such caller (the leader)
//     has a wake-up on its way, or the only such caller is the writer, who
//     reads once it is done writing. Each step that can break it (a flush
//     putting callers in flight, a reader stopping, a caller giving up)
//     calls wakeReaderLocked, which mends it. The reader's own request is
//     in flight; if it is taken back out (unsendLocked), the reader is
//     told to stop (nudgeLocked), since it may be the one to write it.
type Client[Req, Resp any] struct {
	c    *Conn
	req  Codec[Req]
	resp Codec[Resp]

	mu       sync.Mutex
	pending  [][]byte        // encoded requests not yet written
	queued   []*waiter[Resp] // their callers, in the same order
	spareP   [][]byte        // the last batch's slices, for reuse
	spareW   []*waiter[Resp]
	writer   *waiter[Resp] // has the turn to write; nil: none
	inflight queue[Resp]   // written or being written, awaiting responses, in order
	reader   *waiter[Resp] // the caller reading responses; nil: none
	nudged   bool          // the reader was told to stop: see nudgeLocked
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

// Call sends req and waits for its response. It gives up when ctx is
// done, returning ctx.Err(), at any step: queued behind other requests,
// writing (the peer may not read), or waiting for the response, which is
// then dropped when it comes. A request still queued when ctx ends never
// goes out; one in a write under way may. A failed connection fails every
// waiting Call with [ErrClientClosed] and the cause; so does a request
// cut short by its caller's cancellation ([ErrWriteCut]), since the
// stream is then unusable.
func (cl *Client[Req, Resp]) Call(ctx context.Context, req Req) (Resp, error) {
	var zero Resp
	if err := ctx.Err(); err != nil {
		return zero, err
	}
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
	}
	return cl.await(ctx, w)
}

// await writes the queue when w has the turn, reads for everyone when w's
// request is in flight and no one else reads, and otherwise waits for a
// result or a wake-up. The caller holds mu; await releases it.
func (cl *Client[Req, Resp]) await(ctx context.Context, w *waiter[Resp]) (Resp, error) {
	var zero Resp
	for {
		if cl.leader == w {
			cl.leader = nil
		}
		if cl.writer == w && cl.err == nil {
			if err := cl.flushLocked(ctx, w); err != nil {
				cl.mu.Unlock()
				return zero, err
			}
		}
		if cl.reader == nil && w.sent && !w.answered && cl.err == nil {
			if err := cl.readLocked(ctx, w); err != nil {
				cl.mu.Unlock()
				return zero, err
			}
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
// reused. A request not yet written leaves the queue; a turn to write or
// to read that w will not take goes to another caller.
func (cl *Client[Req, Resp]) cancelLocked(w *waiter[Resp]) {
	w.canceled = true
	if !w.sent {
		cl.unqueueLocked(w)
	}
	if cl.writer == w {
		cl.passWriteLocked()
	}
	cl.wakeReaderLocked()
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

// Send writes one request without waiting for its response: the
// original's write_request. Do not mix it with Call on one Client.
func (cl *Client[Req, Resp]) Send(req Req) error {
	return cl.SendContext(context.Background(), req)
}

// SendContext is [Client.Send] that gives up when ctx is done, as
// [Conn.WriteContext] does.
func (cl *Client[Req, Resp]) SendContext(ctx context.Context, req Req) error {
	p, err := cl.req.Append(nil, req)
	if err != nil {
		return fmt.Errorf("frame: encoding a request: %w", err)
	}
	return cl.c.WriteContext(ctx, p)
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

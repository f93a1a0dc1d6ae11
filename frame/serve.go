package frame

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ServeOption is a setting for [Serve]: [EOFError].
type ServeOption interface{ applyServe(*serveConfig) }

// EOFError makes Serve return io.EOF, rather than nil, when the peer
// closes the connection between requests: the original's eof_warning,
// for callers that want to log it.
var EOFError ServeOption = eofError{}

type eofError struct{}
type serveConfig struct{ eofError bool }

func (eofError) applyServe(c *serveConfig) { c.eofError = true }

// Serve answers requests on c until the peer closes it, ctx is done, or
// something fails: it reads a request, calls handle and writes the
// response, in order, so pipelined requests get their answers in the order
// they came. It returns nil when the peer closes the connection between
// requests (see [EOFError]), ctx.Err() when ctx is done, and otherwise the
// error that stopped it: a read error, a request that does not decode, a
// handler error or panic. c is closed when Serve returns. This is the
// original's handle_request.
func Serve[Req, Resp any](ctx context.Context, c *Conn, req Codec[Req], resp Codec[Resp],
	handle func(context.Context, Req) (Resp, error), opts ...ServeOption) error {
	var cfg serveConfig
	for _, o := range opts {
		o.applyServe(&cfg)
	}
	defer c.Close()
	// One watcher for the whole loop, not one per call: when ctx is done,
	// a deadline in the past wakes the read, or the write of a response
	// to a peer that does not read.
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(pastDeadline) })
	defer stop()
	var out []byte
	for {
		p, err := c.Read()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, io.EOF) && !cfg.eofError:
			return nil
		case err != nil:
			return err
		}
		r, err := req.Decode(p)
		if err != nil {
			return fmt.Errorf("frame: decoding a request: %w", err)
		}
		v, err := call(ctx, handle, r)
		if err != nil {
			return err
		}
		if out, err = resp.Append(out[:0], v); err != nil {
			return fmt.Errorf("frame: encoding a response: %w", err)
		}
		if err := c.Write(out); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
	}
}

// call runs the handler, turning a panic into an error: a bad request must
// not take the process down.
func call[Req, Resp any](ctx context.Context, handle func(context.Context, Req) (Resp, error), r Req) (v Resp, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("frame: the handler panicked: %v", p)
		}
	}()
	v, err = handle(ctx, r)
	if err != nil {
		err = fmt.Errorf("frame: handler: %w", err)
	}
	return v, err
}

package frame

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
)

// AppendFrame appends p as one frame, header and payload, to dst.
func AppendFrame(dst, p []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(p)))
	return append(dst, p...)
}

// Write writes p as one frame. A payload up to [SmallFrame] is copied
// beside its header and goes out in one write; a larger one goes out with
// its header in one writev, without a copy. Either way the frame costs one
// system call unless the socket takes it in pieces: over a unix socket, a
// frame larger than the send buffer first raises it (SO_SNDBUF) to fit
// frames of up to 1 MiB, within net.core.wmem_max, so that it need not. Many goroutines may
// Write at once: frames never interleave. After a failed write the stream
// may hold part of a frame, so every later Write fails too.
func (c *Conn) Write(p []byte) error {
	return c.WriteContext(context.Background(), p)
}

// WriteContext is [Conn.Write] that gives up when ctx is done, returning
// ctx.Err(), whether it is waiting for another goroutine's write to end or
// for a peer that does not read. If nothing of the frame went out, the
// Conn is as it was. If part did, the stream is cut inside a frame: every
// later write returns [ErrWriteCut], and the Conn shuts its writing side,
// so the peer reads the stream's end inside a frame
// ([io.ErrUnexpectedEOF]) instead of waiting for the rest. It uses the
// write deadline, and clears it when ctx ended the write.
func (c *Conn) WriteContext(ctx context.Context, p []byte) error {
	if err := c.checkSize(p); err != nil {
		return err
	}
	if err := c.lockWrite(ctx); err != nil {
		return err
	}
	defer c.unlockWrite()
	if c.werr != nil {
		return c.werr
	}
	if t := c.tx.Load(); t != nil && c.viaRing(t, p) {
		return canceled(ctx, c.writeShared(ctx, t, p))
	}
	if len(p) <= c.cfg.smallFrame {
		c.wbuf = AppendFrame(c.wbuf[:0], p)
		c.pend = append(c.pendArr[:0], c.wbuf)
	} else {
		binary.BigEndian.PutUint32(c.hdr[:], uint32(len(p)))
		c.pend = append(c.pendArr[:0], c.hdr[:], p)
		c.fitSendBuffer(HeaderSize + len(p))
	}
	return canceled(ctx, c.flush(ctx))
}

// WriteBatch writes every p as a frame, in order, in as few system calls as
// it can: small payloads are copied, with their headers, into one
// contiguous buffer, and large ones get iovecs of their own in the same
// writev (split only at the kernel's limit of 1024 iovecs). Frames from
// other goroutines never come between them.
func (c *Conn) WriteBatch(ps ...[]byte) error {
	return c.writeBatch(context.Background(), ps)
}

// WriteBatchContext is [Conn.WriteBatch] that gives up when ctx is done,
// as [Conn.WriteContext] does. The batch counts as one frame: if part of
// it went out when ctx ended, even whole frames, the Conn fails with
// [ErrWriteCut], since the caller could not tell which frames the peer got.
func (c *Conn) WriteBatchContext(ctx context.Context, ps ...[]byte) error {
	return canceled(ctx, c.writeBatch(ctx, ps))
}

// writeBatch is WriteBatchContext, returning ctx.Err() only when nothing
// went out, and ErrWriteCut when part did (the Client needs to know).
func (c *Conn) writeBatch(ctx context.Context, ps [][]byte) error {
	for _, p := range ps {
		if err := c.checkSize(p); err != nil {
			return err
		}
	}
	if err := c.lockWrite(ctx); err != nil {
		return err
	}
	defer c.unlockWrite()
	if c.werr != nil {
		return c.werr
	}
	if t := c.tx.Load(); t != nil {
		return c.writeBatchShared(ctx, t, ps)
	}
	c.wbuf, c.pend = c.wbuf[:0], c.pendArr[:0]
	start := 0 // where the current run of copied frames began in wbuf
	for _, p := range ps {
		if len(p) <= c.cfg.smallFrame {
			c.wbuf = AppendFrame(c.wbuf, p)
			continue
		}
		c.fitSendBuffer(HeaderSize + len(p))
		c.wbuf = binary.BigEndian.AppendUint32(c.wbuf, uint32(len(p)))
		c.pend = append(c.pend, c.wbuf[start:len(c.wbuf):len(c.wbuf)], p)
		start = len(c.wbuf)
	}
	if start < len(c.wbuf) {
		c.pend = append(c.pend, c.wbuf[start:])
	}
	return c.flush(ctx)
}

// checkSize refuses a payload above the Conn's MaxFrame.
func (c *Conn) checkSize(p []byte) error {
	if len(p) > c.cfg.maxFrame {
		return fmt.Errorf("%w (%d > %d bytes)", ErrTooLarge, len(p), c.cfg.maxFrame)
	}
	return nil
}

// flush writes c.pend out whole, unless ctx ends first, and settles a
// failure. The caller holds the write lock.
func (c *Conn) flush(ctx context.Context) error {
	stop := c.watchWrite(ctx)
	sent, err := c.writePend()
	c.unwatchWrite(stop)
	return c.settle(ctx, err, sent)
}

// writePend writes c.pend out whole, and returns how many bytes went out.
func (c *Conn) writePend() (int, error) {
	c.pendArr = c.pend[:0]      // keep the array, grown or not, for next time
	c.pend = consume(c.pend, 0) // no empty buffers: writev needs bytes
	sent := 0
	for len(c.pend) > 0 {
		n, err := c.writeSome()
		sent += n
		if err != nil {
			return sent, err
		}
		c.pend = consume(c.pend, n)
	}
	return sent, nil
}

// writeSome makes one writev, through the netpoller when it can.
func (c *Conn) writeSome() (int, error) {
	if c.rc == nil {
		bufs := net.Buffers(c.pend)
		n, err := bufs.WriteTo(c.nc)
		return int(n), err
	}
	if err := c.rc.Write(c.writeFn); err != nil {
		return 0, err
	}
	if c.wn == 0 && c.wErrno == nil {
		return 0, io.ErrShortWrite
	}
	return c.wn, c.wErrno
}

// consume drops the first n bytes of bufs.
func consume(bufs [][]byte, n int) [][]byte {
	for n > 0 && len(bufs) > 0 {
		if n < len(bufs[0]) {
			bufs[0] = bufs[0][n:]
			return bufs
		}
		n -= len(bufs[0])
		bufs = bufs[1:]
	}
	for len(bufs) > 0 && len(bufs[0]) == 0 {
		bufs = bufs[1:]
	}
	return bufs
}

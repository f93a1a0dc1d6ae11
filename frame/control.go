package frame

import (
	"context"
	"encoding/binary"
	"fmt"
)

// Control frames share a connection with the application's frames. A
// control frame's header starts with the byte 0xFF, which no application
// frame's header can hold on a Conn made with [WithControl] (its MaxFrame
// stays below 0xFF000000 bytes): the header is 0xFF, a kind byte, and the
// payload's length as a 2-byte big-endian integer, at most
// [MaxControlPayload]. On the wire:
//
//	application frame: len[4] (big-endian, < 0xFF000000) payload[len]
//	control frame:     0xFF kind[1] len[2] (big-endian) payload[len]
//
// Frames never interleave, so a control frame sits between two whole
// application frames. The reader takes control frames out of the stream
// and gives them to the handler, wherever they are: a Read, a Client or
// Serve reading the Conn never sees them. When no one reads, [Conn.WatchControl]
// reads them, up to the first application frame, which it leaves for the
// next Read: a control frame behind application frames that are not read
// waits for them to be read. A peer whose Conn lacks WithControl reads a
// control frame's header as a frame too large, and fails.

// controlMark is the first byte of a control frame's header.
const controlMark = 0xFF

// maxControlled is the largest MaxFrame of a Conn with control frames:
// below the smallest header that starts with controlMark.
const maxControlled = controlMark<<24 - 1

// MaxControlPayload is the largest payload of a control frame.
const MaxControlPayload = 4096

// ErrControl means a control frame that cannot be: one written on a Conn
// made without [WithControl], or one whose payload is larger than
// [MaxControlPayload], sent or announced by the peer.
var ErrControl = fmt.Errorf("frame: bad control frame")

// ControlHandler gets each control frame a Conn reads: its kind and its
// payload, a view valid only during the call (copy what you keep). It runs
// on the goroutine that reads, a Read of the application or
// [Conn.WatchControl], so it must not block and must not read the Conn.
type ControlHandler func(kind byte, payload []byte)

// WithControl makes a Conn carry control frames beside the application's
// (see [Conn.WriteControl]), and hand those it reads to h. Its MaxFrame is
// at most 0xFF000000 - 1 bytes (4 GiB less 16 MiB).
func WithControl(h ControlHandler) Option { return controlOption{h} }

type controlOption struct{ h ControlHandler }

func (o controlOption) apply(c *config) { c.control = o.h }

// WriteControl writes one control frame of the given kind, whole, between
// the application's frames; it gives up when ctx is done, as
// [Conn.WriteContext] does. Many goroutines may call it beside Write.
func (c *Conn) WriteControl(ctx context.Context, kind byte, payload []byte) error {
	if c.cfg.control == nil || len(payload) > MaxControlPayload {
		return fmt.Errorf("%w: kind %#x, %d bytes", ErrControl, kind, len(payload))
	}
	if err := c.lockWrite(ctx); err != nil {
		return err
	}
	defer c.unlockWrite()
	if c.werr != nil {
		return c.werr
	}
	c.wbuf = append(c.wbuf[:0], controlMark, kind)
	c.wbuf = binary.BigEndian.AppendUint16(c.wbuf, uint16(len(payload)))
	c.wbuf = append(c.wbuf, payload...)
	c.pend = append(c.pendArr[:0], c.wbuf)
	return canceled(ctx, c.flush(ctx))
}

// controlAt reports whether a control frame starts at mem[r:], and if its
// header is there, its whole length, header included. The caller holds
// rmu and knows a byte is buffered at r.
func (c *Conn) controlAt() (is bool, size int, err error) {
	if c.cfg.control == nil || c.mem[c.r] != controlMark {
		return false, 0, nil
	}
	if c.w-c.r < HeaderSize {
		return true, 0, nil
	}
	n := int(binary.BigEndian.Uint16(c.mem[c.r+2:]))
	if n > MaxControlPayload {
		return true, 0, fmt.Errorf("%w: %d bytes announced", ErrControl, n)
	}
	return true, HeaderSize + n, nil
}

// takeControl hands the control frame of size bytes at mem[r:] to the
// handler and moves past it; files sent with it are closed. The caller
// holds rmu.
func (c *Conn) takeControl(size int) {
	files, _ := c.rfiles.take(c.base+int64(c.r), int64(size))
	closeFDs(files)
	kind, payload := c.mem[c.r+1], c.mem[c.r+HeaderSize:c.r+size:c.r+size]
	c.r += size
	c.cfg.control(kind, payload)
}

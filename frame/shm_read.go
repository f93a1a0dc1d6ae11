package frame

import (
	"encoding/binary"
	"fmt"
)

// maxSharedPayload is the longest payload a shared frame may announce.
const maxSharedPayload = max(setupLen, descriptorLen)

// sharing reports whether shared frames are read on c: it accepts a
// setup, or set one up. The caller holds rmu.
func (c *Conn) sharing() bool {
	return c.cfg.shared || c.rx.Load() != nil
}

// releaseShared, at the start of each read, lets the peer reuse the ring
// memory of the payload the last read returned. The caller holds rmu.
func (c *Conn) releaseShared() {
	if rx := c.rx.Load(); rx != nil {
		rx.release()
	}
}

// nextShared reads the shared frame at mem[r:]: a descriptor gives a view
// of the ring; a setup maps the rings, and the frame after it is read.
// Any fault of the peer's fails the Conn for good and closes it. The
// caller holds rmu, and the frame's header is buffered.
func (c *Conn) nextShared() ([]byte, []int, error) {
	size := HeaderSize + int(binary.BigEndian.Uint16(c.mem[c.r+2:]))
	if size > HeaderSize+maxSharedPayload {
		return nil, nil, c.failShared(fmt.Errorf("%w: a shared frame of %d bytes", ErrSharedPeer, size))
	}
	if err := c.need(size); err != nil {
		return nil, nil, c.fail(err, false)
	}
	b := c.mem[c.r : c.r+size]
	files, _ := c.rfiles.take(c.base+int64(c.r), int64(size))
	if b[1] == kindSetup {
		if err := c.acceptSetup(b, files); err != nil {
			return nil, nil, c.failShared(err)
		}
		c.r += size
		return c.next()
	}
	closeFDs(files) // no descriptor carries files
	rx := c.rx.Load()
	if rx == nil {
		return nil, nil, c.failShared(fmt.Errorf("%w: a descriptor before the setup", ErrSharedPeer))
	}
	pos, n, err := checkDescriptor(b, rx.expect, rx.size, c.cfg.maxFrame)
	if err != nil {
		return nil, nil, c.failShared(err)
	}
	c.r += size
	rx.expect = pos + uint64(n)
	off := pos % rx.size
	return rx.data[off : off+uint64(n) : off+uint64(n)], nil, nil
}

// failShared fails the Conn for good with err and closes the connection.
func (c *Conn) failShared(err error) error {
	c.rerr = err
	c.nc.Close()
	return err
}

package frame

import (
	"context"
	"encoding/binary"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// How a writer without credit waits: yields that many times, then sleeps
// in the futex for at most creditSlice at a time, looking at its context,
// the write deadline, Close and the peer between sleeps. After
// maxFruitless wake-ups in a row that found no room (a peer ringing the
// bell for nothing), it sleeps instead, for a slice each time.
const (
	creditYields = 16
	creditSlice  = 5 * time.Millisecond
	maxFruitless = 64
)

// viaRing reports whether p goes through the ring t.
func (c *Conn) viaRing(t *ring, p []byte) bool {
	return len(p) > c.cfg.sharedThreshold && uint64(len(p)) <= t.size/2
}

// writeShared writes p through the ring t, and its descriptor in the
// socket, as WriteContext writes a frame. The caller holds the write lock.
func (c *Conn) writeShared(ctx context.Context, t *ring, p []byte) error {
	head := t.head
	pos, err := c.reserve(ctx, t, len(p))
	if err != nil {
		return err
	}
	t.put(pos, p)
	c.wbuf = appendDescriptor(c.wbuf[:0], pos, len(p))
	c.pend = append(c.pendArr[:0], c.wbuf)
	if err := c.flush(ctx); err != nil {
		t.head = head // what the peer never heard of is free again
		return err
	}
	return nil
}

// put copies p into the ring at pos.
func (t *ring) put(pos uint64, p []byte) {
	copy(t.data[pos%t.size:], p)
	t.head = pos + uint64(len(p))
}

// writeBatchShared is writeBatch on a Conn with a ring: payloads that go
// through it become descriptors among the other frames. When the ring
// has no room for one, what is built so far goes out first, since the
// peer cannot free room for descriptors it has not seen.
func (c *Conn) writeBatchShared(ctx context.Context, t *ring, ps [][]byte) error {
	head, sent := t.head, 0
	c.wbuf, c.pend = c.wbuf[:0], c.pendArr[:0]
	start := 0
	stop := c.watchWrite(ctx)
	defer c.unwatchWrite(stop)
	for _, p := range ps {
		switch {
		case c.viaRing(t, p):
			pos, err := t.room(len(p))
			if err == nil && pos == noRoom {
				c.pend = append(c.pend, c.wbuf[start:])
				n, werr := c.writePend()
				sent += n
				c.wbuf, c.pend, start = c.wbuf[:0], c.pendArr[:0], 0
				if werr != nil {
					return c.settleBatch(ctx, t, head, werr, sent)
				}
				pos, err = c.reserve(ctx, t, len(p))
			}
			if err != nil {
				return c.settleBatch(ctx, t, head, err, sent)
			}
			t.put(pos, p)
			c.wbuf = appendDescriptor(c.wbuf, pos, len(p))
		case len(p) <= c.cfg.smallFrame:
			c.wbuf = AppendFrame(c.wbuf, p)
		default:
			c.wbuf = binary.BigEndian.AppendUint32(c.wbuf, uint32(len(p)))
			c.pend = append(c.pend, c.wbuf[start:len(c.wbuf):len(c.wbuf)], p)
			start = len(c.wbuf)
		}
	}
	if start < len(c.wbuf) {
		c.pend = append(c.pend, c.wbuf[start:])
	}
	n, err := c.writePend()
	return c.settleBatch(ctx, t, head, err, sent+n)
}

// settleBatch settles a batch as flush does; a batch of which nothing
// went out gives its room in the ring back.
func (c *Conn) settleBatch(ctx context.Context, t *ring, head uint64, err error, sent int) error {
	if err != nil && sent == 0 {
		t.head = head
	}
	return c.settle(ctx, err, sent)
}

// noRoom is room's answer when the ring is full.
const noRoom = ^uint64(0)

// room returns where a payload of n bytes goes, or noRoom if the peer has
// not freed enough of the ring yet. It reads consumed once, and fails
// with ErrSharedPeer if the value is not between the last one seen and
// the end of what was written.
func (t *ring) room(n int) (uint64, error) {
	v := atomic.LoadUint64(t.consumed)
	if v < t.seen || v > t.head {
		return 0, fmt.Errorf("%w: consumed %d, outside [%d, %d]", ErrSharedPeer, v, t.seen, t.head)
	}
	t.seen = v
	pos := place(t.head, t.size, n)
	if pos+uint64(n)-v > t.size {
		return noRoom, nil
	}
	return pos, nil
}

// reserve waits until the ring has room for n bytes, and returns where
// they go; see creditWait for how it gives up. The caller holds the write
// lock.
func (c *Conn) reserve(ctx context.Context, t *ring, n int) (uint64, error) {
	for i := 0; ; i++ {
		pos, err := t.room(n)
		if err != nil || pos != noRoom {
			if err != nil {
				c.werr = err
			}
			t.wakes = 0
			return pos, err
		}
		if i < creditYields {
			runtime.Gosched()
			continue
		}
		atomic.StoreUint32(t.waiting, 1)
		bell := atomic.LoadUint32(t.bell)
		if pos, err = t.room(n); err != nil || pos != noRoom {
			continue // settled at the top
		}
		if err := c.creditWait(ctx, t, bell); err != nil {
			return 0, err
		}
	}
}

// creditWait sleeps until the bell moves from bell, or a slice passes,
// unless ctx is done (ctx.Err()), the write deadline has passed
// (os.ErrDeadlineExceeded), the Conn is closed (ErrClosed) or the peer
// hung up (EPIPE, which sticks).
func (c *Conn) creditWait(ctx context.Context, t *ring, bell uint32) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.closed.Load() {
		return ErrClosed
	}
	if err := c.probeWrite(t); err != nil {
		return err
	}
	d := creditSlice
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, max(time.Until(dl), time.Microsecond))
	}
	if t.seen != t.seenAtWake { // the reader let go of something: not for nothing
		t.wakes, t.seenAtWake = 0, t.seen
	}
	if t.wakes++; t.wakes > maxFruitless {
		time.Sleep(d)
		return nil
	}
	ts := unix.NsecToTimespec(int64(d))
	futex(t.bell, futexWait, bell, &ts)
	return nil
}

// probeWrite asks the socket, without writing, whether the write deadline
// has passed or the peer has hung up.
func (c *Conn) probeWrite(t *ring) error {
	if t.probe == nil {
		t.probe = func(fd uintptr) bool {
			fds := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
			n, err := unix.Poll(fds[:], 0)
			t.gone = err == nil && n > 0 && fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0
			return true
		}
	}
	if err := c.rc.Write(t.probe); err != nil {
		return err
	}
	if t.gone {
		c.werr = fmt.Errorf("frame: shared memory: the peer hung up while the ring was full: %w", unix.EPIPE)
		return c.werr
	}
	return nil
}

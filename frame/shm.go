package frame

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// Shared memory: payloads above a threshold go through a ring in memory
// both ends map, and the socket carries only a 16-byte descriptor frame
// for each, in its place in the stream, so ordering with the other frames
// is the socket's. The end that sets it up (the master, [Conn.ShareMemory])
// makes two memfds, one ring per direction, sealed against shrinking, and
// sends them with a setup frame; the other end (a worker, on a Conn made
// with [AcceptShared]) checks and maps them when its reader meets the
// setup. On the wire, beside the frames of doc.go:
//
//	shared frame: 0xFE kind[1] len[2] (big-endian) payload[len]
//	setup:        kind 'S', payload version[4]=1 size[8]: the ring's data bytes; two memfds ride on it
//	descriptor:   kind 'D', payload pos[8] n[4]: n bytes at pos (a stream position) of the sender's ring
//
// A ring is one memfd: a 4 KiB header page, then size bytes of data. The
// header holds three words: consumed (the reader's, how far it has let
// go), bell (the reader's, bumped to wake a waiting writer) and waiting
// (the writer's, set while it waits for room). A payload of n bytes
// starts where the last one ended, or at the start of the data when it
// would not fit before its end; n is at most half the ring, so that a
// ring whose reader holds nothing always has room. The writer copies the
// payload in and sends its descriptor; the reader returns a view of the
// ring, and lets go of it at its next read, publishing consumed. That is
// the writer's credit: it writes only while pos+n-consumed <= size, and
// otherwise waits, first yielding, then in a futex on bell with waiting
// set, which the reader's release rings only then: a reader keeping up
// costs the writer no wake-ups and no system call.
//
// The hostile-peer model. Either end may be compromised; the master's
// worker, in particular, runs code the master must not trust. The peer
// can write any byte of both rings at any time, send any bytes on the
// socket, stop reading, or die at any moment. So:
//
//   - A reader trusts nothing it has not computed itself. Where the next
//     payload starts follows from where the last one ended, kept in the
//     reader's own memory: a descriptor must name exactly that position,
//     and a length within half the ring and within MaxFrame, or the Conn
//     fails with [ErrSharedPeer] and is closed (one function,
//     checkDescriptor, decides). No descriptor can point past the ring,
//     into a payload the reader still holds, or anywhere else.
//   - A writer reads consumed once per look, into its own memory, and
//     accepts it only between the last value it saw and the end of what
//     it wrote; anything else is ErrSharedPeer. The other header words
//     only decide whether to make a futex call: a lie there costs a
//     wake-up, never a wrong read or write.
//   - The memfds' size cannot shrink (F_SEAL_SHRINK, checked by the end
//     that maps them, with the size, and tmpfs pages: no hugetlbfs, whose
//     faults can raise SIGBUS), so no access to a mapped ring can fault.
//   - A payload is a view of memory the peer can still write. Copying it
//     out would cost a second copy per payload, which is most of what
//     sharing saves, and would not make the content any more trustworthy:
//     the peer chose those bytes, and could have chosen others. So Read
//     returns the view, and the view's content is the peer's to change
//     while the caller looks at it: a parser must expect bytes that change
//     under it (a Codec's Decode must already cope with any input; bounds
//     come from the slice, which is the reader's), and a value that is
//     checked, then used, must be copied first ([Conn.ReadCopy]).
//   - No wait is unbounded: a writer without credit gives up when its
//     context ends, the write deadline passes, the Conn is closed or the
//     peer hangs up, looking at least every few milliseconds; a reader
//     waits only on the socket, as without sharing.
//   - The mappings and the memfds are the Conn's: the memfds are closed
//     once mapped, and Close unmaps both rings. A peer that dies leaves
//     nothing behind once the Conn that saw it go is closed.

// sharedMark is the first byte of a shared frame's header.
const sharedMark = 0xFE

// maxShared is the largest MaxFrame of a Conn that shares memory: below
// the smallest header that starts with sharedMark.
const maxShared = sharedMark<<24 - 1

// The kinds of shared frames, and their payloads' lengths.
const (
	kindSetup      = 'S'
	kindDescriptor = 'D'
	setupLen       = 12
	descriptorLen  = 12
	sharedVersion  = 1
)

// Ring sizes: the data part of each ring, in bytes.
const (
	MinSharedSize = 64 << 10 // of ShareMemory's size: 64 KiB
	MaxSharedSize = 1 << 30  // 1 GiB
)

// DefaultSharedThreshold is the default of [SharedThreshold], 1 KiB, from
// measurement (bench/RESULTS.md): at 1 KiB the ring and the socket are
// level, from 2 KiB on the ring is faster.
const DefaultSharedThreshold = 1 << 10

// SharedThreshold is the largest payload a Conn sharing memory still
// sends inline, in the socket; larger ones, up to half the ring, go
// through the ring. The default is [DefaultSharedThreshold].
type SharedThreshold int

func (s SharedThreshold) apply(c *config) { c.sharedThreshold = max(int(s), 0) }

// AcceptShared lets a Conn over a unix socket take the shared memory its
// peer offers with [Conn.ShareMemory]: its reader maps the rings when the
// setup arrives, and from then on both ends send large payloads through
// them. It implies [AcceptFiles], since the rings come as files. Its
// MaxFrame is at most 0xFE000000 - 1 bytes.
var AcceptShared Option = acceptShared{}

type acceptShared struct{}

func (acceptShared) apply(c *config) { c.shared, c.files = true, true }

// ShareMemory sets up shared memory with the peer, which must have made
// its Conn with [AcceptShared]: two rings of size bytes each (rounded up
// to a page, from [MinSharedSize] to [MaxSharedSize]), one per direction.
// Once it returns, Write, WriteBatch, a Client and Serve send each payload
// above the [SharedThreshold] and up to size/2 through the ring, and the
// peer's replies come back through the other; Read returns views into the
// ring, valid until the next Read, whose content the peer can change
// (see the package doc), and which must not outlive the Conn: Close
// unmaps the rings, as does the collector for a Conn dropped without
// Close. It gives up when ctx is done, as
// [Conn.WriteContext] does. A Conn shares memory once: a second call, a
// Conn that is not a unix socket, or one with a MaxFrame of 0xFE000000
// bytes or more is [ErrSharedRefused].
func (c *Conn) ShareMemory(ctx context.Context, size int) error {
	uc, ok := c.nc.(*net.UnixConn)
	if !ok || c.rc == nil || c.cfg.maxFrame > maxShared || size > MaxSharedSize {
		return ErrSharedRefused
	}
	size = roundPage(max(size, MinSharedSize))
	if err := c.lockWrite(ctx); err != nil {
		return err
	}
	defer c.unlockWrite()
	if c.werr != nil {
		return c.werr
	}
	if c.closed.Load() || !c.shareOnce.CompareAndSwap(false, true) {
		return ErrSharedRefused
	}
	tx, rx, fds, err := makeRings(size)
	if err != nil {
		return err
	}
	defer closeFDs(fds)
	// Ours to read from now on, whatever happens: the peer may answer at
	// once, and Close unmaps it.
	c.rx.Store(rx)
	if err := c.sendSetup(ctx, uc, size, fds); err != nil {
		tx.unmap()
		runtime.AddCleanup(c, (*ring).unmap, rx)
		return err
	}
	c.tx.Store(tx)
	runtime.AddCleanup(c, unmapRings, [2]*ring{tx, rx})
	return nil
}

// makeRings makes the two rings, mapped, and returns their memfds, which
// the caller closes.
func makeRings(size int) (tx, rx *ring, fds []int, err error) {
	for range 2 {
		fd, err := newRingFile(size)
		if err != nil {
			closeFDs(fds)
			return nil, nil, nil, err
		}
		fds = append(fds, fd)
	}
	if tx, err = mapRing(fds[0], size); err == nil {
		if rx, err = mapRing(fds[1], size); err != nil {
			tx.unmap()
		}
	}
	if err != nil {
		closeFDs(fds)
		return nil, nil, nil, err
	}
	return tx, rx, fds, nil
}

// sendSetup writes the setup frame with the memfds. The caller holds the
// write lock.
func (c *Conn) sendSetup(ctx context.Context, uc *net.UnixConn, size int, fds []int) error {
	c.wbuf = appendSetup(c.wbuf[:0], size)
	stop := c.watchWrite(ctx)
	sent, _, err := uc.WriteMsgUnix(c.wbuf, unix.UnixRights(fds...), nil)
	if err == nil {
		c.pend = append(c.pendArr[:0], c.wbuf[sent:])
		var n int
		n, err = c.writePend()
		sent += n
	}
	c.unwatchWrite(stop)
	return canceled(ctx, c.settle(ctx, err, sent))
}

// acceptSetup maps the rings a setup frame b brought with fds, which it
// closes. The caller holds rmu.
func (c *Conn) acceptSetup(b []byte, fds []int) error {
	defer closeFDs(fds)
	if !c.cfg.shared {
		return fmt.Errorf("%w: a setup on a Conn that did not accept one", ErrSharedPeer)
	}
	if !c.shareOnce.CompareAndSwap(false, true) {
		return fmt.Errorf("%w: a second setup", ErrSharedPeer)
	}
	size, err := parseSetup(b)
	if err != nil {
		return err
	}
	if len(fds) != 2 {
		return fmt.Errorf("%w: a setup with %d files, not 2", ErrSharedPeer, len(fds))
	}
	if err := distinctFiles(fds[0], fds[1]); err != nil {
		return err
	}
	rx, err := mapRing(fds[0], size) // the peer's tx is our rx
	if err != nil {
		return err
	}
	tx, err := mapRing(fds[1], size)
	if err != nil {
		rx.unmap()
		return err
	}
	c.rx.Store(rx)
	c.tx.Store(tx)
	runtime.AddCleanup(c, unmapRings, [2]*ring{tx, rx})
	return nil
}

// closeShared unmaps the rings, from Close: the reader's under rmu, so
// that no Read is returning a view of it, and the writer's under the
// write lock, once a writer waiting for credit has seen the Conn closed.
func (c *Conn) closeShared() {
	if !c.shareOnce.Load() {
		return
	}
	c.rmu.Lock()
	if rx := c.rx.Swap(nil); rx != nil {
		rx.unmap()
	}
	c.rmu.Unlock()
	if tx := c.tx.Load(); tx != nil {
		tx.wake() // a writer waiting for credit looks again, and sees Close
	}
	c.lockWrite(context.Background())
	if tx := c.tx.Swap(nil); tx != nil {
		tx.unmap()
	}
	c.unlockWrite()
}

func roundPage(n int) int {
	page := os.Getpagesize()
	return (n + page - 1) / page * page
}

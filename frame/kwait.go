package frame

import (
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// BlockReads is how long a read that finds no data waits for it in the
// kernel, in ppoll(2) on its own thread, before it parks in Go's
// netpoller. An answer that comes within that time wakes the reading
// thread directly, as a blocking read(2) would, instead of going through
// the netpoller and the scheduler's hand-offs between threads, which cost
// a round trip several microseconds (bench/RESULTS.md has the figures).
//
// The thread is the reader's while it waits, so the wait is rationed. No
// more reads wait in the kernel at once, over all Conns of the process,
// than GOMAXPROCS minus one, so one P is always left to the rest of the
// program (and with GOMAXPROCS 1 no read waits in the kernel: the
// runtime would hand the only P to another thread meanwhile, which costs
// more than it saves). A wait that times out makes the next 1, 2, 4... up
// to 256 waits of that Conn park at once, until data comes within the
// time again, so a quiet connection costs nothing. A context or deadline
// that ends meanwhile is seen when the wait does, at most this long
// after. The default is [DefaultBlockReads]; 0 turns it off. A Conn with
// [SpinReads] that spins for a wait does not also wait in the kernel.
type BlockReads time.Duration

// DefaultBlockReads is the default of [BlockReads]: long enough for a
// peer process on the same machine to answer a small request, short
// enough that a wait for a slow one costs its thread little.
const DefaultBlockReads = BlockReads(50 * time.Microsecond)

// maxBlockBackoff is the most waits a Conn parks at once, without waiting
// in the kernel, after a wait that timed out.
const maxBlockBackoff = 256

var (
	kernelWaiting atomic.Int32 // reads waiting in ppoll now, over all Conns
	kernelWaited  atomic.Int64 // ppoll waits begun, over all Conns: for tests
)

func (d BlockReads) apply(c *config) { c.blockReads = max(time.Duration(d), 0) }

// kwaiter decides, wait by wait, whether a read that finds no data waits
// in the kernel first (see BlockReads). Guarded by the Conn's rmu.
type kwaiter struct {
	ts      unix.Timespec // how long a wait may take; zero: never wait
	limit   int32         // the most reads waiting in the kernel at once
	skip    int           // waits left to park at once
	backoff int           // waits to park at once after the next time-out
}

func newKwaiter(d time.Duration) kwaiter {
	return kwaiter{ts: unix.NsecToTimespec(d.Nanoseconds()), limit: int32(runtime.GOMAXPROCS(0) - 1)}
}

// may reports whether this wait may wait in the kernel, counting down
// the waits the Conn skips.
func (k *kwaiter) may() bool {
	switch {
	case k.limit < 1 || k.ts.Sec == 0 && k.ts.Nsec == 0:
		return false
	case k.skip > 0:
		k.skip--
		return false
	}
	return true
}

// wait waits in ppoll, at most the BlockReads time, for fd to have
// something for read(2) (data, a hang-up or an error: the read that
// follows says which), and reports whether it has. A wait that finds the
// process's allowance taken reports false at once.
func (k *kwaiter) wait(fd uintptr) bool {
	if kernelWaiting.Add(1) > k.limit {
		kernelWaiting.Add(-1)
		return false
	}
	kernelWaited.Add(1)
	pfd := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	var n int
	var err error
	for {
		ts := k.ts // ppoll writes the time left into it
		if n, err = unix.Ppoll(pfd[:], &ts, nil); err != unix.EINTR {
			break
		}
	}
	kernelWaiting.Add(-1)
	if n > 0 {
		k.backoff = 0
		return true
	}
	if err == nil { // timed out
		k.backoff = min(max(2*k.backoff, 1), maxBlockBackoff)
		k.skip = k.backoff
	}
	return false
}

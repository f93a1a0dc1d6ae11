package frame

// Option is a setting for [New]: [MaxFrame], [ReadBuffer], [SmallFrame],
// [SpinReads], [AcceptFiles], [WithControl] or [Pending]. Options other
// than WithControl's, which holds a func, and Pending's, which holds
// bytes, are plain values that print and compare.
type Option interface{ apply(*config) }

// MaxFrame is the largest payload a Conn reads or writes. The default is
// [DefaultMaxFrame], 16 MiB; a header announcing more is [ErrTooLarge].
type MaxFrame int

// ReadBuffer is the size of a Conn's read buffer, which one read fills with
// as many frames as have arrived. The default is 64 KiB; a frame larger
// than the buffer gets a buffer of its own size, up to MaxFrame.
type ReadBuffer int

// SmallFrame is the largest payload Write copies beside its header so that
// header and payload go out in one write; larger payloads go out by writev
// without a copy. The default, [DefaultSmallFrame], comes from measurement
// (bench/RESULTS.md).
type SmallFrame int

// SpinReads is how many times a read that finds no data tries again at
// once before the Conn parks in Go's netpoller. When an answer is due
// within microseconds (a Client waiting for a response) and the peer has
// a CPU of its own, retrying can beat the netpoller's wake-up, at the cost
// of that much busy CPU per wait. Spinning adapts: a Conn never spins when
// GOMAXPROCS or the CPU set it may run on (sched_getaffinity, when it is
// made) holds fewer than two CPUs, since the spinner would take the CPU
// the peer needs to answer; and a wait that spins its whole budget in vain
// makes the next 1, 2, 4... up to 256 waits park at once, until a wait's
// data comes while spinning again. The default, 0, never spins: right for
// connections that sit idle, such as a server's, and on a machine with
// few CPUs (bench/RESULTS.md has the figures).
type SpinReads int

// AcceptFiles lets a Conn over a unix socket carry open files with frames
// ([Conn.WriteFiles], [Conn.ReadFiles]). Without it, files that arrive are
// closed (by the kernel, as the bytes are read), never leaked.
var AcceptFiles Option = acceptFiles{}

// Defaults.
const (
	DefaultMaxFrame   = 16 << 20 // of MaxFrame: 16 MiB
	DefaultReadBuffer = 64 << 10 // of ReadBuffer: 64 KiB
	DefaultSmallFrame = 16 << 10 // of SmallFrame: 16 KiB
)

type config struct {
	maxFrame, readBuffer, smallFrame int
	spinReads                        int
	files                            bool
	control                          ControlHandler
	pending                          []byte // see Pending
	shared                           bool   // see AcceptShared
	sharedThreshold                  int
}

type acceptFiles struct{}

func (m MaxFrame) apply(c *config)   { c.maxFrame = int(m) }
func (r ReadBuffer) apply(c *config) { c.readBuffer = int(r) }
func (s SmallFrame) apply(c *config) { c.smallFrame = int(s) }
func (s SpinReads) apply(c *config)  { c.spinReads = max(int(s), 0) }
func (acceptFiles) apply(c *config)  { c.files = true }

func newConfig(opts []Option) config {
	c := config{maxFrame: DefaultMaxFrame, readBuffer: DefaultReadBuffer, smallFrame: DefaultSmallFrame,
		sharedThreshold: DefaultSharedThreshold}
	for _, o := range opts {
		o.apply(&c)
	}
	if c.maxFrame <= 0 || c.maxFrame > maxWire {
		c.maxFrame = DefaultMaxFrame
	}
	if c.control != nil {
		c.maxFrame = min(c.maxFrame, maxControlled)
	}
	if c.shared {
		c.maxFrame = min(c.maxFrame, maxShared)
	}
	if c.readBuffer < 4*HeaderSize {
		c.readBuffer = DefaultReadBuffer
	}
	c.smallFrame = min(max(c.smallFrame, 0), c.maxFrame)
	return c
}

package proc

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"syscall"
	"time"
)

// AcceptOptions configures [AcceptLoop]. The zero value means the
// documented defaults; AcceptLoop fills them into its own copy.
type AcceptOptions struct {
	// Timeout is the longest a connection may last: when it passes, the
	// handler's ctx is canceled and the connection closed. 0 means 10s,
	// as in the original; a negative value means no limit.
	Timeout time.Duration

	// MaxConns is how many connections may be handled at once. One
	// accepted past it waits up to SlotWait for a connection to end (no
	// other is accepted meanwhile: they wait in the listen queue), and is
	// closed, before any byte is read or written, if none does. 0 means
	// 64.
	MaxConns int

	// SlotWait is how long a connection accepted past MaxConns waits for
	// a slot: long enough for a burst of short connections (clients that
	// connect and hang up at once) to drain, so that it does not turn
	// others away. Once one has waited in vain, those accepted after it
	// are closed at once until a slot frees. 0 means 1s; a negative
	// value closes them at once.
	SlotWait time.Duration

	// Pause is how long accepting stops when the process or the system is
	// out of file descriptors (EMFILE, ENFILE) or kernel memory (ENOBUFS,
	// ENOMEM). 0 means 100ms.
	Pause time.Duration

	// StopGrace is how long, once ctx is done, a connection may go on
	// writing: its reading side is shut at once, and when StopGrace has
	// passed it is closed outright, whatever write deadline its handler
	// set, so that a client that never reads cannot hold up the stop.
	// 0 means 500ms; a negative value closes connections at once.
	StopGrace time.Duration

	// Admit, if set, is asked about each connection as soon as it is
	// accepted, before it takes one of the MaxConns slots: false closes
	// it at once, and it counts for nothing. It runs on the accepting
	// goroutine, so it must be quick and must not wait for the peer (an
	// address allow-list, a check of the peer's credentials), and it logs
	// its refusals itself if they are to be logged.
	Admit func(conn net.Conn) bool

	// Logger receives refused connections, handler panics and accept
	// pauses. nil means slog.Default().
	Logger *slog.Logger
}

// Defaults of [AcceptOptions].
const (
	DefaultAcceptTimeout = 10 * time.Second       // of AcceptOptions.Timeout
	DefaultMaxConns      = 64                     // of AcceptOptions.MaxConns
	DefaultSlotWait      = time.Second            // of AcceptOptions.SlotWait
	DefaultAcceptPause   = 100 * time.Millisecond // of AcceptOptions.Pause
	DefaultStopGrace     = 500 * time.Millisecond // of AcceptOptions.StopGrace
)

// withDefaults returns a copy of o with the defaults filled in.
func (o AcceptOptions) withDefaults() AcceptOptions {
	if o.Timeout == 0 {
		o.Timeout = DefaultAcceptTimeout
	}
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	if o.SlotWait == 0 {
		o.SlotWait = DefaultSlotWait
	}
	if o.Pause <= 0 {
		o.Pause = DefaultAcceptPause
	}
	if o.StopGrace == 0 {
		o.StopGrace = DefaultStopGrace
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// AcceptLoop accepts connections on ln until ctx is done and runs handler
// for each in a goroutine of its own. It is the original's
// Release_socket.accept_loop, with these differences:
//
//   - The handler's ctx is canceled, and its connection closed, when
//     [AcceptOptions.Timeout] passes (10s by default). When ctx is done,
//     the handler's ctx is canceled and its connection's reading side is
//     shut (reads see the end of the stream) but it stays open for
//     writing, so an answer in progress (say, to the request that asked
//     for the stop) still goes out; it is closed when the handler
//     returns, or when [AcceptOptions.StopGrace] (500ms by default) has
//     passed, whichever comes first.
//   - The connection is always closed when the handler returns, and a
//     handler panic is recovered and logged ("handler panicked", with keys
//     "remote", "panic" and "stack"): one bad connection never ends the
//     loop or the process.
//   - [AcceptOptions.Admit], if set, refuses connections before they
//     count. At most [AcceptOptions.MaxConns] connections run at once;
//     one past them waits for a slot ([AcceptOptions.SlotWait], 1s by default),
//     and is closed if none frees. Such refusals are logged at most once
//     a second ("connections refused: too many connections", with keys
//     "count", "max_conns" and "remotes").
//   - When the process runs out of file descriptors, accepting pauses for
//     [AcceptOptions.Pause] and then resumes, rather than spinning on the
//     error or exiting; connections wait in the listen queue meanwhile.
//
// AcceptLoop owns ln and closes it when it returns. When ctx is done it
// closes ln, cancels every handler's ctx, waits for the handlers to return
// and returns ctx.Err(); handlers must therefore honor their ctx, and
// return once their connection fails. A handler that does returns within
// StopGrace whatever its client does, and so does AcceptLoop. Any other
// accept error ends the loop the same way and is returned.
func AcceptLoop(ctx context.Context, ln net.Listener, handler func(ctx context.Context, conn net.Conn), opts AcceptOptions) error {
	a := &acceptor{opts: opts.withDefaults(), handler: handler, conns: map[net.Conn]struct{}{}}
	a.log = a.opts.Logger.With("component", "accept", "addr", ln.Addr().String())
	a.tooMany = newRefusalLog(a.log, "connections refused: too many connections", "remotes",
		"max_conns", a.opts.MaxConns)
	a.slots = make(chan struct{}, a.opts.MaxConns)
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	err := a.loop(ctx, ln)
	stop()
	ln.Close()
	cancel() // handlers' contexts, once the loop ended for another reason
	a.drain()
	a.tooMany.close()
	return err
}

// acceptor is the state of one AcceptLoop.
type acceptor struct {
	opts    AcceptOptions
	handler func(ctx context.Context, conn net.Conn)
	log     *slog.Logger
	tooMany *refusalLog   // connections past MaxConns
	slots   chan struct{} // one token per running connection
	wg      sync.WaitGroup
	paused  bool // accepting is paused for lack of resources
	full    bool // a connection waited for a slot in vain, none freed since

	mu    sync.Mutex
	conns map[net.Conn]struct{} // the connections being served
}

// loop accepts until ctx is done or Accept fails for good.
func (a *acceptor) loop(ctx context.Context, ln net.Listener) error {
	for {
		conn, err := ln.Accept()
		if ctx.Err() != nil {
			if conn != nil {
				conn.Close()
			}
			return ctx.Err()
		}
		if err != nil {
			if !outOfResources(err) {
				return err
			}
			if err := a.pause(ctx, err); err != nil {
				return err
			}
			continue
		}
		if a.paused {
			a.paused = false
			a.log.Info("accept resumed")
		}
		if a.opts.Admit != nil && !a.opts.Admit(conn) {
			conn.Close()
			continue
		}
		a.start(ctx, conn)
	}
}

// pause waits out a shortage of file descriptors or memory, logging the
// first pause of a run of them.
func (a *acceptor) pause(ctx context.Context, cause error) error {
	if !a.paused {
		a.paused = true
		a.log.Warn("accept paused", "err", cause, "pause", a.opts.Pause)
	}
	t := time.NewTimer(a.opts.Pause)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// start runs the handler for conn in a goroutine, or closes conn when
// MaxConns connections run and none ends in time.
func (a *acceptor) start(ctx context.Context, conn net.Conn) {
	if !a.takeSlot(ctx) {
		a.tooMany.add(remoteAddr(conn))
		conn.Close()
		return
	}
	a.track(conn, true)
	a.wg.Go(func() {
		defer func() { <-a.slots }()
		defer a.track(conn, false)
		a.serve(ctx, conn)
	})
}

// takeSlot takes a connection slot, waiting up to SlotWait for one to
// free, but not when the last wait was in vain and none has freed since.
func (a *acceptor) takeSlot(ctx context.Context) bool {
	select {
	case a.slots <- struct{}{}:
		a.full = false
		return true
	default:
	}
	if a.full || a.opts.SlotWait < 0 {
		return false
	}
	t := time.NewTimer(a.opts.SlotWait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return true
	case <-t.C:
		a.full = true
	case <-ctx.Done():
	}
	return false
}

// track adds conn to the connections being served, or removes it.
func (a *acceptor) track(conn net.Conn, add bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if add {
		a.conns[conn] = struct{}{}
	} else {
		delete(a.conns, conn)
	}
}

// drain waits for the handlers to return; past StopGrace, it closes the
// connections still open, so that handlers blocked writing to clients that
// do not read fail and return.
func (a *acceptor) drain() {
	done := make(chan struct{})
	go func() {
		a.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(max(a.opts.StopGrace, 0))
	defer t.Stop()
	select {
	case <-done:
		return
	case <-t.C:
	}
	a.mu.Lock()
	for conn := range a.conns {
		conn.Close()
	}
	a.mu.Unlock()
	<-done
}

// serve runs the handler for one connection, with its timeout, and closes
// the connection whatever happens.
func (a *acceptor) serve(parent context.Context, conn net.Conn) {
	var ctx context.Context
	var cancel context.CancelFunc
	if a.opts.Timeout > 0 {
		ctx, cancel = context.WithTimeout(parent, a.opts.Timeout)
	} else {
		ctx, cancel = context.WithCancel(parent)
	}
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		// Shutting down: shut the reading side (reads see the end of the
		// stream, whatever deadline the handler sets), and let a write in
		// progress finish until drain closes the conn. Timed out, no
		// grace, or a conn that cannot: close it.
		cr, ok := conn.(interface{ CloseRead() error })
		if parent.Err() == nil || a.opts.StopGrace < 0 || !ok || cr.CloseRead() != nil {
			conn.Close()
		}
	})
	defer stop()
	defer conn.Close()
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("handler panicked", "remote", remoteAddr(conn),
				"panic", p, "stack", string(debug.Stack()))
		}
	}()
	a.handler(ctx, conn)
}

// outOfResources reports whether an accept error is a shortage that passes
// once connections close, rather than a broken listener.
func outOfResources(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM)
}

// remoteAddr is conn's peer address for the log; unix peers usually have
// none.
func remoteAddr(conn net.Conn) string {
	if a := conn.RemoteAddr(); a != nil {
		return a.String()
	}
	return ""
}

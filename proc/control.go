package proc

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/release-daemon/release/frame"
)

// ControlPeer is the process at the other end of a control connection, as
// the kernel saw it when it connected (SO_PEERCRED).
type ControlPeer struct {
	UID, GID int // effective ids
	PID      int // its process ID
}

// ControlHandler answers one request on a control socket. req is valid
// only until the handler returns; copy it to keep it. The response is
// written back as one frame (nil is an empty frame). An error closes the
// connection without a response, as does a panic, which is logged. ctx is
// canceled when the connection's timeout passes or the socket shuts down.
type ControlHandler func(ctx context.Context, peer ControlPeer, req []byte) (resp []byte, err error)

// ControlOptions configures [ControlSocket]. The zero value means the
// documented defaults; ControlSocket fills them into its own copy.
type ControlOptions struct {
	// Mode is the socket file's permission bits, set with chmod after
	// bind whatever the umask. 0 means 0600.
	Mode fs.FileMode

	// AllowUIDs are the peers' effective uids that may use the socket;
	// others are closed as soon as they are accepted, without a byte read
	// or written and before they count against MaxConns. Empty means root
	// and the calling process's effective uid.
	AllowUIDs []int

	// MaxFrame is the largest request, in bytes; a larger one closes the
	// connection. It bounds responses too: a handler's response larger
	// than MaxFrame closes the connection without an answer, as an error
	// does. 0 means 64 KiB.
	MaxFrame int

	// IdleTimeout is how long a connection may take to send a whole
	// request, counted from when the previous response was written (or
	// from connecting), and to take a response. 0 means 5s.
	IdleTimeout time.Duration

	// Timeout, MaxConns and StopGrace are those of [AcceptOptions]: the
	// longest a connection may last (0 means 10s, negative no limit), how
	// many allowed peers may be connected at once (0 means 64), and how
	// long, once ctx is done, a response may take to go out before its
	// connection is closed (0 means 500ms, negative none).
	Timeout   time.Duration
	MaxConns  int           // allowed peers connected at once
	StopGrace time.Duration // how long a response may take once ctx is done

	// Logger receives refused peers and connections closed for a bad
	// frame, a timeout or a handler error. Refused peers are logged at
	// most once a second, as "control peers refused" with keys "count"
	// and "uids" (a few of the uids refused; "unknown" for a peer whose
	// credentials could not be read). nil means slog.Default().
	Logger *slog.Logger
}

// controlReadBuffer is the read buffer of a control connection: requests
// are small, and a connection that sends junk and hangs up should cost
// little; a larger request gets a buffer of its own size.
const controlReadBuffer = 4 << 10

// Defaults of [ControlOptions].
const (
	DefaultControlMode        fs.FileMode = 0o600           // the socket's mode
	DefaultControlMaxFrame                = 64 << 10        // the largest request, in bytes
	DefaultControlIdleTimeout             = 5 * time.Second // the longest wait for a request
)

// withDefaults returns a copy of o with the defaults filled in.
func (o ControlOptions) withDefaults() ControlOptions {
	if o.Mode == 0 {
		o.Mode = DefaultControlMode
	}
	o.Mode &= fs.ModePerm
	if len(o.AllowUIDs) == 0 {
		o.AllowUIDs = []int{0, os.Geteuid()}
	}
	if o.MaxFrame <= 0 {
		o.MaxFrame = DefaultControlMaxFrame
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultControlIdleTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// ControlSocket serves a control socket, the original's
// Release_ipc.control_socket: it listens on a unix stream socket at path
// and answers frames (package frame: a 4-byte big-endian length, then the
// payload) with handler, one response per request, in order, until ctx is
// done. It returns ctx.Err() then, once every connection is closed and the
// socket file removed.
//
// The socket file is made [ControlOptions.Mode] (0600 by default). A socket
// file a dead process left at path is replaced; a live one (something
// accepts connections on it) is refused with [ErrAddrInUse], and anything
// else at path (a regular file, a symbolic link, a directory) with
// [ErrNotSocket], leaving it untouched. The directory holding path should
// be writable only by the caller: between the probe and bind, and between
// bind and chmod, another user able to write there could interfere. On
// return the file is removed if path still names the socket bound here.
//
// Each peer's credentials are read with SO_PEERCRED as soon as it is
// accepted; a peer whose uid is not in [ControlOptions.AllowUIDs] is closed
// before anything is read or written, and takes no connection slot, so a
// flood of them does not keep allowed peers out. Unlike the original, where
// one idle client stopped the whole master, a client that is idle past
// [ControlOptions.IdleTimeout], sends a bad or oversized frame, or whose
// request the handler fails, loses its own connection and nothing else.
// Connections run as in [AcceptLoop]; in particular, once ctx is done, a
// response still going out gets [ControlOptions.StopGrace] before its
// connection is closed, so a client that never reads cannot hold up the
// return.
func ControlSocket(ctx context.Context, path string, handler ControlHandler, opts ControlOptions) error {
	s, err := bindControl(path, handler, opts, nil)
	if err != nil {
		return err
	}
	return s.serveUntil(ctx)
}

// bindControl binds the control socket now (or takes inherited, the one
// a master's previous image served) and returns its server, whose
// serveUntil serves it until ctx ends and then removes it: so that a
// Master can fail before starting anything when the path is taken, and
// be ready only once the socket is connectable.
func bindControl(path string, handler ControlHandler, opts ControlOptions, inherited *net.UnixListener) (*controlServer, error) {
	o := opts.withDefaults()
	ln, id := inherited, fs.FileInfo(nil)
	var err error
	if ln == nil {
		if ln, id, err = listenControl(path, o.Mode); err != nil {
			return nil, err
		}
	} else if id, err = os.Lstat(path); err != nil {
		id = nil // gone meanwhile: not ours to remove
	}
	log := o.Logger.With("component", "control", "path", path)
	return &controlServer{opts: o, handler: handler, log: log, ln: ln, path: path, id: id,
		refused: newRefusalLog(log, "control peers refused", "uids")}, nil
}

// serveUntil serves the socket until ctx ends, then removes it.
func (s *controlServer) serveUntil(ctx context.Context) error {
	defer removeIfSame(s.path, s.id)
	defer s.refused.close()
	o := s.opts
	return AcceptLoop(ctx, s.ln, s.serve, AcceptOptions{
		Timeout: o.Timeout, MaxConns: o.MaxConns, StopGrace: o.StopGrace,
		Admit: s.admit, Logger: o.Logger})
}

// controlServer serves the connections of one ControlSocket.
type controlServer struct {
	opts     ControlOptions
	handler  ControlHandler
	log      *slog.Logger
	refused  *refusalLog // peers not allowed, or whose uid is unknown
	ln       *net.UnixListener
	path     string
	id       fs.FileInfo  // the socket file bound, to remove only it
	inflight atomic.Int32 // requests being answered
}

// waitIdle waits, for at most d, until no request is being answered.
func (s *controlServer) waitIdle(d time.Duration) {
	for end := time.Now().Add(d); s.inflight.Load() > 0 && time.Now().Before(end); {
		time.Sleep(time.Millisecond)
	}
}

// admit lets in the peers whose uid is allowed, before they take a slot.
func (s *controlServer) admit(nc net.Conn) bool {
	peer, err := peerCred(nc)
	switch {
	case err != nil:
		s.refused.add("unknown")
	case !s.allowed(peer.UID):
		s.refused.add(peer.UID)
	default:
		return true
	}
	return false
}

// serve answers the requests of one admitted peer.
func (s *controlServer) serve(ctx context.Context, nc net.Conn) {
	peer, err := peerCred(nc)
	if err != nil { // admit read it a moment ago: nothing to do but close
		s.log.Warn("control peer unknown", "err", err)
		return
	}
	log := s.log.With("uid", peer.UID, "pid", peer.PID)
	c := frame.New(nc, frame.MaxFrame(s.opts.MaxFrame), frame.ReadBuffer(controlReadBuffer))
	defer c.Close()
	err = s.answer(ctx, c, peer)
	switch {
	case err == nil || ctx.Err() != nil:
	case errors.Is(err, os.ErrDeadlineExceeded):
		log.Info("control connection idle, closed", "idle_timeout", s.opts.IdleTimeout)
	default:
		log.Warn("control connection closed", "err", err)
	}
}

// answer reads requests and writes responses until the peer leaves or
// something fails. It returns nil when the peer closes between requests.
func (s *controlServer) answer(ctx context.Context, c *frame.Conn, peer ControlPeer) error {
	for {
		c.SetReadDeadline(time.Now().Add(s.opts.IdleTimeout))
		req, err := c.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		s.inflight.Add(1)
		resp, err := s.handler(ctx, peer, req)
		if err != nil {
			s.inflight.Add(-1)
			return err
		}
		c.SetWriteDeadline(time.Now().Add(s.opts.IdleTimeout))
		err = c.Write(resp)
		s.inflight.Add(-1)
		if err != nil {
			return err
		}
	}
}

// allowed reports whether uid may use the socket.
func (s *controlServer) allowed(uid int) bool {
	return slices.Contains(s.opts.AllowUIDs, uid)
}

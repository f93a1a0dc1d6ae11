package frame

import "errors"

var (
	// ErrTooLarge means a frame longer than the Conn's maximum. Read
	// returns it, before allocating anything, when a header announces one,
	// and closes the connection; Write returns it without writing.
	ErrTooLarge = errors.New("frame: frame too large")

	// ErrClosed means the Conn was closed.
	ErrClosed = errors.New("frame: use of closed connection")

	// ErrWriteCut means a write whose context ended after part of a frame
	// had gone out (see [Conn.WriteContext]): the stream is cut inside a
	// frame, so every later write on the Conn returns it.
	ErrWriteCut = errors.New("frame: a canceled write cut a frame short")

	// ErrFilesTruncated means files sent with a frame did not all arrive:
	// the kernel truncated them, as it does when the receiver is at its
	// limit of open files. Read and ReadFiles return it for that frame,
	// never the frame without its files, and for every read after; the
	// files that did arrive are closed.
	ErrFilesTruncated = errors.New("frame: files sent with a frame were truncated")

	// ErrTooManyFiles means a peer sent more files with one frame than
	// fdpass.MaxFiles, the most WriteFiles sends, perhaps in pieces of a
	// frame it never ends. The read fails, every file that arrived is
	// closed, and the connection is closed.
	ErrTooManyFiles = errors.New("frame: too many files for one frame")

	// ErrFilesRefused means WriteFiles or ReadFiles on a Conn that did not
	// opt in with AcceptFiles, or whose connection is not a unix socket.
	ErrFilesRefused = errors.New("frame: files are not accepted on this connection")

	// ErrDetached means a read or write on a Conn that [Conn.Detach]
	// gave up its connection.
	ErrDetached = errors.New("frame: the connection was detached")

	// ErrSharedRefused means ShareMemory on a Conn that cannot share
	// memory: not over a unix socket, with a MaxFrame of 0xFE000000 bytes
	// or more, closed, or sharing already.
	ErrSharedRefused = errors.New("frame: shared memory is not possible on this connection")

	// ErrSharedPeer means the peer broke the shared-memory protocol: a
	// descriptor naming a place or a length other than the reader's own
	// reckoning, a malformed or second setup, rings that could shrink or
	// are not tmpfs files of the announced size, or a consumed count that
	// went back or past what was written. The read or write fails, and
	// every later one; a reader closes the connection.
	ErrSharedPeer = errors.New("frame: shared memory: the peer broke the protocol")
)

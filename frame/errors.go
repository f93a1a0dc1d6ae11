package frame

import "errors"

var (
	// ErrTooLarge means a frame longer than the Conn's maximum. Read
	// returns it, before allocating anything, when a header announces one,
	// and closes the connection; Write returns it without writing.
	ErrTooLarge = errors.New("frame: frame too large")

	// ErrClosed means the Conn was closed.
	ErrClosed = errors.New("frame: use of closed connection")

	// ErrFilesRefused means WriteFiles or ReadFiles on a Conn that did not
	// opt in with AcceptFiles, or whose connection is not a unix socket.
	ErrFilesRefused = errors.New("frame: files are not accepted on this connection")
)

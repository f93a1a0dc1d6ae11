package fdpass

import "errors"

var (
	// ErrTruncated means a message's files could not all be received: the
	// kernel truncated the control message (MSG_CTRUNC), or it carried more
	// files than the receiver accepts. Every file that did arrive was closed.
	ErrTruncated = errors.New("fdpass: files in the message were truncated")

	// ErrTooMany means a Send of more than MaxFiles files, refused before
	// anything was sent.
	ErrTooMany = errors.New("fdpass: too many files for one message")

	// ErrNoData means a Send of files with no bytes to carry them.
	ErrNoData = errors.New("fdpass: files need at least one byte of data")

	// ErrNoFile means a message that should have carried a file (a
	// listener or a connection) arrived without one.
	ErrNoFile = errors.New("fdpass: no file in the message")
)

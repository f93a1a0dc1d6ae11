// Package fdpass sends open files between processes over unix sockets
// (SCM_RIGHTS): bytes and up to [MaxFiles] files in one message, and whole
// listeners and connections, so that a privileged master can bind port 80
// and hand the socket to unprivileged workers.
//
// [Send] and [Recv] work on a [*net.UnixConn], through Go's netpoller, so
// deadlines apply and no thread is parked. [SendFDs] and [RecvFDs] are the
// same on raw fds, for code below package net. [AppendRights] and
// [ParseRights] build and walk the control message by hand, into buffers the
// caller owns, for callers that must not allocate (package frame).
//
// Received fds are always close-on-exec (MSG_CMSG_CLOEXEC), so a child
// started at the same moment never inherits one. When the kernel could not
// deliver every fd of a message (MSG_CTRUNC: the receiver's buffer was too
// small or it hit RLIMIT_NOFILE), or a message carries more fds than the
// receiver accepts, every fd that did arrive is closed and the call returns
// [ErrTruncated]: the data is never handed on as if it came without them.
//
// A message that carries files must carry at least one byte of data: on a
// stream socket the files travel with that byte. Files passed to Send must
// stay open until Send returns.
//
// It does not pass credentials (SCM_CREDENTIALS) and does not frame
// messages; package frame does that on top of it.
package fdpass

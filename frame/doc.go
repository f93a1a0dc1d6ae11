// Package frame reads and writes length-prefixed messages, the wire of the
// Release library: a 4-byte big-endian payload length, then the payload,
// and nothing else, so that a control program in any language speaks it in
// a few lines. See [Conn], [AppendFrame] and [ErrTooLarge].
//
// A [Conn] spends at most one system call per frame: a small payload is
// copied beside its header and written once, a large one goes out with its
// header in one writev, without a copy, and [Conn.WriteBatch] sends many
// frames in one writev. Reading fills a buffer outside the Go heap (package
// zbuf) with as many frames as one read brings, and [Conn.Read] hands out
// views into it, valid until the next Read. A maximum frame size, checked
// before anything is allocated, keeps a peer from making the reader
// allocate what it likes.
//
// Every call that can block has a form that gives up when a context ends
// ([Conn.ReadContext], [Conn.WriteContext], [Conn.WriteBatchContext],
// [Conn.WriteFilesContext], [Client.Call], [Client.SendContext], [Serve]),
// returning ctx.Err(). A write canceled before any byte of its frame went
// out leaves the Conn as it was; one canceled part way cuts the stream,
// and the Conn then fails every write with [ErrWriteCut].
//
// Frames can carry open files over unix sockets ([Conn.WriteFiles],
// [Conn.ReadFiles]) on a Conn that opted in with [AcceptFiles]; files that
// arrive on any other Conn are closed, never leaked. A frame whose files
// the kernel could not all pass, as at the process's limit of open files,
// is an error ([ErrFilesTruncated]), never a frame without them.
//
// A Conn made with [WithControl] also carries small control frames beside
// the application's, whose header starts with the byte 0xFF (no frame
// the application may send can have that header): [Conn.WriteControl]
// sends one between two frames, and whoever reads the Conn, a Read, a
// Client, Serve, or [Conn.WatchControl] while no one else reads, hands
// them to a handler and never returns them as frames. Package proc runs
// its readiness and heartbeat messages this way, on the same connection
// as the application's frames, without disturbing a Client or Serve.
//
// Between a master and its workers, payloads above 1 KiB can go through
// shared memory instead of the socket, which copies every byte twice:
// [Conn.ShareMemory] on one end, [AcceptShared] on the other, and each
// payload above the [SharedThreshold], up to half the ring, is copied
// once into a ring of a memfd both ends map, with a 16-byte descriptor
// frame in its place in the stream. Read returns a view of the ring, valid until the next Read;
// Write, WriteBatch, a Client and Serve are unchanged. A writer whose
// ring is full waits for the reader to let go of payloads, giving up as
// any write does: when its context ends, at the write deadline, at Close,
// or when the peer hangs up. The peer is not trusted: it can write to the rings at
// any time, lie in its descriptors, stop reading or die. A reader
// accepts a descriptor only where its own reckoning puts the next
// payload, never past the ring or into a payload it holds, else the
// Conn fails with [ErrSharedPeer]; a writer checks the reader's count of
// what it consumed; rings are sealed against shrinking, so no access can
// fault; and Close unmaps both rings. A view's bytes, though, stay the
// peer's to change while they are looked at: copy ([Conn.ReadCopy])
// what must not change between a check and its use. shm.go holds the
// wire format and the whole model.
//
// With package proc, the Worker's SharedMemory field turns it on: the
// master shares the rings right after the worker starts, before anything
// else is written, and the worker's Conn takes them (proc tells it to
// accept them). The master closes a worker's Conn, which unmaps the rings,
// only once the worker has exited and its Handler has returned, so no
// view is unmapped under the Handler; a Handler writing to a worker that
// died while the ring was full gets EPIPE within milliseconds.
//
// On top, a typed layer, the original's Release_ipc functor as generics:
// [Codec] turns values into payloads and back, [Client] makes calls
// (pipelined, many goroutines at once, answers matched in order), and
// [Serve] answers them.
//
// It does not reconnect, authenticate peers or encrypt; package proc
// checks who is at the other end of its sockets.
package frame

package zbuf

import (
	"context"
	"runtime"
	"syscall"
)

// ReadOnce reads at most n bytes from fd into buf at offset off with a
// single successful read(2), as the original's read_once does, and returns
// the number read. The bytes land in buf's memory directly; buf's length
// grows to cover them, as with [Buffer.Set]. off and n must be such that
// off+n is within buf's capacity.
//
// fd is anything with a [syscall.RawConn]: *os.File, *net.UnixConn,
// *net.TCPConn... EINTR is retried; EAGAIN parks the goroutine in the
// netpoller until fd is readable (the package doc says how to wrap a raw
// int fd). At end of file ReadOnce returns 0 and [io.EOF]. A read deadline
// set on fd applies, giving an error matching [os.ErrDeadlineExceeded].
// It returns [ErrReadOnly] if buf is a mapped file.
func ReadOnce(fd syscall.Conn, buf Buffer, off, n int) (int, error) {
	h := buf.live("ReadOnce")
	if off < 0 || n < 0 || off > len(h.mem)-n {
		panic(rangeError("ReadOnce at [%d:+%d] with capacity %d", off, n, len(h.mem)))
	}
	if h.ro {
		return 0, ErrReadOnly
	}
	if n == 0 {
		return 0, nil
	}
	rc, err := fd.SyscallConn()
	if err != nil {
		return 0, err
	}
	got, err := readSome(rc, h.mem[off:off+n])
	runtime.KeepAlive(h) // the memory must not be reclaimed during the read
	if got > 0 {
		h.extend(off, off+got)
	}
	return got, err
}

// ReadFull reads exactly n bytes from fd into a new buffer from the
// default Pool; see [Pool.ReadFull].
func ReadFull(ctx context.Context, fd syscall.Conn, n int) (Buffer, error) {
	return defaultPool().ReadFull(ctx, fd, n)
}

// ReadFull reads exactly n bytes from fd into a new buffer of length n
// from p, which the caller must free. It returns [io.EOF] if fd was at end
// of file, and [io.ErrUnexpectedEOF], with no buffer, if the stream ended
// part-way: unlike the original's read, which handed back the shorter
// buffer it had read, a short read is an error here (use [ReadOnce] in a
// loop to keep a partial read). When ctx ends first, the read stops and
// ReadFull returns ctx.Err(); for a deadline the error also matches
// [os.ErrDeadlineExceeded]. On every error it returns the zero Buffer and
// keeps nothing: the bytes read so far are lost and the stream is out of
// step, so the caller should close fd.
//
// ctx interrupts the read by setting a read deadline in the past on fd,
// as package net does, and clearing it afterwards: a read deadline of fd's
// own is lost if ctx ends during the call. A fd with no read deadlines (a
// regular file) cannot be interrupted. Waiting, EINTR and EAGAIN are as
// for ReadOnce.
func (p *Pool) ReadFull(ctx context.Context, fd syscall.Conn, n int) (Buffer, error) {
	if ctx.Err() != nil {
		return Buffer{}, ctxError(ctx)
	}
	rc, err := fd.SyscallConn()
	if err != nil {
		return Buffer{}, err
	}
	buf, err := p.Get(n)
	if err != nil || n == 0 {
		return buf, err
	}
	stop := watchRead(ctx, fd)
	h := buf.h
	got, err := readFull(rc, h.mem[:n])
	if stop() && err != nil {
		err = ctxError(ctx)
	}
	if err != nil {
		_ = buf.Free()
		return Buffer{}, err
	}
	h.n = got
	return buf, nil
}

// WriteAll writes all of buf's bytes to fd, straight from buf's memory,
// looping over short writes, as the original's write does. EINTR is
// retried and EAGAIN waits in the netpoller, as for [ReadOnce]; a write
// deadline set on fd applies. Writing from a mapped file that shrank
// returns an error wrapping [ErrFault].
func WriteAll(fd syscall.Conn, buf Buffer) error {
	h := buf.live("WriteAll")
	if h.n == 0 {
		return nil
	}
	rc, err := fd.SyscallConn()
	if err != nil {
		return err
	}
	err = writeAll(rc, h.mem[:h.n])
	runtime.KeepAlive(h) // the memory must not be reclaimed during the write
	return err
}

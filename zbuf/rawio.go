package zbuf

import (
	"fmt"
	"io"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// The loops below run inside rc.Read and rc.Write, on the fd the
// connection owns, so it stays in the netpoller: a callback returns false
// on EAGAIN, which parks the goroutine (not the thread) until the fd is
// ready, and the runtime calls it again.

// eintr calls op (unix.Read or unix.Write) until it is not interrupted.
// Every read and write in this package goes through it.
func eintr(op func(int, []byte) (int, error), fd int, p []byte) (int, error) {
	for {
		n, err := op(fd, p)
		if err != unix.EINTR {
			return n, err
		}
	}
}

// readSome reads once into p, which is not empty: n > 0, or io.EOF, or an
// error.
func readSome(rc syscall.RawConn, p []byte) (int, error) {
	var n int
	var errno error
	err := rc.Read(func(fd uintptr) bool {
		n, errno = eintr(unix.Read, int(fd), p)
		return errno != unix.EAGAIN
	})
	switch {
	case err != nil:
		return 0, err
	case errno != nil:
		return 0, os.NewSyscallError("read", errno)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// readFull reads until p is full. It returns io.EOF if the stream ended
// before the first byte and io.ErrUnexpectedEOF if it ended after.
func readFull(rc syscall.RawConn, p []byte) (int, error) {
	var got int
	var errno error
	eof := false
	err := rc.Read(func(fd uintptr) bool {
		for got < len(p) {
			n, e := eintr(unix.Read, int(fd), p[got:])
			switch {
			case e == unix.EAGAIN:
				return false
			case e != nil:
				errno = e
				return true
			case n == 0:
				eof = true
				return true
			}
			got += n
		}
		return true
	})
	switch {
	case err != nil:
		return got, err
	case errno != nil:
		return got, os.NewSyscallError("read", errno)
	case eof && got == 0:
		return 0, io.EOF
	case eof:
		return got, io.ErrUnexpectedEOF
	}
	return got, nil
}

// writeAll writes all of p.
func writeAll(rc syscall.RawConn, p []byte) error {
	var done int
	var errno error
	err := rc.Write(func(fd uintptr) bool {
		for done < len(p) {
			n, e := eintr(unix.Write, int(fd), p[done:])
			if e == unix.EAGAIN {
				return false
			}
			if e != nil {
				errno = e
				return true
			}
			done += n
		}
		return true
	})
	switch {
	case err != nil:
		return err
	case errno == unix.EFAULT:
		return fmt.Errorf("%w (%w)", ErrFault, os.NewSyscallError("write", errno))
	case errno != nil:
		return os.NewSyscallError("write", errno)
	}
	return nil
}

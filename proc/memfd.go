package proc

import (
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// What a master hands over in a file (a worker's sandbox program, the
// upgrade state record) goes in a memfd sealed so that no one can change
// it afterwards, and is read only from such a memfd.

// allSeals leave a memfd as it is for good.
const allSeals = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE

// errNotSealed: a descriptor that should be a sealed memfd is not.
var errNotSealed = errors.New("not a sealed memfd")

// sealedMemfd returns a memfd holding b, sealed, at offset 0; flags may
// add MFD_CLOEXEC.
func sealedMemfd(name string, b []byte, flags int) (int, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_ALLOW_SEALING|flags)
	if err != nil {
		return -1, os.NewSyscallError("memfd_create", err)
	}
	fail := func(op string, err error) (int, error) {
		unix.Close(fd)
		return -1, os.NewSyscallError(op, err)
	}
	for off := 0; off < len(b); {
		n, err := unix.Write(fd, b[off:])
		if err != nil {
			return fail("write", err)
		}
		off += n
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, allSeals); err != nil {
		return fail("fcntl F_ADD_SEALS", err)
	}
	if _, err := unix.Seek(fd, 0, 0); err != nil {
		return fail("lseek", err)
	}
	return fd, nil
}

// readSealed reads at most limit bytes of the sealed memfd fd, and closes
// it. A descriptor that is not one is left alone: errNotSealed.
func readSealed(fd int, limit int64) ([]byte, error) {
	if seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0); err != nil || seals&allSeals != allSeals {
		return nil, errNotSealed
	}
	f := os.NewFile(uintptr(fd), "sealed memfd")
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

package proc

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// lockTarget is a lock file's directory, opened and checked once, and the
// file's name in it. Every step of a [Lock] works relative to that
// descriptor, so a directory renamed or replaced meanwhile changes nothing.
type lockTarget struct {
	path string // as the caller gave it, for errors and the LockFile
	dir  int    // an O_PATH descriptor of the directory
	name string // the file's name in dir
}

// openTarget opens path's directory (following symbolic links there, as
// /var/run often is one) and checks it.
func openTarget(path string) (*lockTarget, error) {
	dir, name := ".", path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		dir, name = path[:i+1], path[i+1:]
	}
	if name == "" || name == "." || name == ".." {
		return nil, &os.PathError{Op: "lock", Path: path, Err: syscall.EISDIR}
	}
	fd, err := openat(unix.AT_FDCWD, dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	t := &lockTarget{path: path, dir: fd, name: name}
	if err := t.checkDir(); err != nil {
		t.close()
		return nil, err
	}
	return t, nil
}

func (t *lockTarget) close() { unix.Close(t.dir) }

// open opens the lock file, or creates it with our PID already inside, so
// that it is never seen empty.
func (t *lockTarget) open() (*os.File, error) {
	for {
		f, err := t.openExisting()
		if !errors.Is(err, fs.ErrNotExist) {
			return f, err
		}
		if f, err = t.create(); f != nil || err != nil {
			return f, err
		}
		// Someone else created it first: open theirs.
	}
}

// openExisting opens the file the name holds, refusing it unless it is
// safe to write our PID into.
func (t *lockTarget) openExisting() (*os.File, error) {
	fd, err := openat(t.dir, t.name, unix.O_RDWR|unix.O_NOFOLLOW|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err == unix.ELOOP { // O_NOFOLLOW's answer for a symbolic link
		return nil, t.unsafe("it is a symbolic link")
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: t.path, Err: err}
	}
	f := os.NewFile(uintptr(fd), t.path)
	if err := t.checkFile(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// names reports whether the name still holds the open file f.
func (t *lockTarget) names(f *os.File) bool {
	var a, b unix.Stat_t
	return unix.Fstat(int(f.Fd()), &a) == nil &&
		unix.Fstatat(t.dir, t.name, &b, unix.AT_SYMLINK_NOFOLLOW) == nil &&
		a.Dev == b.Dev && a.Ino == b.Ino
}

// openat is unix.Openat, again on EINTR.
func openat(dir int, name string, flags int, mode uint32) (int, error) {
	for {
		fd, err := unix.Openat(dir, name, flags, mode)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

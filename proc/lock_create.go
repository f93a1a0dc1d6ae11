package proc

import (
	"crypto/rand"
	"errors"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Tests turn these on to take the fallbacks of file systems without
// O_TMPFILE, and without renameat2's RENAME_NOREPLACE too.
var lockNoTmpfile, lockNoRename bool

// errNoTmpfile means the kernel or file system cannot make an unnamed file
// and link it into place.
var errNoTmpfile = errors.New("no O_TMPFILE")

// create makes the lock file with our PID already inside and returns it,
// locked, or nil, nil if someone else made it first. No other name of the
// file outlives the call, whatever happens.
func (t *lockTarget) create() (*os.File, error) {
	if !lockNoTmpfile {
		f, err := t.createUnnamed()
		if !errors.Is(err, errNoTmpfile) {
			return f, err
		}
	}
	return t.createNamed()
}

// createUnnamed makes the file with O_TMPFILE and links it into place.
func (t *lockTarget) createUnnamed() (*os.File, error) {
	fd, err := openat(t.dir, ".", unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err == unix.EOPNOTSUPP || err == unix.EISDIR || err == unix.EINVAL {
		return nil, errNoTmpfile
	}
	if err != nil {
		return nil, &os.PathError{Op: "create", Path: t.path, Err: err}
	}
	f := os.NewFile(uintptr(fd), t.path)
	err = fill(f)
	if err == nil {
		err = t.linkUnnamed(fd)
	}
	return placed(f, t.path, err)
}

// linkUnnamed gives the unnamed file fd its name, through /proc, or without
// /proc where the process may (CAP_DAC_READ_SEARCH).
func (t *lockTarget) linkUnnamed(fd int) error {
	err := ignoringEINTR(func() error {
		return unix.Linkat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(fd), t.dir, t.name, unix.AT_SYMLINK_FOLLOW)
	})
	if err == unix.ENOENT {
		err = ignoringEINTR(func() error { return unix.Linkat(fd, "", t.dir, t.name, unix.AT_EMPTY_PATH) })
	}
	if err == unix.ENOENT || err == unix.EPERM {
		return errNoTmpfile
	}
	return err
}

// createNamed makes the file under a new random name and renames it into
// place, removing the temporary name whatever happens.
func (t *lockTarget) createNamed() (*os.File, error) {
	tmp, fd, err := t.openTemp()
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), t.path)
	err = fill(f)
	if err == nil {
		err = t.placeNamed(tmp)
	} else {
		unix.Unlinkat(t.dir, tmp, 0)
	}
	return placed(f, t.path, err)
}

// openTemp creates a file under a name nobody has: a leftover or planted
// file only makes it draw again.
func (t *lockTarget) openTemp() (string, int, error) {
	for range 16 {
		tmp := "." + t.name + ".tmp" + rand.Text()
		fd, err := openat(t.dir, tmp, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err == nil {
			return tmp, fd, nil
		}
		if err != unix.EEXIST {
			return "", -1, &os.PathError{Op: "create", Path: t.path, Err: err}
		}
	}
	return "", -1, &os.PathError{Op: "create", Path: t.path, Err: errors.New("no free temporary name")}
}

// placeNamed renames tmp into place unless the name is taken, and removes
// tmp if it is still there.
func (t *lockTarget) placeNamed(tmp string) error {
	err := error(unix.EINVAL) // what a file system without it answers
	if !lockNoRename {
		err = ignoringEINTR(func() error {
			return unix.Renameat2(t.dir, tmp, t.dir, t.name, unix.RENAME_NOREPLACE)
		})
	}
	if err == nil {
		return nil
	}
	if err == unix.EINVAL || err == unix.ENOSYS { // no RENAME_NOREPLACE here
		// Linked, the file has two names until tmp goes: Lock looks at
		// the count only under the lock, which we hold all that while.
		err = ignoringEINTR(func() error { return unix.Linkat(t.dir, tmp, t.dir, t.name, 0) })
	}
	unix.Unlinkat(t.dir, tmp, 0)
	return err
}

// fill locks the new file f, so that whoever opens it once it has a name
// finds it locked, and writes our PID into it, mode 0644 whatever the umask.
func fill(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		_, err = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	return err
}

// placed returns f if it was put in place, or closes it: nil, nil if the
// name was taken first, else the error.
func placed(f *os.File, path string, err error) (*os.File, error) {
	if err == nil {
		return f, nil
	}
	f.Close()
	if err == unix.EEXIST {
		return nil, nil
	}
	if errno, ok := err.(syscall.Errno); ok {
		err = &os.PathError{Op: "create", Path: path, Err: errno}
	}
	return nil, err
}

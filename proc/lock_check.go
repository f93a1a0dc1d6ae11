package proc

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// checkDir refuses a directory that others may write to without the sticky
// bit: anyone could replace the lock file there.
func (t *lockTarget) checkDir() error {
	var st unix.Stat_t
	if err := unix.Fstat(t.dir, &st); err != nil {
		return &os.PathError{Op: "stat", Path: t.path, Err: err}
	}
	if st.Mode&0o002 != 0 && st.Mode&unix.S_ISVTX == 0 {
		return t.unsafe(fmt.Sprintf("its directory is writable by others and not sticky (mode %#o)", st.Mode&0o7777))
	}
	return nil
}

// checkFile refuses anything but a regular file of ours that only we can
// write: another user could hold its lock for ever or rewrite the PID.
func (t *lockTarget) checkFile(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	uid, euid := fi.Sys().(*syscall.Stat_t).Uid, os.Geteuid()
	switch {
	case !fi.Mode().IsRegular():
		return t.unsafe(fmt.Sprintf("it is not a regular file (%v)", fi.Mode().Type()))
	case int(uid) != euid:
		return t.unsafe(fmt.Sprintf("it is owned by uid %d, not by this process's uid %d", uid, euid))
	case fi.Mode().Perm()&0o002 != 0:
		return t.unsafe(fmt.Sprintf("it is writable by others (mode %v)", fi.Mode().Perm()))
	}
	return nil
}

// checkLinks refuses a file with another name besides the lock's: the PID
// would be written into that other file.
func (t *lockTarget) checkLinks(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if n := fi.Sys().(*syscall.Stat_t).Nlink; n != 1 {
		return t.unsafe(fmt.Sprintf("it has %d hard links", n))
	}
	return nil
}

// unsafe is the error refusing the lock file for the reason given.
func (t *lockTarget) unsafe(reason string) error {
	return &os.PathError{Op: "lock", Path: t.path, Err: fmt.Errorf("%w: %s", ErrUnsafeLock, reason)}
}

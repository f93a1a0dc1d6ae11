package proc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
)

// LockFile is a held lock file: an flock(2) on the file, with the holder's
// PID written inside. Make one with [Lock].
type LockFile struct {
	mu   sync.Mutex
	path string
	f    *os.File // nil once unlocked
}

// Lock takes the lock file at path, creating it if needed, and writes the
// calling process's PID into it as "<pid>\n". Of any number of processes
// racing for the same path, exactly one wins; the others get a
// [*LockedError] (errors.Is(err, [ErrLocked])) naming the holder's PID.
//
// The lock is flock(2): the kernel releases it when the holder dies, so a
// file left behind by a dead process is simply locked again and rewritten.
// Nothing looks at whether the PID inside is alive (PIDs are reused). The
// file is created with its content already in it and rewritten in place
// without truncating it first, so a reader never sees an empty file; readers
// should take its first line. A path that is a symbolic link or not a
// regular file is refused, the file is made mode 0644, and the descriptor is
// close-on-exec, so no child process holds the lock by accident.
func Lock(path string) (*LockFile, error) {
	for range 16 {
		f, err := openLock(path)
		if err != nil {
			return nil, err
		}
		l, err := lockOpened(path, f)
		if l != nil || err != nil {
			return l, err
		}
		// The path was unlinked or replaced between our open and our
		// flock: the lock we got is on a file nobody else will open.
	}
	return nil, &os.PathError{Op: "lock", Path: path, Err: errors.New("file keeps being replaced")}
}

// lockOpened flocks f and, if the path still names f, writes our PID. It
// returns nil, nil when the path no longer names f and the caller should
// try again.
func lockOpened(path string, f *os.File) (*LockFile, error) {
	err := ignoringEINTR(func() error {
		return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	})
	if errors.Is(err, syscall.EWOULDBLOCK) {
		pid := holderPID(f)
		f.Close()
		return nil, &LockedError{Path: path, PID: pid}
	}
	if err != nil {
		f.Close()
		return nil, &os.PathError{Op: "flock", Path: path, Err: err}
	}
	if !sameFile(f, path) {
		f.Close()
		return nil, nil
	}
	l := &LockFile{path: path, f: f}
	if err := l.writePID(os.Getpid()); err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

// openLock opens the lock file at path, or creates it with our PID already
// inside, so that it is never seen empty.
func openLock(path string) (*os.File, error) {
	for {
		f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOFOLLOW, 0)
		if err == nil {
			return f, checkRegular(f, path)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		f, err = createLock(path)
		if f != nil || err != nil {
			return f, err
		}
		// Someone else created it first: open theirs.
	}
}

// createLock writes our PID into a new temporary file beside path and links
// it into place. It returns nil, nil if path appeared meanwhile.
func createLock(path string) (*os.File, error) {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp"+strconv.Itoa(os.Getpid()))
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	_, err = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	if err == nil {
		err = f.Chmod(0o644) // whatever the umask
	}
	if err == nil {
		err = os.Link(tmp, path)
	}
	if errors.Is(err, fs.ErrExist) {
		f.Close()
		return nil, nil
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkRegular closes f and fails unless it is a regular file.
func checkRegular(f *os.File, path string) error {
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = &os.PathError{Op: "lock", Path: path, Err: fmt.Errorf("not a regular file (%v)", fi.Mode().Type())}
	}
	if err != nil {
		f.Close()
	}
	return err
}

// sameFile reports whether path still names the open file f.
func sameFile(f *os.File, path string) bool {
	a, err1 := f.Stat()
	b, err2 := os.Lstat(path)
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

// writePID rewrites the file as "<pid>\n": the new text over the old in one
// write, then the old tail cut off, so the first line is always a PID.
func (l *LockFile) writePID(pid int) error {
	text := strconv.Itoa(pid) + "\n"
	if _, err := l.f.WriteAt([]byte(text), 0); err != nil {
		return err
	}
	return l.f.Truncate(int64(len(text)))
}

// Path returns the lock file's path.
func (l *LockFile) Path() string { return l.path }

// Unlock removes the lock file, if the path still names the file this
// LockFile holds (another process may have replaced it: then it is left
// alone, as the original's remove_lock_file did), and releases the lock.
// A second Unlock does nothing.
func (l *LockFile) Unlock() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	var err error
	if sameFile(l.f, l.path) {
		err = os.Remove(l.path)
	}
	err = errors.Join(err, l.f.Close()) // closing releases the flock
	l.f = nil
	return err
}

// ignoringEINTR calls f until it returns something other than EINTR.
func ignoringEINTR(f func() error) error {
	for {
		if err := f(); !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

package proc

import (
	"errors"
	"os"
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
// calling process's PID into it as "<pid>\n". Of any number of processes,
// or goroutines, racing for the same path, exactly one wins; the others get
// a [*LockedError] (errors.Is(err, [ErrLocked])) naming the holder's PID.
//
// The lock is flock(2): the kernel releases it when the holder dies, so a
// file left behind by a dead process is simply locked again and rewritten.
// Nothing looks at whether the PID inside is alive (PIDs are reused). The
// file is created with its content already in it and rewritten in place
// without truncating it first, so a reader never sees an empty file; readers
// should take its first line. The file is made mode 0644, and the descriptor
// is close-on-exec, so no child process holds the lock by accident.
//
// A new file is made unnamed (O_TMPFILE) and linked into place; where the
// file system cannot, it is made under a fresh random name, renamed into
// place, and that name is gone before Lock returns. Whatever files were
// planted or left over beside path, under whatever names, they are never
// in the way.
//
// Lock writes only into a file that is plainly its own. It refuses, with
// an error wrapping [ErrUnsafeLock] that names the path and the reason, and
// leaves untouched:
//   - a symbolic link, or anything but a regular file;
//   - a file owned by another user than the effective uid (root included):
//     its owner could hold the lock for ever or rewrite the PID;
//   - a file writable by others, for the same reason;
//   - a file with more than one hard link: writing the PID would overwrite
//     whatever other file it is;
//   - a file in a directory writable by others without the sticky bit, where
//     anyone could replace it (a sticky directory such as /tmp is fine).
//
// The checks are made on the open file and directory, not on their names,
// so nothing swapped in between a check and the write gets written.
func Lock(path string) (*LockFile, error) {
	t, err := openTarget(path)
	if err != nil {
		return nil, err
	}
	defer t.close()
	for range 16 {
		f, err := t.open()
		if err != nil {
			return nil, err
		}
		l, err := t.lockOpened(f)
		if l != nil || err != nil {
			return l, err
		}
		// The path was unlinked or replaced between our open and our
		// flock: the lock we got is on a file nobody else will open.
	}
	return nil, &os.PathError{Op: "lock", Path: path, Err: errors.New("file keeps being replaced")}
}

// lockOpened flocks f and, if the path still names f and f has no other
// name, writes our PID. It returns nil, nil when the path no longer names
// f and the caller should try again.
func (t *lockTarget) lockOpened(f *os.File) (*LockFile, error) {
	err := ignoringEINTR(func() error {
		return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	})
	if errors.Is(err, syscall.EWOULDBLOCK) {
		pid := holderPID(f)
		f.Close()
		return nil, &LockedError{Path: t.path, PID: pid}
	}
	if err != nil {
		f.Close()
		return nil, &os.PathError{Op: "flock", Path: t.path, Err: err}
	}
	if !t.names(f) {
		f.Close()
		return nil, nil
	}
	// The count is looked at only under the lock: a file being created
	// may have two names for an instant (see placeNamed), but its creator
	// holds the lock all that while.
	if err := t.checkLinks(f); err != nil {
		f.Close()
		return nil, err
	}
	l := &LockFile{path: t.path, f: f}
	if err := l.writePID(os.Getpid()); err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
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

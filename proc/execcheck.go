package proc

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinks is how many symbolic links a path may go through, as the
// kernel's own limit for one lookup.
const maxLinks = 40

// checkExecChain applies sshd's rule for the commands root runs to a
// worker's executable: the file, every directory on the way to it from
// "/", and every symbolic link followed must be owned by root or by the
// master's effective uid, and no directory or file writable by group or
// others. A world-writable directory with the sticky bit (as /tmp) is
// accepted: its entries can be replaced only by their owners, who are
// checked in turn. With root set (a worker's Chroot), the chain to root
// is checked as well and path is looked up inside it, absolute links
// going back to root. The error wraps [ErrUnsafeExecutable] and names the
// offending file and the reason.
func checkExecChain(root, path string) error {
	euid := uint32(os.Geteuid())
	if root == "" && path == "/proc/self/exe" {
		// The master's own executable, by the kernel's link to its file:
		// no path to walk (after an upgrade it may be replaced on disk,
		// its link ending in " (deleted)"), and none through which
		// another user could swap it. The file itself is checked.
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		if err := checkOwner(path, fi, euid); err != nil {
			return err
		}
		if fi.Mode().Perm()&0o022 != 0 {
			return fmt.Errorf("%w: %s is writable by group or others (mode %v)", ErrUnsafeExecutable, path, fi.Mode())
		}
		return nil
	}
	base := "/"
	if root != "" {
		if err := walkChain("/", root, euid); err != nil {
			return err
		}
		base = root
	} else if !filepath.IsAbs(path) {
		abs, err := filepath.Abs(path)
		if err != nil {
			return err
		}
		path = abs
	}
	return walkChain(base, path, euid)
}

// walkChain resolves path under root one name at a time, checking each.
func walkChain(root, path string, euid uint32) error {
	if err := checkLink(root, euid, false); err != nil {
		return err
	}
	cur, pending, links := root, splitPath(path), 0
	for len(pending) > 0 {
		name := pending[0]
		pending = pending[1:]
		if name == ".." {
			if cur != root {
				cur = filepath.Dir(cur)
			}
			continue
		}
		next := filepath.Join(cur, name)
		fi, err := os.Lstat(next)
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if err := checkLink(next, euid, len(pending) == 0); err != nil {
				return err
			}
			cur = next
			continue
		}
		if err := checkOwner(next, fi, euid); err != nil {
			return err
		}
		if links++; links > maxLinks {
			return &os.PathError{Op: "exec", Path: path, Err: syscall.ELOOP}
		}
		target, err := os.Readlink(next)
		if err != nil {
			return err
		}
		if filepath.IsAbs(target) {
			cur = root
		}
		pending = append(splitPath(target), pending...)
	}
	return nil
}

// checkLink checks one directory or, last, the file itself.
func checkLink(path string, euid uint32, last bool) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if err := checkOwner(path, fi, euid); err != nil {
		return err
	}
	perm := fi.Mode().Perm()
	switch {
	case perm&0o022 == 0:
		return nil
	case fi.IsDir() && !last && fi.Mode()&fs.ModeSticky != 0:
		return nil
	}
	return fmt.Errorf("%w: %s is writable by group or others (mode %v)", ErrUnsafeExecutable, path, fi.Mode())
}

// checkOwner refuses a file owned by anyone but root and euid.
func checkOwner(path string, fi fs.FileInfo, euid uint32) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%w: %s has no owner to check", ErrUnsafeExecutable, path)
	}
	if st.Uid != 0 && st.Uid != euid {
		return fmt.Errorf("%w: %s is owned by uid %d, not by root or the master's uid %d", ErrUnsafeExecutable, path, st.Uid, euid)
	}
	return nil
}

// splitPath cuts a path into its names, without empty ones or ".".
func splitPath(p string) []string {
	var out []string
	for name := range strings.SplitSeq(p, "/") {
		if name != "" && name != "." {
			out = append(out, name)
		}
	}
	return out
}

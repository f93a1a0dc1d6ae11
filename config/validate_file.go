package config

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
)

// The validations of files. Each wants a string value, a path, and looks at
// the file when the Config is checked, not when the program uses it later:
// the file may have changed by then (a TOCTOU race), so a program must
// still handle errors when it opens the file. All follow symbolic links
// (os.Stat), except SymbolicLink, which looks at the link itself
// (os.Lstat); a dangling link fails all but SymbolicLink. A failure to stat
// is the [*fs.PathError] itself, so errors.Is(err, fs.ErrNotExist) works.

// ExistingFile checks that the value names something that exists: a file
// of any type, a directory included.
func ExistingFile(v Value) error { return statCheck(v, os.Stat, nil, "") }

// RegularFile checks that the value names a regular file.
func RegularFile(v Value) error {
	return statCheck(v, os.Stat, func(fi fs.FileInfo) bool { return fi.Mode().IsRegular() }, "is not a regular file")
}

// NonemptyFile checks that the value names a regular file that is not
// empty.
func NonemptyFile(v Value) error {
	return statCheck(v, os.Stat, func(fi fs.FileInfo) bool { return fi.Mode().IsRegular() && fi.Size() > 0 },
		"is not a non-empty regular file")
}

// ExistingDirectory checks that the value names a directory.
func ExistingDirectory(v Value) error {
	return statCheck(v, os.Stat, fs.FileInfo.IsDir, "is not a directory")
}

// ExistingDirname checks that the directory part of the value's path
// (filepath.Dir) is a directory, as a file about to be created needs.
func ExistingDirname(v Value) error {
	path, ok := v.Str()
	if !ok {
		return notA(v, KindString)
	}
	return statCheck(StringValue(filepath.Dir(path)), os.Stat, fs.FileInfo.IsDir, "is not a directory")
}

// BlockDevice checks that the value names a block device.
func BlockDevice(v Value) error {
	return statCheck(v, os.Stat, func(fi fs.FileInfo) bool {
		return fi.Mode()&fs.ModeDevice != 0 && fi.Mode()&fs.ModeCharDevice == 0
	}, "is not a block device")
}

// CharacterDevice checks that the value names a character device.
func CharacterDevice(v Value) error {
	return statCheck(v, os.Stat, modeIs(fs.ModeCharDevice), "is not a character device")
}

// NamedPipe checks that the value names a named pipe (a FIFO).
func NamedPipe(v Value) error {
	return statCheck(v, os.Stat, modeIs(fs.ModeNamedPipe), "is not a named pipe")
}

// UnixSocket checks that the value names a unix domain socket.
func UnixSocket(v Value) error {
	return statCheck(v, os.Stat, modeIs(fs.ModeSocket), "is not a unix socket")
}

// SymbolicLink checks that the value names a symbolic link, whether or not
// its target exists. It is the one file validation that uses os.Lstat.
func SymbolicLink(v Value) error {
	return statCheck(v, os.Lstat, modeIs(fs.ModeSymlink), "is not a symbolic link")
}

// FileWithMode returns a validation that the value names a file whose
// permission bits, with the setuid, setgid and sticky bits, are exactly
// perm, written as for chmod: 0o640, 0o4755.
func FileWithMode(perm uint32) Validation {
	return func(v Value) error {
		return statCheck(v, os.Stat, func(fi fs.FileInfo) bool { return unixPerm(fi.Mode()) == perm },
			fmt.Sprintf("does not have mode %#o", perm))
	}
}

// FileWithOwner returns a validation that the value names a file owned by
// the user named owner, looked up (os/user) when the validation runs.
func FileWithOwner(owner string) Validation {
	return func(v Value) error {
		u, err := user.Lookup(owner)
		if err != nil {
			return err
		}
		return statCheck(v, os.Stat, func(fi fs.FileInfo) bool { id, ok := fileOwner(fi); return ok && id == u.Uid },
			"is not owned by "+owner)
	}
}

// FileWithGroup returns a validation that the value names a file whose
// group is the one named group, looked up (os/user) when the validation
// runs.
func FileWithGroup(group string) Validation {
	return func(v Value) error {
		g, err := user.LookupGroup(group)
		if err != nil {
			return err
		}
		return statCheck(v, os.Stat, func(fi fs.FileInfo) bool { id, ok := fileGroup(fi); return ok && id == g.Gid },
			"does not have group "+group)
	}
}

// statCheck stats the path in v and checks it with ok (nil: any file),
// failing with "path what".
func statCheck(v Value, stat func(string) (fs.FileInfo, error), ok func(fs.FileInfo) bool, what string) error {
	path, isString := v.Str()
	if !isString {
		return notA(v, KindString)
	}
	fi, err := stat(path)
	if err != nil {
		return err
	}
	if ok != nil && !ok(fi) {
		return fmt.Errorf("%s %s", strconv.Quote(path), what)
	}
	return nil
}

func modeIs(m fs.FileMode) func(fs.FileInfo) bool {
	return func(fi fs.FileInfo) bool { return fi.Mode()&m != 0 }
}

// unixPerm returns m's permission bits as chmod writes them.
func unixPerm(m fs.FileMode) uint32 {
	p := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		p |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		p |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		p |= 0o1000
	}
	return p
}

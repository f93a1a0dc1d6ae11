//go:build unix

// Built on unix systems, where a file has a numeric owner and group.

package config

import (
	"io/fs"
	"strconv"
	"syscall"
)

// fileOwner returns the file's uid in decimal, as os/user writes it.
func fileOwner(fi fs.FileInfo) (string, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", false
	}
	return strconv.FormatUint(uint64(st.Uid), 10), true
}

// fileGroup returns the file's gid in decimal, as os/user writes it.
func fileGroup(fi fs.FileInfo) (string, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", false
	}
	return strconv.FormatUint(uint64(st.Gid), 10), true
}

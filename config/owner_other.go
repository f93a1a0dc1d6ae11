//go:build !unix

// Built on systems without unix file owners: FileWithOwner and
// FileWithGroup always fail there.

package config

import "io/fs"

func fileOwner(fs.FileInfo) (string, bool) { return "", false }

func fileGroup(fs.FileInfo) (string, bool) { return "", false }

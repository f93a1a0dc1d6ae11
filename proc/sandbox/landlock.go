package sandbox

import (
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// Ruleset is the Landlock half of a compiled spec: the file system
// accesses that are refused unless a rule grants them, the scopes, and
// one rule per unveiled path. The kernel's ABI may know fewer accesses
// than HandledFS; the applier masks them and reports what it could not
// enforce.
type Ruleset struct {
	HandledFS uint64     // LANDLOCK_ACCESS_FS_* handled (refused outside rules)
	Scoped    uint64     // LANDLOCK_SCOPE_* (signals, abstract unix sockets)
	Rules     []PathRule // sorted by path
}

// PathRule grants Access beneath Path (to the file itself if Path is not
// a directory).
type PathRule struct {
	Path   string // absolute
	Access uint64 // LANDLOCK_ACCESS_FS_*
}

// Landlock file system accesses by the ABI that brought them.
const (
	fsABI1 = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE |
		unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR |
		unix.LANDLOCK_ACCESS_FS_REMOVE_DIR | unix.LANDLOCK_ACCESS_FS_REMOVE_FILE |
		unix.LANDLOCK_ACCESS_FS_MAKE_CHAR | unix.LANDLOCK_ACCESS_FS_MAKE_DIR |
		unix.LANDLOCK_ACCESS_FS_MAKE_REG | unix.LANDLOCK_ACCESS_FS_MAKE_SOCK |
		unix.LANDLOCK_ACCESS_FS_MAKE_FIFO | unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK |
		unix.LANDLOCK_ACCESS_FS_MAKE_SYM
	fsABI2 = unix.LANDLOCK_ACCESS_FS_REFER
	fsABI3 = unix.LANDLOCK_ACCESS_FS_TRUNCATE
	fsABI5 = unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	fsABI9 = unix.LANDLOCK_ACCESS_FS_RESOLVE_UNIX // connect and send to pathname unix sockets

	// fileAccess are the accesses that apply to a file, not only beneath a directory.
	fileAccess = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE |
		unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE |
		unix.LANDLOCK_ACCESS_FS_IOCTL_DEV | unix.LANDLOCK_ACCESS_FS_RESOLVE_UNIX

	scopes = unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | unix.LANDLOCK_SCOPE_SIGNAL

	// abiTSync is the first ABI whose landlock_restrict_self can restrict
	// every thread at once.
	abiTSync = 8
)

// requiredABI is the ABI whose accesses and scopes a spec needs enforced,
// unless best-effort; later accesses (fsABI9) are used where the kernel
// has them and reported where it does not.
const requiredABI = 6

// handledFS are the accesses ABI v knows.
func handledFS(v int) uint64 {
	var h uint64
	for _, a := range []struct {
		abi  int
		bits uint64
	}{{1, fsABI1}, {2, fsABI2}, {3, fsABI3}, {5, fsABI5}, {9, fsABI9}} {
		if v >= a.abi {
			h |= a.bits
		}
	}
	return h
}

// scopesOf are the scopes ABI v knows.
func scopesOf(v int) uint64 {
	if v >= 6 {
		return scopes
	}
	return 0
}

// rightsAccess maps unveil rights to Landlock accesses. Making devices
// (MAKE_CHAR, MAKE_BLOCK) is never granted.
func rightsAccess(r Rights) uint64 {
	var a uint64
	if r&Read != 0 {
		a |= unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR
	}
	if r&Write != 0 {
		a |= unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE |
			unix.LANDLOCK_ACCESS_FS_IOCTL_DEV | unix.LANDLOCK_ACCESS_FS_RESOLVE_UNIX
	}
	if r&Execute != 0 {
		a |= unix.LANDLOCK_ACCESS_FS_EXECUTE
	}
	if r&Create != 0 {
		a |= unix.LANDLOCK_ACCESS_FS_MAKE_REG | unix.LANDLOCK_ACCESS_FS_MAKE_DIR |
			unix.LANDLOCK_ACCESS_FS_MAKE_SYM | unix.LANDLOCK_ACCESS_FS_MAKE_SOCK |
			unix.LANDLOCK_ACCESS_FS_MAKE_FIFO | unix.LANDLOCK_ACCESS_FS_REMOVE_FILE |
			unix.LANDLOCK_ACCESS_FS_REMOVE_DIR | unix.LANDLOCK_ACCESS_FS_REFER
	}
	return a
}

// ruleset returns the Landlock half of s, or nil when s does not unveil.
func (s *Spec) ruleset() *Ruleset {
	if !s.veiled() {
		return nil
	}
	rs := &Ruleset{HandledFS: handledFS(99), Scoped: scopes}
	for _, u := range s.Unveil {
		rs.Rules = append(rs.Rules, PathRule{u.Path, rightsAccess(u.Rights)})
	}
	slices.SortFunc(rs.Rules, func(a, b PathRule) int { return strings.Compare(a.Path, b.Path) })
	return rs
}

// missing names what ABI v cannot enforce of rs, and whether any of it
// is required (below requiredABI's features).
func (rs *Ruleset) missing(v int) (names []string, required bool) {
	if v < 1 {
		return []string{"landlock"}, true
	}
	for _, f := range []struct {
		name string
		bits uint64
		abi  int
	}{
		{"landlock refer", fsABI2, 2}, {"landlock truncate", fsABI3, 3},
		{"landlock ioctl_dev", fsABI5, 5}, {"landlock resolve_unix", fsABI9, 9},
	} {
		if rs.HandledFS&f.bits != 0 && handledFS(v)&f.bits == 0 {
			names = append(names, f.name)
			required = required || f.abi <= requiredABI
		}
	}
	if rs.Scoped&^scopesOf(v) != 0 {
		names = append(names, "landlock scopes")
		required = true
	}
	return names, required
}

package sandbox

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// landlockABI returns the kernel's Landlock ABI version, 0 without Landlock.
func landlockABI() int {
	r, _, errno := unix.RawSyscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if errno != 0 {
		return 0
	}
	return int(r)
}

// rulesetAttr is struct landlock_ruleset_attr up to ABI 6.
type rulesetAttr struct {
	handledFS, handledNet, scoped uint64
}

// pathBeneathAttr is struct landlock_path_beneath_attr; the kernel's is
// packed, 12 bytes, which are the first 12 of this one.
type pathBeneathAttr struct {
	allowed uint64
	fd      int32
}

// create makes a Landlock ruleset of rs for ABI v and returns its fd.
func (rs *Ruleset) create(v int) (int, error) {
	attr := rulesetAttr{handledFS: rs.HandledFS & handledFS(v), scoped: rs.Scoped & scopesOf(v)}
	size := unsafe.Sizeof(attr)
	switch {
	case v < 4:
		size = 8 // handled_access_fs only
	case v < 6:
		size = 16 // and handled_access_net
	}
	r, _, errno := unix.RawSyscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), size, 0)
	if errno != 0 {
		return -1, os.NewSyscallError("landlock_create_ruleset", errno)
	}
	fd := int(r)
	for _, rule := range rs.Rules {
		if err := addPathRule(fd, rule, attr.handledFS); err != nil {
			unix.Close(fd)
			return -1, err
		}
	}
	return fd, nil
}

// addPathRule adds rule to the ruleset fd, keeping only the handled
// accesses and, for a file, those that apply to files.
func addPathRule(fd int, rule PathRule, handled uint64) error {
	pfd, err := unix.Open(rule.Path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("%w %s: %v", ErrUnveil, rule.Path, err)
	}
	defer unix.Close(pfd)
	var st unix.Stat_t
	if err := unix.Fstat(pfd, &st); err != nil {
		return fmt.Errorf("%w %s: %v", ErrUnveil, rule.Path, err)
	}
	access := rule.Access & handled
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		access &= fileAccess
	}
	if access == 0 {
		return nil // a right that means nothing here, such as c on a file
	}
	attr := pathBeneathAttr{allowed: access, fd: int32(pfd)}
	_, _, errno := unix.RawSyscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(fd), unix.LANDLOCK_RULE_PATH_BENEATH,
		uintptr(unsafe.Pointer(&attr)), 0, 0, 0)
	if errno != 0 {
		return fmt.Errorf("%w %s: landlock_add_rule: %v", ErrUnveil, rule.Path, errno)
	}
	return nil
}

// restrictAll puts the ruleset fd on every thread: with the kernel's
// TSYNC flag from ABI 8, otherwise with the runtime's all-threads system
// call, which a cgo program does not have (ErrThreads). It returns how.
func restrictAll(fd, v int) (string, error) {
	if v >= abiTSync {
		_, _, errno := unix.RawSyscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(fd), unix.LANDLOCK_RESTRICT_SELF_TSYNC, 0)
		if errno == 0 {
			return "tsync", nil
		}
		if errno != unix.EINVAL {
			return "", os.NewSyscallError("landlock_restrict_self TSYNC", errno)
		}
	}
	_, _, errno := syscall.AllThreadsSyscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(fd), 0, 0)
	switch {
	case errno == syscall.ENOTSUP:
		return "", ErrThreads
	case errno != 0:
		return "", os.NewSyscallError("landlock_restrict_self on all threads", errno)
	}
	return "all-threads", nil
}

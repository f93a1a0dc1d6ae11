package proc

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// DropOption is a setting for [DropPrivileges]: [Chroot], [NoChroot],
// [AllowRootGroup] or [ParentDeathSignal]. Options are plain values.
type DropOption interface{ applyDrop(*dropConfig) }

// Chroot is the directory to chroot into instead of the user's home.
type Chroot string

// NoChroot drops privileges without a chroot; the working directory still
// becomes "/".
var NoChroot DropOption = noChroot{}

// AllowRootGroup allows a target user whose primary group is gid 0.
var AllowRootGroup DropOption = allowRootGroup{}

// ParentDeathSignal is the signal the process gets when its parent dies.
// Linux clears it on every credential change, so DropPrivileges arms it
// again after the drop and then checks that the parent has not died in
// between.
type ParentDeathSignal syscall.Signal

type dropConfig struct {
	chroot    string // "" for the user's home
	noChroot  bool
	rootGroup bool
	deathSig  syscall.Signal
}

type noChroot struct{}
type allowRootGroup struct{}

func (c Chroot) applyDrop(d *dropConfig)            { d.chroot, d.noChroot = string(c), false }
func (noChroot) applyDrop(d *dropConfig)            { d.noChroot = true }
func (allowRootGroup) applyDrop(d *dropConfig)      { d.rootGroup = true }
func (s ParentDeathSignal) applyDrop(d *dropConfig) { d.deathSig = syscall.Signal(s) }

// DropPrivileges makes the process run as the named user, for good. It
// looks the user up (an unknown user is an error wrapping
// [user.UnknownUserError]) and refuses uid 0, and gid 0 unless
// [AllowRootGroup]. Then, while still root: it chroots to the user's home
// directory (the original's behaviour and the default; see [Chroot] and
// [NoChroot]) after checking that the directory is safe ([ErrUnsafeJail]),
// changes to "/", sets the supplementary groups to the user's primary group
// only, and sets the group and user IDs, real, effective and saved. Go
// applies these to every thread of the process.
//
// It then verifies the result: uid, euid, gid, egid and the groups are as
// asked, and setuid(0) fails. Any difference is [ErrDropFailed], after which
// the process must exit. Finally it arms the [ParentDeathSignal] again, if
// one was given.
//
// It changes the whole process and cannot be undone. Look up anything else
// that needs the host's files (/etc/passwd, certificates) before calling it
// with a chroot.
func DropPrivileges(name string, opts ...DropOption) error {
	var cfg dropConfig
	for _, o := range opts {
		o.applyDrop(&cfg)
	}
	uid, gid, home, err := lookupTarget(name, cfg.rootGroup)
	if err != nil {
		return err
	}
	if cfg.chroot == "" {
		cfg.chroot = home
	}
	ppid := os.Getppid()
	if err := enterJail(cfg); err != nil {
		return err
	}
	if err := setCredentials(uid, gid); err != nil {
		return err
	}
	if err := verifyDrop(uid, gid); err != nil {
		return err
	}
	return armDeathSignal(cfg.deathSig, ppid)
}

// lookupTarget finds the user's IDs and home, refusing root.
func lookupTarget(name string, rootGroup bool) (uid, gid int, home string, err error) {
	u, err := user.Lookup(name)
	if err != nil {
		return 0, 0, "", fmt.Errorf("proc: dropping privileges: %w", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	switch {
	case err1 != nil || err2 != nil:
		return 0, 0, "", fmt.Errorf("proc: user %q has a non-numeric uid or gid", name)
	case uid == 0:
		return 0, 0, "", fmt.Errorf("%w: user %q has uid 0", ErrRootTarget, name)
	case gid == 0 && !rootGroup:
		return 0, 0, "", fmt.Errorf("%w: user %q has gid 0", ErrRootTarget, name)
	}
	return uid, gid, u.HomeDir, nil
}

// enterJail chroots into the configured directory, if any, and moves to "/".
func enterJail(cfg dropConfig) error {
	if !cfg.noChroot {
		if err := checkJail(cfg.chroot); err != nil {
			return err
		}
		if err := syscall.Chroot(cfg.chroot); err != nil {
			return &os.PathError{Op: "chroot", Path: cfg.chroot, Err: err}
		}
	}
	if err := syscall.Chdir("/"); err != nil {
		return &os.PathError{Op: "chdir", Path: "/", Err: err}
	}
	return nil
}

// checkJail applies sshd's rule: a real directory, owned by root, writable
// by no one else.
func checkJail(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnsafeJail, err)
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	why := ""
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		why = "is a symbolic link"
	case !fi.IsDir():
		why = "is not a directory"
	case st == nil || st.Uid != 0:
		why = "is not owned by root"
	case fi.Mode().Perm()&0o022 != 0:
		why = fmt.Sprintf("is writable by group or others (mode %v)", fi.Mode().Perm())
	default:
		return nil
	}
	return fmt.Errorf("%w: %s %s", ErrUnsafeJail, dir, why)
}

// setCredentials sets groups, then gid, then uid: the order that keeps the
// right to make the next change. Go's syscall versions apply to all threads.
func setCredentials(uid, gid int) error {
	if err := syscall.Setgroups([]int{gid}); err != nil {
		return os.NewSyscallError("setgroups", err)
	}
	if err := syscall.Setresgid(gid, gid, gid); err != nil {
		return os.NewSyscallError("setresgid", err)
	}
	if err := syscall.Setresuid(uid, uid, uid); err != nil {
		return os.NewSyscallError("setresuid", err)
	}
	return nil
}

// verifyDrop checks every ID and that root cannot be had back.
func verifyDrop(uid, gid int) error {
	ruid, euid, suid := unix.Getresuid()
	rgid, egid, sgid := unix.Getresgid()
	groups, err := syscall.Getgroups()
	switch {
	case ruid != uid || euid != uid || suid != uid:
		return fmt.Errorf("%w: uids are %d %d %d, want %d", ErrDropFailed, ruid, euid, suid, uid)
	case rgid != gid || egid != gid || sgid != gid:
		return fmt.Errorf("%w: gids are %d %d %d, want %d", ErrDropFailed, rgid, egid, sgid, gid)
	case err != nil || len(groups) != 1 || groups[0] != gid:
		return fmt.Errorf("%w: groups are %v, want [%d]", ErrDropFailed, groups, gid)
	}
	if err := syscall.Setuid(0); err == nil {
		return fmt.Errorf("%w: setuid(0) succeeded", ErrDropFailed)
	}
	return nil
}

// armDeathSignal sets the parent-death signal again and checks that the
// parent did not die before it was set.
func armDeathSignal(sig syscall.Signal, ppid int) error {
	if sig == 0 {
		return nil
	}
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(sig), 0, 0, 0); err != nil {
		return os.NewSyscallError("prctl", err)
	}
	if os.Getppid() != ppid {
		return ErrParentDied
	}
	return nil
}

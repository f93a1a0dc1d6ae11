package proc

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
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
// It sets no-new-privileges on every thread, so that no thread can gain
// privileges again by executing a set-user-ID program or one with file
// capabilities. The flag is per thread and a prctl reaches only the
// calling one, so DropPrivileges sets it on its thread and then installs a
// seccomp filter that allows every system call with the kernel's
// thread-synchronising flag, which copies the flag to every other thread
// of the process at once (afterwards /proc/self/status says "Seccomp: 2";
// the filter costs nothing measurable, as the kernel caches its verdict).
//
// It then verifies the result on every thread of the process, not only the
// calling one: the four user IDs and group IDs are as asked, the groups
// are the user's primary group only, the effective, permitted and ambient
// capability sets are empty, no-new-privileges is set, and setuid(0)
// fails. Any difference is [ErrDropFailed], after which the process must
// exit. The per-thread check reads /proc/self/task, opened before the
// chroot; without /proc it checks the calling thread only.
//
// Linux clears the parent-death signal on every credential change, so
// DropPrivileges arms it again: the [ParentDeathSignal] given, or else the
// one the process had (in a worker, the one its Master started it with),
// and then checks that the parent did not die in between
// ([ErrParentDied]).
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
	if cfg.deathSig == 0 {
		cfg.deathSig = inheritedDeathSignal()
	}
	ppid := os.Getppid()
	tasks := openTasks() // before the chroot hides /proc; nil without it
	if tasks != nil {
		defer tasks.Close()
	}
	if err := enterJail(cfg); err != nil {
		return err
	}
	if err := setCredentials(uid, gid); err != nil {
		return err
	}
	if err := setNoNewPrivs(); err != nil {
		return err
	}
	if err := verifyDrop(uid, gid, tasks); err != nil {
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

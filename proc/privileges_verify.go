package proc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// openTasks opens /proc/self/task, whose entries are the process's
// threads, so that they can be read after a chroot; nil without /proc.
func openTasks() *os.File {
	f, err := os.Open("/proc/self/task")
	if err != nil {
		return nil
	}
	return f
}

// verifyDrop checks that root cannot be had back: the calling thread's IDs
// and groups, setuid(0), and then every thread's credentials as the kernel
// reports them. tasks is /proc/self/task, or nil to check this thread only.
func verifyDrop(uid, gid int, tasks *os.File) error {
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
	if tasks == nil {
		if nnp, _ := unix.PrctlRetInt(unix.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0); nnp != 1 {
			return fmt.Errorf("%w: no-new-privileges is not set", ErrDropFailed)
		}
		return nil
	}
	return verifyTasks(tasks, wantedStatus(uid, gid))
}

// wantedStatus is what every thread's status must say after a drop.
func wantedStatus(uid, gid int) map[string]string {
	u, g := strconv.Itoa(uid), strconv.Itoa(gid)
	const none = "0000000000000000"
	return map[string]string{
		"Uid":        strings.Join([]string{u, u, u, u}, " "),
		"Gid":        strings.Join([]string{g, g, g, g}, " "),
		"Groups":     g,
		"CapEff":     none,
		"CapPrm":     none,
		"CapAmb":     none,
		"NoNewPrivs": "1",
	}
}

// verifyTasks compares every thread's status with want. A thread that
// exits while it is read is skipped; one started later inherits from a
// thread already checked.
func verifyTasks(tasks *os.File, want map[string]string) error {
	if _, err := tasks.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("%w: reading the threads: %w", ErrDropFailed, err)
	}
	tids, err := tasks.Readdirnames(-1)
	if err != nil || len(tids) == 0 {
		return fmt.Errorf("%w: reading the threads: %v", ErrDropFailed, err)
	}
	self := strconv.Itoa(unix.Gettid())
	checkedSelf := false
	for _, tid := range tids {
		got, err := taskStatus(tasks, tid)
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH) {
			continue // the thread exited
		}
		if err != nil {
			return fmt.Errorf("%w: reading thread %s: %w", ErrDropFailed, tid, err)
		}
		checkedSelf = checkedSelf || tid == self
		for k, v := range want {
			if got[k] != v {
				return fmt.Errorf("%w: thread %s has %s %q, want %q", ErrDropFailed, tid, k, got[k], v)
			}
		}
	}
	if !checkedSelf {
		return fmt.Errorf("%w: the calling thread %s was not among those read", ErrDropFailed, self)
	}
	return nil
}

// taskStatus reads one thread's status file into key: value pairs, the
// value's fields joined by one space.
func taskStatus(tasks *os.File, tid string) (map[string]string, error) {
	fd, err := unix.Openat(int(tasks.Fd()), tid+"/status", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "status")
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for line := range strings.Lines(string(b)) {
		k, v, _ := strings.Cut(line, ":")
		out[k] = strings.Join(strings.Fields(v), " ")
	}
	return out, nil
}

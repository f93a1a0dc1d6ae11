package proc

import (
	"errors"
	"fmt"
)

var (
	// ErrLocked means another live process holds the lock file. The error
	// returned is a [*LockedError] naming the holder.
	ErrLocked = errors.New("proc: lock file is held by another process")

	// ErrUnsafeLock means [Lock] refused a lock file it could not safely
	// write its PID into: a symbolic link, not a regular file, owned by
	// another user, writable by others, with more than one hard link, or
	// in a directory writable by others without the sticky bit. The error
	// is an [*os.PathError] naming the path, with the reason.
	ErrUnsafeLock = errors.New("proc: unsafe lock file")

	// ErrNotRoot is returned by [CheckRoot] when the effective uid is not 0.
	ErrNotRoot = errors.New("proc: must run as root")

	// ErrRoot is returned by [CheckNonRoot] when the effective uid is 0.
	ErrRoot = errors.New("proc: must not run as root")

	// ErrNoShim means the program asked to daemonize but the C shim's
	// constructor did not run, as happens with -ldflags=-linkmode=internal.
	ErrNoShim = errors.New("proc: the daemonizing shim did not run (build with cgo's default external linking)")

	// ErrRootTarget means a privilege drop was asked to go to uid 0, or to
	// gid 0 without [AllowRootGroup].
	ErrRootTarget = errors.New("proc: refusing to drop privileges to root")

	// ErrUnsafeJail means a chroot directory that is missing, not a
	// directory, a symbolic link, not owned by root, or writable by group
	// or others (sshd's rule for its privilege-separation directory).
	ErrUnsafeJail = errors.New("proc: unsafe chroot directory")

	// ErrUnsafeExecutable means a Master running as root was asked to
	// run a worker executable that someone else could change: the file,
	// a directory on its path or a symbolic link followed is owned by
	// another user than root and the master's, or writable by group or
	// others (sshd's rule for the commands it runs as root).
	ErrUnsafeExecutable = errors.New("proc: unsafe worker executable")

	// ErrDropFailed means that after a privilege drop the process still had
	// other credentials than asked, or could become root again. The process
	// must exit: its credentials are not what its code expects.
	ErrDropFailed = errors.New("proc: privileges were not dropped")

	// ErrParentDied means the parent process died during a privilege drop,
	// before the parent-death signal was armed again.
	ErrParentDied = errors.New("proc: parent process died")

	// ErrAddrInUse means a live socket, one that accepts connections, is
	// already at a [ControlSocket]'s path. The error is an
	// [*os.PathError] naming the path.
	ErrAddrInUse = errors.New("proc: address already in use")

	// ErrNotSocket means something other than a socket (a regular file, a
	// symbolic link, a directory) is at a [ControlSocket]'s path; it is
	// left untouched. The error is an [*os.PathError] naming the path.
	ErrNotSocket = errors.New("proc: not a socket")

	// ErrNoPeerCred means a connection's peer credentials could not be
	// read because it is not a socket; such a peer is refused.
	ErrNoPeerCred = errors.New("proc: peer credentials unavailable")

	// ErrSandbox means a worker could not enter the sandbox its master
	// gave it (see [Worker].Sandbox): the program did not arrive whole,
	// or the kernel refused part of it. Me returns it before main runs
	// and sends it to the master as the reason the worker did not start.
	ErrSandbox = errors.New("proc: worker sandbox not applied")

	// ErrNoListener means a worker asked [Listen] or [ListenPacket] for a
	// socket its master did not pass it (see [Worker].Listeners), or one
	// it already took.
	ErrNoListener = errors.New("proc: no such listener")

	// ErrListener means a [Listener] could not be had: a bad name, a
	// network Bind does not know, a socket inherited from systemd of the
	// wrong type, or the same name twice in [Master].Listeners.
	ErrListener = errors.New("proc: listener")

	// ErrHandOver means [HandOver] could not pass a connection to the
	// master: not in a worker, too many unread bytes, or the socket
	// failed. The caller still owns the connection.
	ErrHandOver = errors.New("proc: connection not handed over")

	// ErrNoRun means a function that acts on a running Master ([Reload],
	// [Upgrade]) was given a context that no Master's Run made.
	ErrNoRun = errors.New("proc: not in a running Master")

	// ErrUpgradeState means a master re-executed by an upgrade found its
	// state record missing, malformed or of another format: it cannot
	// adopt the running workers, and fails its start.
	ErrUpgradeState = errors.New("proc: bad upgrade state record")

	// ErrUpgrade means an upgrade failed: the new executable did not pass
	// its check, its workers did not get ready in time, or the exec
	// failed. The old image, or the old generation, serves on; the error
	// says why.
	ErrUpgrade = errors.New("proc: upgrade failed")
)

// LockedError is the error of a [Lock] that another process holds.
type LockedError struct {
	Path string // the lock file
	PID  int    // the holder's PID, or 0 when it could not be read
}

// Error names the lock file and, when known, the holder's PID.
func (e *LockedError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("%s: %v", e.Path, ErrLocked)
	}
	return fmt.Sprintf("%s: %v (pid %d)", e.Path, ErrLocked, e.PID)
}

// Unwrap makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Unwrap() error { return ErrLocked }

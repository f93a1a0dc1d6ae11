package sandbox

import (
	"slices"

	"golang.org/x/sys/unix"
)

// promiseCalls are the system calls each promise allows whatever their
// arguments, by promise bit; names missing on an architecture are
// skipped. The calls a promise allows with argument checks (open, socket,
// clone, mmap, ioctl, ...) are in argRules.
var promiseCalls = [nPromises][]string{
	// stdio: I/O on descriptors the worker already holds, including the
	// sockets and listeners the master handed it (accept, options,
	// addresses, shutdown, messages with descriptors), pipes, polling,
	// its own identity and resource use, and waiting for its children.
	{
		"readv", "writev", "pwrite64", "preadv", "pwritev", "preadv2", "pwritev2",
		"lseek", "fstat", "dup", "dup2", "dup3", "fsync", "fdatasync", "ftruncate",
		"getdents", "getdents64", "close_range", "pipe", "pipe2", "poll", "ppoll", "select", "pselect6",
		"sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown",
		"accept", "accept4", "getsockname", "getpeername", "getsockopt", "setsockopt",
		"splice", "tee", "sendfile", "copy_file_range", "msync",
		"timerfd_create", "timerfd_settime", "timerfd_gettime", "signalfd4",
		"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
		"getppid", "getpgid", "getpgrp", "getsid", "getrusage", "times", "sysinfo",
		"getcpu", "umask", "wait4", "getrlimit", "capget", "rt_sigtimedwait",
		"rt_sigpending", "rt_sigsuspend", "pause", "alarm",
	},
	// rpath: reading by path (open for reading is in argRules).
	{
		"stat", "lstat", "newfstatat", "statx", "access", "faccessat", "faccessat2",
		"readlink", "readlinkat", "getcwd", "chdir", "fchdir", "statfs", "fstatfs",
		"getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr",
		"inotify_init1", "inotify_add_watch", "inotify_rm_watch",
	},
	// wpath: writing by path (open for writing is in argRules).
	{"truncate", "fallocate"},
	// cpath: creating and removing names.
	{
		"creat", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat",
		"renameat2", "link", "linkat", "symlink", "symlinkat",
	},
	// fattr: changing what stat shows.
	{
		"chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "fchownat", "lchown",
		"utime", "utimes", "utimensat", "futimesat", "setxattr", "lsetxattr", "fsetxattr",
		"removexattr", "lremovexattr", "fremovexattr",
	},
	// inet and unix: new sockets of their families (socket is in argRules).
	{"bind", "connect", "listen"},
	{"bind", "connect", "listen"},
	// proc: children, process groups, priorities and limits.
	{
		"fork", "vfork", "setpgid", "setsid", "getpriority", "setpriority", "setrlimit",
		"sched_setaffinity",
	},
	// exec: replacing the process image. The filter and the Landlock
	// domain stay on the new image.
	{"execve", "execveat"},
	// prot_exec: all in argRules (mmap, mprotect, pkey_mprotect unchecked).
	nil,
	// id: changing credentials.
	{
		"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
		"setgroups", "setfsuid", "setfsgid", "capset",
	},
	// tty: all in argRules (more ioctl requests).
	nil,
}

// probes are refused with ENOSYS whatever the spec's action, unless
// allowed: the C library, the Go runtime and other libraries try them
// and fall back to older calls that the filter can check (clone3's flags
// and openat2's are behind a pointer) or that it allows (io_uring's work
// is done by the kernel without system calls, out of the filter's sight).
var probes = []string{"clone3", "openat2", "io_uring_setup", "io_uring_enter", "io_uring_register"}

// quiet are refused with EACCES whatever the spec's action, as OpenSSH's
// filter does: libraries open and stat files on their own and cope with
// a refusal, such as the C library's malloc reading
// /sys/devices/system/cpu/online in each new thread, or Go's time
// package reading /etc/localtime. A worker that does so without rpath
// should lose the file, not its life.
var quiet = []string{
	"open", "openat", "stat", "lstat", "newfstatat", "statx", "access", "faccessat",
	"faccessat2", "readlink", "readlinkat",
}

// refusal is what the filter returns for a refused call: ENOSYS for
// probes, EACCES for quiet calls, the action for the rest; with action
// log, the action for all; with learn, the action but for probes.
func refusal(name string, a Action) uint32 {
	switch {
	case a.Kind == Log:
	case slices.Contains(probes, name):
		return unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
	case a.Kind == Learn:
	case slices.Contains(quiet, name):
		return unix.SECCOMP_RET_ERRNO | uint32(unix.EACCES)
	}
	return actionValue(a)
}

// refusalFor is refusal, in a supervised filter when sup: there every
// refusal that is a policy's verdict (EPERM, EACCES, kill) becomes a
// notification to the supervisor, which gives the same verdict and
// reports it. ENOSYS for probes, traps and logs stay in the filter.
func refusalFor(name string, a Action, sup bool) uint32 {
	v := refusal(name, a)
	if sup && notifiable(v) {
		return unix.SECCOMP_RET_USER_NOTIF
	}
	return v
}

// notifiable reports whether a supervised filter notifies instead of
// returning v.
func notifiable(v uint32) bool {
	if v == unix.SECCOMP_RET_KILL_PROCESS || v == unix.SECCOMP_RET_USER_NOTIF {
		return true
	}
	return v&unix.SECCOMP_RET_ACTION_FULL == unix.SECCOMP_RET_ERRNO &&
		v&unix.SECCOMP_RET_DATA != uint32(unix.ENOSYS)
}

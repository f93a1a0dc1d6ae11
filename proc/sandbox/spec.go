package sandbox

import (
	"fmt"
	"syscall"
)

// Promise is a set of promises, each a group of system calls a worker may
// make, after OpenBSD's pledge(2). The runtime baseline is always allowed;
// [Stdio] is what nearly every worker needs on top of it.
type Promise uint32

// The promises. The package documentation lists the system calls of each.
const (
	Stdio     Promise = 1 << iota // I/O on descriptors already open, memory, time, identity
	Rpath                         // open for reading, stat, readlink, chdir
	Wpath                         // open for writing, truncate
	Cpath                         // create, rename, link and remove files and directories
	Fattr                         // change modes, owners, times and attributes of files
	Inet                          // new AF_INET and AF_INET6 sockets: socket, bind, connect, listen
	Unix                          // new AF_UNIX sockets: socket, bind, connect, listen
	Proc                          // fork, process groups and sessions, priorities, limits
	Exec                          // execve and execveat
	ProtExec                      // mmap and mprotect with PROT_EXEC
	ID                            // set uids, gids, groups and capabilities
	TTY                           // terminal ioctls
	nPromises = iota
)

// promiseNames are the promises' names in the text form, in bit order.
var promiseNames = [nPromises]string{
	"stdio", "rpath", "wpath", "cpath", "fattr", "inet", "unix",
	"proc", "exec", "prot_exec", "id", "tty",
}

// allPromises is every promise bit.
const allPromises = Promise(1)<<nPromises - 1

// String returns the promises' names, space-separated, in table order.
func (p Promise) String() string {
	var s string
	for i, name := range promiseNames {
		if p&(1<<i) != 0 {
			if s != "" {
				s += " "
			}
			s += name
		}
	}
	if rest := p &^ allPromises; rest != 0 {
		if s != "" {
			s += " "
		}
		s += fmt.Sprintf("%#x", uint32(rest))
	}
	return s
}

// Rights are what an unveiled path allows, after OpenBSD's unveil(2).
type Rights uint8

// The rights of an unveiled path; a directory's rights cover what is
// beneath it.
const (
	Read    Rights = 1 << iota // r: read files, list directories
	Write                      // w: write and truncate files, ioctl on devices
	Execute                    // x: execute files
	Create                     // c: create, rename, link and remove entries
	nRights = iota
)

// rightLetters are the rights' letters in the text form, in bit order.
const rightLetters = "rwxc"

// String returns the rights' letters in the order rwxc.
func (r Rights) String() string {
	var b []byte
	for i := range nRights {
		if r&(1<<i) != 0 {
			b = append(b, rightLetters[i])
		}
	}
	return string(b)
}

// Unveil is one path a sandboxed process may reach, and how.
type Unveil struct {
	Path   string // absolute and clean
	Rights Rights // at least one right
}

// ActionKind is what happens to a system call the filter refuses.
type ActionKind uint8

// The kinds of [Action].
const (
	Errno ActionKind = iota // the call fails with Action.Errno; the default
	Kill                    // the whole process is killed by SIGSYS
	Trap                    // the thread gets SIGSYS (a Go program crashes with a traceback)
	Log                     // the call is allowed and the kernel logs it: an audit mode
	// Learn allows every call and has the supervisor record those outside
	// the runtime baseline, whatever the promises, for the tightest spec
	// that would have passed ([Supervisor.Learned]); no Landlock domain is
	// applied. Only a supervised program ([CompileSupervised]) learns.
	Learn
)

// Action is what the filter does with a refused system call. Calls that
// libraries probe and fall back from (clone3, io_uring_*, openat2) fail
// with ENOSYS whatever the action, so that the fallback runs.
type Action struct {
	Kind  ActionKind    // what happens
	Errno syscall.Errno // with Kind Errno: EPERM, EACCES or ENOSYS; zero means EPERM
}

// errnoNames are the errors an [Errno] action may return, by text name.
var errnoNames = map[string]syscall.Errno{
	"eperm": syscall.EPERM, "eacces": syscall.EACCES, "enosys": syscall.ENOSYS,
}

// kindNames are the other actions by text name.
var kindNames = map[string]ActionKind{"kill": Kill, "trap": Trap, "log": Log, "learn": Learn}

// String returns the action's text name: eperm, eacces, enosys, kill,
// trap, log or learn.
func (a Action) String() string {
	switch a.Kind {
	case Errno:
		for name, e := range errnoNames {
			if e == a.errno() {
				return name
			}
		}
		return fmt.Sprintf("errno(%d)", int(a.Errno))
	case Kill:
		return "kill"
	case Trap:
		return "trap"
	case Log:
		return "log"
	case Learn:
		return "learn"
	}
	return fmt.Sprintf("action(%d)", a.Kind)
}

// errno is the error an Errno action returns.
func (a Action) errno() syscall.Errno {
	if a.Errno == 0 {
		return syscall.EPERM
	}
	return a.Errno
}

// Spec is a worker's sandbox: the promises and extra system calls its
// seccomp filter allows, the paths Landlock lets it reach, and what a
// refused call gets. The zero Spec allows the runtime baseline only,
// refuses the rest with EPERM, and leaves the file system alone. Its text
// form ([Parse], [Spec.String]) is what a master passes to a worker.
type Spec struct {
	Promises Promise  // promise groups allowed on top of the baseline
	Allow    []string // extra system calls by name, allowed whatever their arguments
	Unveil   []Unveil // the paths visible through Landlock, when Veiled
	// Veiled applies Landlock even when Unveil is empty (nothing is then
	// reachable by path); any Unveil entry implies it.
	Veiled bool
	Action Action // what a refused call gets
	// BestEffort applies what the kernel supports and reports the rest,
	// instead of failing when a feature is missing.
	BestEffort bool
}

// veiled reports whether the spec applies Landlock.
func (s *Spec) veiled() bool { return s.Veiled || len(s.Unveil) > 0 }

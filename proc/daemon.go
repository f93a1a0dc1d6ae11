package proc

import (
	"io/fs"
	"os"
	"sync"
)

// DaemonOption is a setting for [Daemon]: [Umask] or [PIDFile]. Options are
// plain values, so they print and compare.
type DaemonOption interface{ applyDaemon(*daemonConfig) }

// Umask is the daemon's file mode creation mask. The default is 027, not
// the original's 0: with 0, the control socket and every file the daemon
// creates would be writable by everyone.
type Umask fs.FileMode

// PIDFile names a lock file (see [Lock]) that [Daemon] takes before it lets
// go of the terminal, so that a second instance fails in the starting
// command with [ErrLocked]. The daemon inherits the lock and writes its own
// PID into the file before the starting command exits, which is what
// systemd's PIDFile= needs; [DaemonLock] returns it in the daemon.
type PIDFile string

type daemonConfig struct {
	umask   fs.FileMode
	pidFile string
}

func (u Umask) applyDaemon(c *daemonConfig)   { c.umask = fs.FileMode(u) & fs.ModePerm }
func (p PIDFile) applyDaemon(c *daemonConfig) { c.pidFile = string(p) }

// Daemon turns the calling program into a daemon, then returns nil in it.
//
// Called in a program that is not a daemon yet, Daemon takes the [PIDFile]
// lock if asked, then re-executes the program (the same /proc/self/exe,
// arguments, environment and working directory) so that the C shim in
// package csrc can fork before the Go runtime starts: it sets the umask,
// forks, and the child calls setsid, ignores SIGHUP and SIGPIPE, forks
// again and points stdin at /dev/null. The new program runs main from the
// top, so relative paths mean what they meant to the starting command, and
// reaches Daemon again, which now changes to "/" and returns nil. Called
// again in the daemon, Daemon returns nil at once.
//
// The process the user started does not return from Daemon: it waits until
// the daemon calls [Ready] and exits 0, or until the daemon calls [Fail] or
// dies, and then prints the error on its stderr and exits 1. Until then,
// what the daemon (and any child it starts) writes on its stdout and stderr
// comes out on the starting command's stdout and stderr, so that whatever a
// daemon says before it is ready reaches the terminal or init system: a
// message printed before os.Exit, a Go panic, a log line. Once the starting
// command is gone, the daemon sends each line of its stdout and stderr to
// syslog (/dev/log, facility daemon) at the priority of a leading "<N>",
// as [NewStderrHandler] writes them, or info; without /dev/log the lines
// are dropped. So a daemon calls Ready once it really serves, and init
// systems and scripts see start-up errors. Daemon returns an error only
// when it could not start a daemon at all (the lock is held, or exec
// failed).
//
// Without cgo (CGO_ENABLED=0) there is no shim: Daemon starts one child with
// setsid through os.StartProcess instead. The API and the readiness protocol
// are the same, but the daemon is then a session leader, which could gain a
// controlling terminal if it opened one without O_NOCTTY.
func Daemon(opts ...DaemonOption) error {
	if checking() { // the rehearsal of an upgrade stays in the foreground
		return nil
	}
	if inherited.isDaemon() {
		return inherited.adopt()
	}
	cfg := daemonConfig{umask: 0o027}
	for _, o := range opts {
		o.applyDaemon(&cfg)
	}
	return daemonize(cfg)
}

// IsDaemon reports whether this process is a daemon started by [Daemon].
func IsDaemon() bool { return inherited.isDaemon() }

// DaemonLock returns the lock file the daemon inherited through [PIDFile],
// or nil. Call it after [Daemon]; the master unlocks it when it exits.
func DaemonLock() *LockFile {
	inherited.mu.Lock()
	defer inherited.mu.Unlock()
	return inherited.lock
}

// daemonState is what this process inherited as a daemon: process-wide by
// nature, set once at start-up and consumed by Daemon, Ready and Fail.
type daemonState struct {
	mu           sync.Mutex
	readyFD      int // write end of the readiness pipe, or -1
	lockFD       int // inherited lock file, or -1
	outFD, errFD int // read ends of the pipes that are fds 1 and 2, or -1
	lockPath     string
	syslogPath   string // where output goes once the starter is gone
	ready        *os.File
	sent         bool          // a verdict went on the readiness pipe
	gone         chan struct{} // closed once the starting process is gone
	relayOnce    sync.Once
	lock         *LockFile
	adopted      bool
	daemon       bool
	err          error // set when the shim should have run and did not
}

var inherited = startState()

func (s *daemonState) isDaemon() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.daemon
}

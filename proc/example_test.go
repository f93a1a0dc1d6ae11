package proc_test

import (
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"syscall"

	"github.com/release-daemon/release/proc"
)

// A daemon that is ready only once it listens: the command that started it
// exits 0 then, or prints the bind error and exits 1.
func ExampleDaemon() {
	if err := proc.Daemon(proc.PIDFile("/run/echod.pid"), proc.Umask(0o027)); err != nil {
		log.Fatal(err) // still on the terminal: e.g. another instance holds the lock
	}
	ln, err := net.Listen("tcp", "127.0.0.1:7070")
	if err != nil {
		proc.Fail(err) // printed by the starting command, which exits 1
		os.Exit(1)
	}
	defer ln.Close()
	defer proc.DaemonLock().Unlock()
	proc.Ready() // the starting command exits 0; systemd is notified too
	// serve ln ...
}

func ExampleLock() {
	l, err := proc.Lock("/run/echod.pid")
	if le, ok := errors.AsType[*proc.LockedError](err); ok {
		fmt.Fprintf(os.Stderr, "already running as pid %d\n", le.PID)
		os.Exit(75) // EX_TEMPFAIL
	}
	if err != nil {
		log.Fatal(err)
	}
	defer l.Unlock()
	// run the master ...
}

func ExampleDropPrivileges() {
	// As root: chroot to the user's home (root-owned, not writable by
	// others), then become the user on every thread, for good.
	if err := proc.DropPrivileges("echod", proc.ParentDeathSignal(syscall.SIGKILL)); err != nil {
		log.Fatal(err)
	}
	// From here on setuid(0) fails with EPERM.
}

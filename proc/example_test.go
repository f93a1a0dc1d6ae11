package proc_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/release-daemon/release/frame"
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

// A master that keeps two workers of one kind running, answers each
// worker's requests, and stops them all on SIGTERM.
func ExampleMaster() {
	m := &proc.Master{
		Workers: []proc.Worker{{
			Path:  "/usr/local/libexec/echod-worker",
			Count: 2,
			Handler: func(ctx context.Context, p proc.Peer) error {
				return frame.Serve(ctx, p.Conn, frame.String{}, frame.String{},
					func(_ context.Context, req string) (string, error) { return "ok: " + req, nil })
			},
		}},
		Restart:   proc.RestartPolicy{Backoff: 100 * time.Millisecond, MaxBackoff: 2 * time.Second, HealthyAfter: 10 * time.Second},
		StopGrace: 5 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := m.Run(ctx); err != nil {
		log.Fatal(err)
	}
}

// The worker's side: it refuses to run as root unless told which user to
// become.
func ExampleMe() {
	err := proc.Me(context.Background(), proc.MeOptions{User: "echod"}, func(ctx context.Context, c *frame.Conn) error {
		proc.Ready() // tell the master this worker can serve
		cl := frame.NewClient[string, string](c, frame.String{}, frame.String{})
		resp, err := cl.Call(ctx, "hello")
		fmt.Println(resp)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
}

package proc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/release-daemon/release/frame"
)

// ErrNotWorker means Me was called in a process a Master did not start.
var ErrNotWorker = errors.New("proc: not started as a worker (no " + workerEnv + ")")

// MeOptions are the worker side's settings. The zero value refuses to run
// as root.
type MeOptions struct {
	// User, if set, is dropped to with DropPrivileges (and its chroot to
	// the user's home) before main runs.
	User string
	// AllowRoot lets the worker run as root without User.
	AllowRoot bool
	// Frame options for the connection to the master.
	Frame  []frame.Option
	Logger *slog.Logger // nil means slog.Default()
}

// Me is the worker side of a Master (the original's Release.me): it takes
// the connection to the master from fd 3, makes sure the process is not
// root (dropping to opts.User if set), and runs main with the connection,
// which it closes when main returns. It logs the start and the end with the
// PID.
func Me(ctx context.Context, opts MeOptions, main func(ctx context.Context, c *frame.Conn) error) error {
	if os.Getenv(workerEnv) != "3" {
		return ErrNotWorker
	}
	os.Unsetenv(workerEnv)
	f := os.NewFile(3, "master socket")
	nc, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("proc: the master's socket on fd 3: %w", err)
	}
	c := frame.New(nc, opts.Frame...)
	defer c.Close()
	switch {
	case opts.User != "":
		if err := DropPrivileges(opts.User); err != nil {
			return err
		}
	case !opts.AllowRoot:
		if err := CheckNonRoot(); err != nil {
			return err
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "worker", "pid", os.Getpid())
	log.Info("worker running")
	err = main(ctx, c)
	log.Info("worker stopped", "err", err)
	return err
}

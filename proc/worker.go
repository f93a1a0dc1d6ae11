package proc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/release-daemon/release/frame"
	"golang.org/x/sys/unix"
)

// ErrNotWorker means Me was called in a process a Master did not start,
// or whose fd 3 is not a unix socket to its parent.
var ErrNotWorker = errors.New("proc: not started as a worker")

// MeOptions are the worker side's settings. The zero value refuses to run
// as root.
type MeOptions struct {
	// User, if set, is dropped to with DropPrivileges (and its chroot to
	// the user's home) before main runs.
	User string
	// AllowRoot lets the worker run as root without User.
	AllowRoot bool
	// Frame options for the connection to the master. Me adds
	// frame.WithControl, for its messages with the master, and
	// frame.AcceptShared when the master shares memory with the worker
	// (Worker.SharedMemory).
	Frame []frame.Option
	// Probe, if set, is asked on each of the master's heartbeats (see
	// Worker.Heartbeat) whether the worker can do its work: an error
	// answers "unhealthy", with its text. It runs on a goroutine of its
	// own and should return within the heartbeat interval: a probe that
	// blocks is a worker that does not answer.
	Probe func(ctx context.Context) error
	// Drain and Adopt, both set, let the master replace this worker
	// without closing a client connection (a reload, an upgrade): Drain
	// is called when it is the worker's turn to go. It should stop
	// accepting, finish the message each connection is in, hand each live
	// connection back with [HandOver] (with the bytes read but not
	// consumed), and return; its ctx ends at the master's drain deadline
	// (Master.DrainTimeout). Then main's ctx is canceled, and main should
	// return. Adopt is called, on a goroutine of Me's, with each
	// connection another worker handed over, and the bytes it carries,
	// which come before what the connection reads next: it should serve
	// it on a goroutine of its own and return at once. Without them, the
	// master replaces the worker with SIGTERM.
	Drain func(ctx context.Context)
	// Adopt takes a connection handed over (see Drain).
	Adopt  func(conn net.Conn, unread []byte)
	Logger *slog.Logger // nil means slog.Default()
}

// Me is the worker side of a Master (the original's Release.me): it takes
// the connection to the master from fd 3, makes sure the process is not
// root (dropping to opts.User if set), and runs main with the connection,
// which it closes when main returns. It logs the start and the end with the
// PID.
//
// A worker whose [Worker].Sandbox is set enters it before main runs: in a
// cgo build the C shim has already applied it, and Me only logs what it
// enforced; otherwise Me applies it, after the drop to opts.User. A
// sandbox it cannot enter is reported as a failed start ([ErrSandbox]).
//
// main calls [Ready] once the worker can serve: until then the Master
// counts it as starting (see [Worker].StartTimeout). An error from main
// before Ready, or a failed privilege drop, goes to the master as the
// reason the worker could not start. While Me runs, it answers the
// master's heartbeats (see [Worker].Heartbeat) with opts.Probe's verdict,
// even while main reads nothing; its messages travel as control frames
// beside main's, which main never sees.
//
// A worker dies with its master, however it loses root. The Master starts
// it with SIGKILL as its parent-death signal, which Linux clears on every
// credential change: Me remembers it, so that the drop to opts.User, or a
// DropPrivileges the worker makes later, arms it again and checks the
// parent. For credential changes the library does not see (main calling
// setuid itself), Me also watches the parent through a pidfd, without a
// timer: when the parent exits, the worker kills itself with the same
// signal.
func Me(ctx context.Context, opts MeOptions, main func(ctx context.Context, c *frame.Conn) error) error {
	if os.Getenv(workerEnv) != "3" {
		return fmt.Errorf("%w: no %s", ErrNotWorker, workerEnv)
	}
	os.Unsetenv(workerEnv)
	f := os.NewFile(3, "master socket")
	nc, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%w: fd 3: %w", ErrNotWorker, err)
	}
	if err := checkMaster(nc); err != nil {
		nc.Close()
		return err
	}
	workerDeathSig.Store(int32(workerDeathSignal))
	stopWatch, err := watchParent(os.Getppid(), workerDeathSignal)
	if err != nil {
		nc.Close()
		return err
	}
	defer stopWatch()
	link := newWorkerLink(opts.Probe)
	c := frame.New(nc, workerFrameOptions(opts.Frame, link.control)...)
	defer c.Close()
	stopLink := link.start(ctx, c, parseHeartbeatEnv(os.Getenv(heartbeatEnv)))
	defer stopLink()
	os.Unsetenv(heartbeatEnv)
	switch {
	case opts.User != "":
		if err := DropPrivileges(opts.User, ParentDeathSignal(workerDeathSignal)); err != nil {
			link.report(msgFailed, err.Error())
			return err
		}
	case !opts.AllowRoot:
		if err := CheckNonRoot(); err != nil {
			link.report(msgFailed, err.Error())
			return err
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "worker", "pid", os.Getpid())
	if err := enterSandbox(log); err != nil {
		link.report(msgFailed, err.Error())
		return err
	}
	ctx, cancelMain := context.WithCancel(ctx)
	defer cancelMain()
	hand := openHandover(opts, cancelMain)
	defer hand.close()
	log.Info("worker running")
	err = main(ctx, c)
	if err != nil {
		link.report(msgFailed, err.Error()) // nothing, if it said it was ready
	}
	log.Info("worker stopped", "err", err)
	return err
}

// checkMaster makes sure fd 3 is a unix stream socket whose other end the
// parent process holds (SO_PEERCRED), before any user code trusts it: a
// worker binary run by hand with fd 3 open to someone else refuses to run.
func checkMaster(nc net.Conn) error {
	uc, ok := nc.(*net.UnixConn)
	if !ok {
		return fmt.Errorf("%w: fd 3 is a %T, not a unix socket", ErrNotWorker, nc)
	}
	rc, err := uc.SyscallConn()
	if err != nil {
		return err
	}
	var cred *unix.Ucred
	var credErr error
	rc.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if credErr != nil {
		return fmt.Errorf("%w: SO_PEERCRED on fd 3: %w", ErrNotWorker, credErr)
	}
	if int(cred.Pid) != os.Getppid() {
		return fmt.Errorf("%w: fd 3 leads to process %d, not the parent %d", ErrNotWorker, cred.Pid, os.Getppid())
	}
	return nil
}

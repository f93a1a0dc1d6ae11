package proc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/release-daemon/release/frame"
)

// Worker describes one kind of worker process: the original's slave. The
// Master starts Count of them and restarts any that exits.
type Worker struct {
	Name string // for logs; empty means the base name of Path
	// Path is the executable, checked before every start: it must exist
	// and be executable, and a Master running as root refuses one that
	// another user could change (ErrUnsafeExecutable): the file, each
	// directory on its path and each symbolic link followed must be owned
	// by root or the master's user and not writable by group or others
	// (a sticky directory such as /tmp excepted).
	Path string
	// Title is each worker's argv[0], what ps and /proc/PID/cmdline show
	// before Args; empty means "<Name>: worker <slot>", as nginx shows
	// "nginx: worker process". Path is still what runs, and os.Executable
	// still finds it; only a program that looks at its own os.Args[0] (a
	// multi-call binary) sees the title, and should set Title to what it
	// expects. The short name in /proc/PID/comm (ps -o comm, top) stays
	// the executable's file name.
	Title string
	Args  []string // arguments after the program name
	Count int      // how many run at once; 0 means 1
	Env   []string // KEY=VALUE added to the kept environment
	// User, if set, is the account the worker runs as from its first
	// instruction: its credentials are set between fork and exec, so no
	// worker code ever runs as root. Its groups are its primary group only.
	// Only a root Master can do this: any other's Run fails with
	// ErrNotRoot before it starts anything.
	User string
	// AcceptFiles lets frames between master and worker carry open files
	// (frame.AcceptFiles), to hand a worker a listening socket or a client
	// connection; the worker passes frame.AcceptFiles in MeOptions.Frame.
	AcceptFiles bool
	// Chroot, if set, is a root-owned directory no one else can write
	// (checked, as for DropPrivileges) that the worker is started in; Path
	// is then looked up inside it. As for User, the Master must be root.
	Chroot string
	// StartTimeout bounds the wait for each worker to say it is ready
	// (Ready, in the worker): past it, the worker has failed its start
	// and is stopped. 0 means DefaultStartTimeout, 15 s.
	StartTimeout time.Duration
	// ReadyOnStart counts each worker ready as soon as it started, for a
	// program that never says so (one that does not use Me, and does not
	// send the 4 bytes FF 52 00 00 on fd 3).
	ReadyOnStart bool
	// Heartbeat, if set, is how often the Master asks each ready worker
	// whether it is healthy, over its connection (see the package doc).
	// Me answers, with its MeOptions.Probe's verdict; a worker that leaves
	// more than Misses heartbeats in a row unanswered, or answered
	// unhealthy, is hung: it is stopped (SIGTERM, StopGrace, SIGKILL) and
	// restarted under the RestartPolicy.
	Heartbeat time.Duration
	// Misses is how many heartbeats in a row may go wrong before the
	// worker counts as hung; 0 means DefaultMisses, 2. Each heartbeat is
	// judged a beat after it went out, so a worker that stops answering
	// is found hung Heartbeat × (Misses + 1) to × (Misses + 2) after it
	// stopped, depending on where between two beats it stopped.
	Misses int
	// Restart says when this Worker's workers start again after they
	// exit: Permanent (always, the default), Transient (unless they exit
	// 0) or Temporary (never).
	Restart RestartMode
	// Group names the restart group of this Worker's workers, for the
	// RestartPolicy's Strategy: OneForAll and RestForOne act on the slots
	// of the same Group only. Empty is a group too.
	Group string
	// Critical workers gate systemd's watchdog: with WATCHDOG_USEC set,
	// the Master sends WATCHDOG=1 only while every critical worker is
	// ready and, with heartbeats, healthy.
	Critical bool
	// Sandbox, if set, confines each worker before any of its code runs:
	// a spec in the text form of package sandbox (sandbox.Parse), such as
	// "stdio; unveil /var/lib/app r". The Master checks it in Run and
	// compiles it for the kernel at every start; the worker gets the
	// compiled program on fd 4, which the C shim applies before the Go
	// runtime starts (cgo builds) or Me applies first thing (builds
	// without cgo). Empty means no sandbox.
	Sandbox string
	// Listeners names the Master's Listeners this Worker's workers get,
	// each as a descriptor the worker takes with [Listen] or
	// [ListenPacket]; nil means all of them, an empty non-nil slice none.
	Listeners []string
	// SharedMemory, if set, is the size in bytes of each of two rings of
	// memory, one per direction, that the master shares with each worker
	// (frame's Conn.ShareMemory), from frame.MinSharedSize (smaller is
	// rounded up) to frame.MaxSharedSize; 0, the default, is off. Every
	// payload above frame's SharedThreshold, up to half a ring, then
	// crosses without the socket's two copies, whoever sends it: the
	// Handler, a frame.Client, frame.Serve or the worker. The master sets
	// it up as soon as the worker starts, before the Handler runs, and Me
	// takes it with the worker's first read of its Conn, which it makes
	// with frame.AcceptShared; a worker that does not take it fails at
	// that read, and one that never reads stalls the master's heartbeats
	// behind the setup and is hung (see the package doc). Such a worker
	// cannot cross an upgrade (see [Upgrade]).
	SharedMemory int
	// Handler serves one worker's connection on the master's side, for as
	// long as the worker lives. Its ctx ends when the worker exits (once
	// the Handler has read what the worker sent before it went, or the
	// Master's StopGrace has passed) or the Master stops. Nil means the
	// connection is only held.
	Handler func(ctx context.Context, p Peer) error

	listeners []*Listener // what Listeners names, resolved by Run
}

// Peer is one running worker as the master sees it.
type Peer struct {
	Worker string      // the Worker's name
	PID    int         // its process ID
	Conn   *frame.Conn // the master's end of its socket
}

// Master starts and supervises worker processes: the original's
// master_slaves. The struct is the configuration; Run checks it, fills
// defaults into its own copy and runs.
type Master struct {
	Workers []Worker // the kinds of worker to run, each Count times
	// Listeners are the sockets the Master holds for its workers (see
	// [Bind]), each passed to every worker whose Worker.Listeners names
	// it. They stay open while workers come and go, so no client is
	// refused while a worker restarts; Run does not close them.
	Listeners []*Listener
	Restart   RestartPolicy // when dead workers start again
	StopGrace time.Duration // SIGTERM, then SIGKILL after this; 0 means 5 s
	// DrainTimeout bounds how long a worker that a reload or an upgrade
	// replaces may take to hand its connections over (MeOptions.Drain)
	// and exit, before SIGTERM and StopGrace; 0 means 30 s.
	DrainTimeout time.Duration
	// UpgradeCheck bounds the rehearsal of the new executable that
	// starts an upgrade (see [Upgrade]): one that has not reached
	// Master.Run and passed its checks by then fails the upgrade. 0 means
	// DefaultUpgradeCheckTimeout, 15 s.
	UpgradeCheck time.Duration
	// KeepEnv names the variables of the master's environment that workers
	// get; nil means TZ and the Go runtime's (GOMAXPROCS, GOGC,
	// GOMEMLIMIT, GODEBUG, GOTRACEBACK). NOTIFY_SOCKET, LISTEN_* and the
	// daemon marker are never passed on.
	KeepEnv []string
	Logger  *slog.Logger // nil means slog.Default()
	// Main, if set, runs beside the workers with a function returning the
	// live ones, for broadcasts; when it returns, the Master stops.
	Main func(ctx context.Context, peers func() []Peer) error
	// Privileged says who may run the Master: AnyUser (no check), RootOnly
	// or NonRootOnly, checked on the effective uid, as the original does.
	Privileged Privilege
	// LockFile, if set, is held (see Lock) while the Master runs, so a
	// second Master on the same file fails with ErrLocked and the holder's
	// PID; it is removed on the way out.
	LockFile string
	// Background daemonizes the Master first (see Daemon, with LockFile as
	// its PIDFile and the default umask), and tells the starting command it
	// is ready once every worker has said it is ready; if one fails its
	// start first, the starting command prints why and exits 1.
	Background bool
	// Control, if its Path is set, is the control socket the Master serves
	// while it runs (see ControlSocket): bound before any worker starts,
	// removed on the way out.
	Control Control
	// Events, if set, is called with each worker's start, exit and
	// restart, from the goroutine supervising it: it must not block.
	Events func(Event)
	// NoCgroups keeps each worker out of a cgroup of its own even where
	// cgroup v2 is writable (root, or a delegated subtree): its
	// descendants are then contained by its process group and the
	// master's subreaping only (see Run).
	NoCgroups bool
	// HandleSignals makes Run catch SIGINT and SIGTERM, which stop it with
	// a *SignalError (exit 0 after SIGTERM, see [SignalError]), SIGHUP,
	// which restarts the workers one at a time, and SIGUSR2, which
	// upgrades the master and its workers in place (see [Upgrade]). With NOTIFY_SOCKET set,
	// systemd hears RELOADING=1 (with MONOTONIC_USEC, for
	// Type=notify-reload) and READY=1 around a SIGHUP, and
	// STOPPING=1 on the way out.
	HandleSignals bool
}

// EventKind says what happened to a worker.
type EventKind int

const (
	Started    EventKind = iota // a worker process started (PID set)
	Exited                      // it exited (Code: its exit code, -1 if killed)
	Restarting                  // it will start again after Delay
	Failed                      // it hit the restart limit (Err set)
	// StartFailed: a worker could not be started (Err set: a missing or
	// unsafe executable, no file descriptors left, ...), or it started
	// and failed its start (Err is a *StartError: it said why, exited, or
	// was not ready within StartTimeout); it counts as a death under the
	// RestartPolicy.
	StartFailed
	WorkerReady // the worker said it is ready
	// Unhealthy: a heartbeat went unanswered, or was answered unhealthy
	// (Err says which, and how many in a row).
	Unhealthy
	Hung // too many heartbeats went wrong: the worker is being stopped (Err set)
	// SandboxViolation: the worker's sandbox refused a system call (Err
	// is a *sandbox.Violation naming it; see [Worker].Sandbox).
	SandboxViolation
	// SandboxLearned: a worker whose sandbox only learns ("action
	// learn") exited; Err is a *SandboxPolicy, the tightest spec that
	// would have let it do all it did.
	SandboxLearned
)

// String returns the kind in words: "started", "exited", and so on.
func (k EventKind) String() string {
	names := [...]string{"started", "exited", "restarting", "failed", "start failed", "ready", "unhealthy", "hung", "sandbox violation", "sandbox learned"}
	if k < 0 || int(k) >= len(names) {
		return "EventKind(" + strconv.Itoa(int(k)) + ")"
	}
	return names[k]
}

// Event is one thing that happened to one worker slot.
type Event struct {
	Kind   EventKind // what happened
	Worker string    // the Worker's name
	Slot   int       // which of its Count
	PID    int       // the worker process's ID; 0 when it did not start
	// Code, on an Exited event, is the worker's exit status, or -1 when a
	// signal killed it (as os.ProcessState.ExitCode); otherwise 0.
	Code int
	// Stop, on an Exited event, says why the Master stopped the worker
	// on purpose; StopNone when it ended on its own or someone else
	// killed it.
	Stop  StopReason
	Delay time.Duration // on a Restarting event, how long until the start
	Err   error         // on a Failed, StartFailed, Unhealthy or Hung event, why
	Time  time.Time     // when it happened
	State SlotState     // the slot's state after it
}

// StopReason is why a Master stopped a worker on purpose.
type StopReason string

const (
	StopNone   StopReason = ""       // the Master did not stop it
	StopRun    StopReason = "stop"   // Run was ending: SIGTERM, then SIGKILL after StopGrace
	StopReload StopReason = "reload" // a rolling restart (SIGHUP) replaced it
	// StopUpgrade: an upgrade replaced it with a worker of the new
	// binary.
	StopUpgrade StopReason = "upgrade"
	// StopStartFailed: it said it could not start, or was not ready
	// within StartTimeout.
	StopStartFailed StopReason = "start failed"
	StopHung        StopReason = "hung" // it missed too many heartbeats
)

// Control is a Master's control socket: its path, the handler of its
// requests, and its options (mode, allowed uids, limits; a nil Logger
// means the Master's).
type Control struct {
	Path    string         // the socket's path; empty means no control socket
	Handler ControlHandler // answers each request
	Options ControlOptions // mode, allowed uids, limits, logger
}

// Privilege is who may run a Master.
type Privilege int

const (
	AnyUser     Privilege = iota // no check
	RootOnly                     // the effective uid must be 0
	NonRootOnly                  // the effective uid must not be 0
)

// SignalError is Run's result when a signal stopped the Master. A stop
// that was asked for, SIGTERM from a service manager or kill(1), is a
// clean stop: a program should exit 0 after it (see [SignalError.Requested]),
// since systemd counts any other status as a failure. ExitCode's 128+n
// suits an interrupt from a terminal (SIGINT, 130), as a shell reports it.
type SignalError struct {
	Signal os.Signal // the signal that stopped it
}

// Error says which signal stopped the Master.
func (e *SignalError) Error() string { return "proc: stopped by " + e.Signal.String() }

// Requested reports whether the signal is the ordinary request to stop,
// SIGTERM: the program should then exit 0.
func (e *SignalError) Requested() bool { return e.Signal == syscall.SIGTERM }

// ExitCode is the conventional status for a program a signal stopped.
func (e *SignalError) ExitCode() int {
	if s, ok := e.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 1
}

// ErrRestartLimit means a Worker died more often than its RestartPolicy
// allows.
var ErrRestartLimit = errors.New("proc: worker restarted too often")

var defaultKeepEnv = []string{"TZ", "GOMAXPROCS", "GOGC", "GOMEMLIMIT", "GODEBUG", "GOTRACEBACK"}

// Run starts every Worker Count times and supervises them until ctx ends,
// Main returns, or a worker hits the restart limit with StopMaster. Then it
// stops the workers: SIGTERM, StopGrace, SIGKILL, and waits for them. It
// returns nil when ctx ended, Main's result, or the limit error.
//
// Nothing a worker starts outlives it: each worker leads a process group
// of its own and, where cgroup v2 is writable (root, or a subtree systemd
// delegated with Delegate=yes) and NoCgroups is not set, runs in a cgroup
// of its own beside the master's, release.<master PID>-<random>/w<N>.
// While any Run runs, the process is a child subreaper
// (PR_SET_CHILD_SUBREAPER, a change to the whole process, undone when the
// last Run returns), so descendants whose parent
// died come back to it and are reaped. When a worker exits, what is left
// of its tree is killed and reaped before it is started again; when Run
// returns, nothing is left of any. Without cgroups, a descendant that
// leaves the worker's process group and clears RELEASE_WORKER_TREE from
// its environment can escape: cgroups are the boundary against a hostile
// worker. The program's own children are never touched.
func (m *Master) Run(ctx context.Context) error {
	cfg, err := m.checked()
	if err != nil {
		return err
	}
	if checking() { // the rehearsal of an upgrade got this far: it passes
		os.Exit(0)
	}
	// A master re-executed by an upgrade takes over what its previous
	// image held: the lock, the control socket, the workers (see
	// upgrade_adopt.go).
	st, err := upgradeStateOf()
	if err != nil {
		return err
	}
	lock, err := cfg.lockOrAdopt(st)
	if err != nil {
		return err
	}
	if lock != nil {
		defer lock.Unlock()
	}
	var control *controlServer
	if cfg.Control.Path != "" {
		opts := cfg.Control.Options
		if opts.Logger == nil {
			opts.Logger = cfg.Logger // the Master's, not slog.Default()
		}
		if control, err = bindControl(cfg.Control.Path, cfg.Control.Handler, opts, st.controlListener(cfg.Control.Path)); err != nil {
			if cfg.Background {
				Fail(err)
			}
			return err
		}
	}
	r := newRun(ctx, cfg, st)
	r.lock, r.control = lock, control
	defer r.sp.stop()
	defer r.contain.close()
	if control != nil {
		r.wg.Go(func() {
			if err := control.serveUntil(r.ctx); err != nil && r.ctx.Err() == nil {
				r.finish(fmt.Errorf("proc: control socket: %w", err))
			}
		})
	}
	if cfg.HandleSignals { // before any worker starts
		stop := r.handleSignals()
		defer stop()
	}
	if st != nil {
		r.adopt(st)
	} else {
		r.announceStart()
	}
	for _, s := range r.table {
		r.wg.Go(func() { r.supervise(s) })
	}
	if cfg.Main != nil {
		r.wg.Go(func() { r.finish(cfg.Main(r.ctx, r.peers)) })
	}
	r.wg.Go(r.watchdog)
	r.sp.serveUntil(r.ctx.Done())
	r.announceStop()
	r.sp.serveWhile(r.wg.Wait)
	if cfg.Background && !r.readySent() {
		Fail(r.result()) // the starting command is still waiting: tell it why
	}
	return r.result()
}

// start checks the privilege, then daemonizes or takes the lock file.
func (m *Master) start() (*LockFile, error) {
	switch {
	case m.Privileged == RootOnly:
		if err := CheckRoot(); err != nil {
			return nil, err
		}
	case m.Privileged == NonRootOnly:
		if err := CheckNonRoot(); err != nil {
			return nil, err
		}
	}
	if m.Background {
		var opts []DaemonOption
		if m.LockFile != "" {
			opts = append(opts, PIDFile(m.LockFile))
		}
		if err := Daemon(opts...); err != nil {
			return nil, err
		}
		return DaemonLock(), nil
	}
	if m.LockFile == "" {
		return nil, nil
	}
	return Lock(m.LockFile)
}

// checked returns a copy of m with defaults filled in, or every problem.
func (m *Master) checked() (Master, error) {
	c := *m
	c.Workers = slices.Clone(m.Workers)
	var errs []error
	var unenforced []sandboxMiss
	for i := range c.Workers {
		w := &c.Workers[i]
		w.Count = max(w.Count, 1)
		if w.StartTimeout <= 0 {
			w.StartTimeout = DefaultStartTimeout
		}
		if w.Misses <= 0 {
			w.Misses = DefaultMisses
		}
		if w.Name == "" {
			w.Name = filepath.Base(w.Path)
		}
		// Absolute from here on: a daemon changes to "/", and a chrooted
		// worker starts in its jail's "/", so a relative Path would name
		// another file than the one checked.
		if w.Chroot != "" && !filepath.IsAbs(w.Path) {
			w.Path = "/" + w.Path
		} else if abs, err := filepath.Abs(w.Path); err == nil {
			w.Path = abs
		}
		if err := checkWorkerExec(w); err != nil {
			errs = append(errs, fmt.Errorf("worker %q: %w", w.Name, err))
		}
		if err := checkWorkerNeedsRoot(w, os.Geteuid()); err != nil {
			errs = append(errs, fmt.Errorf("worker %q: %w", w.Name, err))
		}
		if w.Chroot != "" {
			if err := checkJail(w.Chroot); err != nil {
				errs = append(errs, fmt.Errorf("worker %q: %w", w.Name, err))
			}
		}
		if w.User != "" {
			if _, _, _, err := lookupTarget(w.User, false); err != nil {
				errs = append(errs, fmt.Errorf("worker %q: %w", w.Name, err))
			}
		}
		if err := checkSharedMemory(w); err != nil {
			errs = append(errs, fmt.Errorf("worker %q: %w", w.Name, err))
		}
		missing, err := checkSandbox(w.Sandbox)
		if err != nil {
			errs = append(errs, fmt.Errorf("worker %q: %w", w.Name, err))
		}
		if len(missing) > 0 {
			unenforced = append(unenforced, sandboxMiss{w.Name, missing})
		}
	}
	errs = append(errs, c.resolveListeners()...)
	c.Restart = c.Restart.withDefaults()
	if c.StopGrace <= 0 {
		c.StopGrace = 5 * time.Second
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = DefaultDrainTimeout
	}
	if c.UpgradeCheck <= 0 {
		c.UpgradeCheck = DefaultUpgradeCheckTimeout
	}
	if c.KeepEnv == nil {
		c.KeepEnv = defaultKeepEnv
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	for _, u := range unenforced {
		c.Logger.Warn("worker sandbox: this kernel cannot enforce all of it (best-effort)",
			"worker", u.worker, "not_enforced", strings.Join(u.missing, ", "))
	}
	return c, errors.Join(errs...)
}

// checkWorkerNeedsRoot refuses a User or a Chroot that a Master whose
// effective uid is euid could not apply: only root can switch a worker to
// another user (even its own, since that sets the groups) or chroot it.
// Without it, every start would fail until the restart limit.
func checkWorkerNeedsRoot(w *Worker, euid int) error {
	var what []string
	if w.User != "" {
		what = append(what, fmt.Sprintf("start it as user %q", w.User))
	}
	if w.Chroot != "" {
		what = append(what, fmt.Sprintf("chroot it to %s", w.Chroot))
	}
	if euid == 0 || what == nil {
		return nil
	}
	return fmt.Errorf("%w to %s (the master's effective uid is %d)", ErrNotRoot, strings.Join(what, " and "), euid)
}

// checkWorkerExec is the original's try_exec, following symlinks: a clear
// error for a missing or non-executable program. As root, it also refuses
// a program someone else could change (see checkExecChain).
func checkWorkerExec(w *Worker) error {
	path := filepath.Join(w.Chroot, w.Path)
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return err
	case !fi.Mode().IsRegular():
		return &os.PathError{Op: "exec", Path: path, Err: errors.New("not a regular file")}
	case fi.Mode().Perm()&0o111 == 0:
		return &os.PathError{Op: "exec", Path: path, Err: os.ErrPermission}
	case os.Geteuid() == 0:
		return checkExecChain(w.Chroot, w.Path)
	}
	return nil
}

// run is one Run's state.
type run struct {
	cfg     Master
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	sp      *spawner
	contain *containment
	log     *slog.Logger

	table     []*slot     // every worker slot, in the order of Workers
	reloading atomic.Bool // a rolling restart runs
	// lastFailure is the latest failed start's message, for STATUS=.
	lastFailure atomic.Pointer[string]
	// Connections handed over from a worker to another, and those lost
	// for want of a worker to take them.
	handedOver, handoverLost atomic.Int64
	turn                     atomic.Uint64 // round robin of passOn
	replacing                sync.Mutex    // held by a reload or an upgrade
	// What an upgrade needs: the executable as it was named at the
	// start, no start in flight (spawnGate), the generation, the latest
	// upgrade's status, and what crosses the exec.
	exe        string
	spawnGate  sync.RWMutex
	generation atomic.Int64
	upgrades   upgrades
	gen        atomic.Pointer[genReplace] // the generation an upgrade replaces
	control    *controlServer
	lock       *LockFile

	mu       sync.Mutex
	live     map[int]Peer     // by PID
	tens     map[int]*tenure  // by PID, every live worker's
	retiring map[int]struct{} // PIDs stopped on purpose (SIGHUP): not deaths
	err      error
	ended    bool
	started  int  // slots that have been ready once, for Ready
	ready    bool // Ready was sent
}

func newRun(ctx context.Context, cfg Master, st *upgradeState) *run {
	log := cfg.Logger.With("component", "master")
	var c *containment
	if st != nil && st.Contain != nil {
		c = adoptContainment(log, st.Contain)
	} else {
		c = newContainment(log, cfg.NoCgroups)
	}
	r := &run{cfg: cfg, sp: newSpawner(c), contain: c, log: log,
		live: map[int]Peer{}, tens: map[int]*tenure{}, retiring: map[int]struct{}{}}
	r.exe, _ = os.Executable() // Linux: the path it was started from, even once replaced
	r.ctx, r.cancel = context.WithCancel(context.WithValue(ctx, runKey{}, r))
	for i := range cfg.Workers {
		w := &r.cfg.Workers[i]
		for n := range w.Count {
			r.table = append(r.table, &slot{w: w, n: n, index: len(r.table), since: time.Now()})
		}
	}
	return r
}

// finish stops the Run with err as its result, if it is the first.
func (r *run) finish(err error) {
	r.mu.Lock()
	if !r.ended {
		r.ended, r.err = true, err
	}
	r.mu.Unlock()
	r.cancel()
}

func (r *run) result() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// event reports e, if anyone listens.
func (r *run) event(e Event) {
	if r.cfg.Events != nil {
		e.Time = time.Now()
		r.cfg.Events(e)
	}
}

func (r *run) readySent() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ready
}

// peers returns the live workers.
func (r *run) peers() []Peer {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Peer, 0, len(r.live))
	for _, p := range r.live {
		out = append(out, p)
	}
	return out
}

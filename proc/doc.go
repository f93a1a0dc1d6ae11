// Package proc runs a program as a Unix daemon: it detaches from the
// terminal ([Daemon], with readiness: [Ready] and [Fail]), holds a lock file
// with its PID ([Lock]), drops root for an unprivileged user
// ([DropPrivileges], [CheckRoot], [CheckNonRoot]), and supervises worker
// processes ([Master], [Worker], [Me]) that talk to it over frames.
//
// # Master and workers
//
// A [Master] starts each [Worker] Count times with one end of a socketpair
// as fd 3, nothing else inherited, an environment cut to a keep-list, and
// SIGKILL as the parent-death signal (armed from one spawning thread that
// never exits, since Linux ties the signal to the thread). Its Handler gets
// the worker's [frame.Conn]. Dead workers are restarted under a
// [RestartPolicy] (see below). When the Master's context ends, workers get
// SIGTERM, then SIGKILL after StopGrace. In ps,
// a worker shows as "<name>: worker <slot>" (its argv[0]; see
// [Worker].Title); the master keeps the command line it was started with,
// since Go cannot rewrite its own argv in place.
//
// # Supervision that knows health
//
// A worker is started, not ready: it says when it can serve by calling
// [Ready] inside [Me] (after it bound, loaded, connected what it needs),
// or why it cannot by calling [Fail] or returning an error from main. One
// that says neither within [Worker].StartTimeout has failed its start, and
// so has one that exits first. The Master is ready (a Background Master's
// starting command exits 0; systemd hears READY=1) only once every slot
// has been ready; a slot that fails its start before then makes [Master.Run]
// return a [*StartError] with the worker's own words, which reach the
// starting terminal, systemd's STATUS= and the log at error priority, and
// [ExitCode] maps to 69, apart from a crash loop's 70. A program that
// cannot report sets [Worker].ReadyOnStart.
//
// With [Worker].Heartbeat set, the Master asks each ready worker every
// Heartbeat whether it is healthy. [Me] answers, after asking the
// worker's [MeOptions].Probe if it has one, so the answer means that the
// process runs, reads its connection, and can do its work: a worker
// frozen, deadlocked in the code that reads, or whose probe fails, misses
// its answers. After more than Misses in a row the worker is hung
// ([ErrHung]): SIGTERM, StopGrace, SIGKILL, and a restart under the
// policy. With WATCHDOG_USEC set, the Master sends WATCHDOG=1 every second
// (every quarter of the interval, if that is shorter) only while every
// [Worker].Critical worker is ready and healthy (with heartbeats, once it
// has answered one healthy), so systemd's WatchdogSec= covers the whole
// service, master included; a spell of ill health shorter than the
// interval less two of those seconds, such as a hung worker the Master
// replaces, does not let it run out.
//
// These messages travel on the worker's own connection, beside the
// application's frames, as control frames (see package frame's
// WithControl): a header starting with the byte 0xFF, which no
// application frame can have, then a kind, a 2-byte length and at most
// 4 KiB of payload, always between two whole frames. Whatever reads the
// connection (a Read, a frame.Client, frame.Serve, on either side) takes
// them out of the stream and never returns them; while nothing reads, the
// library reads them itself (frame.Conn.WatchControl), up to the first
// application frame, which it leaves in place. A ping queued behind
// application frames a worker does not read is not answered: a worker
// that stops reading its connection is hung too. The kinds: R (ready),
// F (failed, with the reason), P (ping, an 8-byte sequence number), p
// (pong: the sequence, 0 for healthy or 1 for not, and the probe's text).
// A worker in another language is ready once it writes FF 52 00 00.
//
// The life of a worker slot, as [Event] State and [Slots] report it:
//
//	state      entered when                               left for
//	starting   the process is started                     ready; stopped (failed start:
//	                                                      Fail, an exit, StartTimeout)
//	ready      the worker called Ready                    draining (Run ends, reload,
//	                                                      hung, group restart); stopped (died)
//	draining   the Master sent SIGTERM                    stopped (exit, or SIGKILL after StopGrace)
//	stopped    the process exited                         starting (restart, after the backoff);
//	                                                      failed; stays (Temporary, Transient
//	                                                      exit 0, DoNotRestart)
//	failed     the slot hit the restart limit             (none: FailWorker keeps it failed,
//	                                                      StopMaster ends Run with ErrRestartLimit)
//
// Dead workers restart under the [RestartPolicy]: a burst limit on the
// monotonic clock (intensity and period), a decaying failure count whose
// backoff doubles per death, with jitter, capped at 5 minutes and reset
// after 10 minutes of health, an exit code meaning "do not restart", a
// [Strategy] (only the dead worker, its whole [Worker].Group, or the
// workers after it, as Erlang/OTP's one_for_one, one_for_all and
// rest_for_one) and, per Worker, a [RestartMode] (Permanent, Transient,
// Temporary). At the limit, the Master stops with [ErrRestartLimit]
// (exit 70, for the service manager to restart the whole service) or
// gives that slot up.
//
// # Shared memory for bulk payloads
//
// A [Worker] with SharedMemory set sends payloads above frame's
// SharedThreshold through two rings of shared memory, one per direction
// (package frame's Conn.ShareMemory), instead of the socket, which
// copies every byte twice; the socket carries a small descriptor in each
// one's place, and the control frames as before. The Master sets the
// rings up on its Conn as soon as the worker starts, before the Handler
// runs (a failure is the start's: a StartFailed event with the cause, and
// the worker is killed), and says so in the worker's environment, so
// that [Me] makes the worker's Conn with frame.AcceptShared. Nothing else
// changes on either side (see the example of Worker):
//
//	proc.Worker{Path: exe, SharedMemory: 8 << 20, Handler: func(ctx context.Context, p proc.Peer) error {
//		cl := frame.NewClient(p.Conn, frame.Bytes{}, frame.Bytes{}) // payloads of 1 KiB to 4 MiB: through the rings
//		...
//	}}
//
// The setup is first in the worker's stream, and the worker's first read
// of its Conn (Serve, a Client, Read) takes the rings; until then the
// Master's heartbeats wait behind it, so a worker that never reads its
// Conn is hung under [Worker].Heartbeat, and a Handler writing to it
// waits for room in the ring until its ctx ends. A worker whose Conn does
// not accept the rings (one that does not use Me) fails at its first
// read. The worker is not trusted: package frame says what it can and
// cannot do to the master through the rings. When a worker exits, the
// Master waits for the Handler to return (at most StopGrace) before it
// closes the Conn, which unmaps the rings: a view the Handler read stays
// valid until it returns, never after. Such a worker cannot cross an
// upgrade (see below).
//
// Most programs are their own workers: main calls [Me] when [IsWorker]
// says a Master started the process, and otherwise runs the Master with
// its own executable (os.Executable) as the Worker's Path; the example of
// IsWorker is such a program, with typed requests over [frame.Client] and
// [frame.Serve].
//
// # What a worker cannot do
//
// The master keeps root; a worker should be able to do as little as
// possible with it, even once compromised:
//
//   - It never runs as root when given a User: its credentials are set
//     between fork and exec. A worker that drops root itself
//     ([DropPrivileges], [MeOptions].User) gets no-new-privileges on every
//     thread and a check of every thread's credentials and capabilities.
//   - It cannot gain privileges by exec'ing a set-user-ID program
//     (no-new-privileges, inherited from the spawning thread).
//   - It cannot outlive its master: SIGKILL is its parent-death signal,
//     armed again after every credential change the library makes, and
//     [Me] watches the parent through a pidfd for those it does not see.
//   - Nothing it starts outlives it or the Master: a process group, a
//     cgroup where one can be made, and the master as subreaper (see
//     [Master.Run]).
//   - It cannot get the master to run a program another user could have
//     changed: a root Master refuses such an executable
//     ([ErrUnsafeExecutable]) before every start.
//   - It inherits nothing but fd 3, its sandbox program and the socket
//     for its filter's listener (fds 4 and 5, if sandboxed), its
//     hand-over socket and the listeners its Worker names, and the kept
//     environment, and its frames are bounded in size and in passed
//     files (package frame).
//   - With [Worker].Sandbox it can make only the system calls of its
//     promises and reach only the paths it unveiled (package sandbox:
//     seccomp-BPF and Landlock; its documentation has the table of the
//     promises, call by call, and of the paths they reach). The Master compiles the spec for the
//     kernel and hands it over on a sealed memfd as fd 4; in a cgo build
//     the C shim of package csrc applies it before the Go runtime starts,
//     while the process has one thread, so every thread inherits it;
//     without cgo (or when the shim did not run) [Me] applies it first
//     thing, after its privilege drop and before main, with seccomp's
//     TSYNC flag and the runtime's all-threads system call for Landlock.
//     Me logs what was enforced (a best-effort spec's misses at warning);
//     a sandbox that cannot be entered is the worker's failed start
//     ([ErrSandbox]), and main never runs. Under a sandbox, drop
//     privileges with [Worker].User rather than [MeOptions].User: the
//     shim's filter refuses setuid and setgroups without the id promise.
//   - The Master hears of every system call its sandbox refuses. The
//     filter is supervised (sandbox.CompileSupervised): a refusal the
//     policy decides (EPERM, EACCES, kill) is a seccomp user
//     notification, not an errno in the kernel. The worker installs the
//     filter with a listener (the shim, on its one thread; Me, with
//     TSYNC, from Linux 5.7) and sends it over fd 5 to the master, which
//     answers each notification on a goroutine per worker, ended with
//     the worker: the call fails with the spec's errno, after a
//     [SandboxViolation] event whose Err, a *sandbox.Violation, names the
//     call, its path or socket family and the thread; under action kill
//     the master kills the worker instead, whose exit says [StopSandbox].
//     Why notifications rather than a SIGSYS trap in the worker: the
//     report comes from the master, which a compromised worker cannot
//     silence or forge, costs nothing for allowed calls, and needs no
//     signal handler in the shim or a Go runtime that owns SIGSYS. The
//     price: a refused call waits for the master's answer (a round trip,
//     only on refusals), and if the master is gone the kernel fails the
//     call with ENOSYS; without a master the worker dies anyway. The
//     ENOSYS of probes (clone3, openat2, io_uring_*) stays in the filter
//     and silent: the runtime and the C library make them on purpose. An
//     open that Landlock refuses (a path outside the unveiled ones) fails
//     with EACCES and no event: Landlock reports its denials only to the
//     kernel's audit log, when audit is enabled on the host, which a
//     Master does not turn on and a container cannot read. An open that
//     the filter refuses (no rpath or wpath, nothing visible at all) is
//     reported. With "action learn" in the spec, the worker may do
//     anything (no Landlock domain), the master records each distinct
//     call outside the runtime baseline as a SandboxViolation event
//     with no errno, and when the worker is gone it logs ("sandbox
//     learned") and reports, as a [SandboxLearned] event whose Err is a
//     *[SandboxPolicy], the tightest spec that would have let it do all
//     it did: a trial run to write a worker's policy from.
//
// A local user cannot hold or rewrite the Master's lock file ([Lock]
// refuses files it cannot safely own) nor use its control socket without
// an allowed uid.
//
// # Listeners, reloads and upgrades
//
// The sockets clients connect to belong to the master: [Bind] opens each
// once, by name (from systemd's socket activation when it passed one of
// that name, or by binding the address), [Master].Listeners holds them,
// and each worker takes those its Worker names with [Listen] or
// [ListenPacket]. A worker that dies or is replaced closes only its copy:
// clients that connect meanwhile wait in the listen queue.
//
// A reload ([Reload], SIGHUP) replaces the workers one slot at a time: the
// new worker starts beside the old one, and only once it is ready is the
// old one told to drain. A worker whose [MeOptions] has Drain and Adopt
// drains without closing a client connection: it stops accepting, and
// hands each live connection back to the master, at a message boundary,
// with the bytes it read but did not consume ([HandOver]); the master
// passes each to a ready worker of the new generation, whose Adopt serves
// it from where the old one stopped. The messages travel on a second
// socket between master and worker (the hand-over socket), each
// connection as a passed file. A worker that does not drain within
// [Master].DrainTimeout gets SIGTERM, then SIGKILL after StopGrace; one
// without Drain gets SIGTERM at once.
//
// An upgrade ([Upgrade], SIGUSR2, or a control request that calls it)
// replaces the master itself and every worker with the executable now on
// disk at the path the master was started from, keeping the master's PID
// (systemd's MainPID, the lock file's contents, the control socket's
// clients see no change), every listener and every client connection:
//
//  1. The new executable is rehearsed: run as a child with
//     RELEASE_UPGRADE_CHECK=1, the program goes through its start (flags,
//     configuration, Bind) up to [Master.Run], which checks the Master and
//     exits 0. One that fails, exits early or hangs past [Master].UpgradeCheck
//     (15 s by default) fails the
//     upgrade with its words, and nothing else happens.
//  2. The master stops starting workers, detaches each worker's
//     connections at a frame boundary (frame's Conn.Detach, keeping the
//     bytes it read but had not handled), writes a state record (JSON in
//     a sealed memfd: the listeners, the lock file, the control socket,
//     the cgroups and every worker with its descriptors, by name) and
//     re-executes itself with the checked file, the descriptors it names
//     crossing the exec. The exec runs on the thread that forked the
//     workers (their parent-death signal is tied to that thread, and
//     execve ends all others); the descriptors lose close-on-exec only
//     under syscall.ForkLock, so no child started meanwhile inherits them.
//     systemd hears RELOADING=1 with MONOTONIC_USEC.
//  3. The new image's Bind calls take the listeners from the record, and
//     its Run takes over the lock, the control socket, the cgroups and the
//     workers, each back in its slot with its connections where they were
//     left. Then a worker of the new executable starts in every slot beside
//     the old one; once all are ready, the old generation drains (hands
//     its connections over) and exits within DrainTimeout, and systemd
//     hears READY=1. [Upgrades] reports the outcome, under the upgrade's
//     ID, with the generation.
//  4. If a worker of the new generation fails its start, or they are not
//     all ready within their StartTimeout, the new workers are stopped and
//     the master re-executes the previous executable (kept open across
//     the exec), which takes its workers back: they served throughout.
//     The outcome is "failed", with the reason.
//
// Reloads and upgrades run one at a time; one asked for while another
// runs, including its drain, waits for it, so at most two generations of
// workers live at once. An image started by an upgrade keeps its main
// goroutine on the main thread and runs its spawner there (the adopted
// workers are that thread's children): a Master in such a program should
// run from main. A Background master cannot be upgraded yet. A
// worker with [Worker].SharedMemory does not cross the exec: its rings
// are mapped in the old image only, and its Conn cannot be detached, so
// the master kills it (SIGKILL, with the client connections it holds)
// and the new image starts a worker in its slot afresh. A
// sandboxed worker's supervision does not cross the exec: until the old
// generation has drained, the calls its filter refuses fail with ENOSYS
// and are not reported (the new generation is supervised again). The
// listeners are not mirrored into systemd's file descriptor store: a
// master that crashes loses them, and systemd starts it afresh.
//
// # Daemonizing
//
// A Go program cannot fork once its runtime runs, so [Daemon] re-executes
// the program and lets the C shim of package csrc fork, setsid and fork
// again before the new runtime starts. The process the user started waits
// for the daemon's [Ready] or [Fail] and exits 0 or 1 accordingly, printing
// the daemon's error: init systems with Type=forking and shell scripts see
// start-up failures, and with [PIDFile] the lock is held, with the daemon's
// PID inside, before the starting command exits. Until then, what the
// daemon writes on stdout and stderr comes out on the starting command's,
// even a panic or the last words of a daemon that exits before it is
// ready; afterwards it goes to syslog, each line at the priority of its
// "<N>" prefix ([NewStderrHandler]'s). [Ready] also notifies
// systemd (Type=notify) when NOTIFY_SOCKET is set; package proc/sdnotify
// holds that protocol. Without cgo the same API
// works through a single setsid child (documented on [Daemon]).
//
// # Where things are
//
// The package's files are named for what they hold: master*.go, slot_state.go,
// restart.go and health_wire.go for supervision; worker*.go for [Me];
// daemon*.go and ready.go for daemonizing; lock*.go; privileges*.go,
// deathsig.go, nnp.go and execcheck.go for what a worker cannot do;
// contain*.go for process trees and cgroups; shared.go for shared
// memory; control*.go and accept*.go for sockets; listener*.go for
// Listeners; tenure.go, handover*.go and upgrade*.go for reloads,
// hand-overs and upgrades (upgrade_state.go is the state record).
// systemd's notification protocol is package proc/sdnotify.
//
// # The original's names
//
// This package re-implements parts of the OCaml library Release:
//
//	Release.daemon              Daemon, Ready, Fail (readiness is new)
//	master_slaves, master_slave Master.Run (one Worker with Count 1)
//	me                          Me
//	Release_socket.accept_loop  AcceptLoop (per-connection timeout, panics
//	                            contained, EMFILE pauses instead of exiting)
//	Release_ipc.control_socket  ControlSocket (0600, SO_PEERCRED allow-list,
//	                            a bad or idle client loses only its own
//	                            connection)
//	create_lock_file            Lock (flock: exactly one winner; PID inside)
//	remove_lock_file            (*LockFile).Unlock (only if still ours)
//	Release_privileges.drop     DropPrivileges (verified, on every thread)
//	check_user                  CheckRoot, CheckNonRoot (effective uid)
//
// The original calls the worker processes "slaves"; this library says
// workers. Where the original kept umask 0 for daemons, exited 0 before the
// daemon was ready, and let a second master run beside the first, this
// package does not.
//
// # What it does not do
//
// It does not close or redirect file descriptors the program opens after
// start-up, does not set cgroup resource limits (its cgroups only contain),
// and never logs from the lower layers: errors are returned.
// Changes to the whole process (the umask, session, credentials, root
// directory) happen only in the functions whose docs say so.
package proc

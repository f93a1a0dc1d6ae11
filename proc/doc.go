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
// [RestartPolicy]: a burst limit on the monotonic clock, backoff, an exit
// code meaning "do not restart", and at the limit either the Master stops
// ([ErrRestartLimit]) or that Worker alone is given up. When the Master's
// context ends, workers get SIGTERM, then SIGKILL after StopGrace. In ps,
// a worker shows as "<name>: worker <slot>" (its argv[0]; see
// [Worker].Title); the master keeps the command line it was started with,
// since Go cannot rewrite its own argv in place.
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
//   - It inherits nothing but fd 3 and the kept environment, and its
//     frames are bounded in size and in passed files (package frame).
//
// A local user cannot hold or rewrite the Master's lock file ([Lock]
// refuses files it cannot safely own) nor use its control socket without
// an allowed uid.
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
// systemd (Type=notify) when NOTIFY_SOCKET is set. Without cgo the same API
// works through a single setsid child (documented on [Daemon]).
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

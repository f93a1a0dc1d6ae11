// Package sandbox confines a worker process: a seccomp-BPF filter allows
// the system calls of the promises it was given, after OpenBSD's
// pledge(2), and Landlock limits the files it reaches to the paths it
// unveiled, after unveil(2). A master decides each worker's [Spec] and
// passes it in its text form ([Parse], [Spec.String]); the worker applies
// it before it does any work ([Apply]), or the C shim applies the
// compiled [Program] before the worker's Go runtime starts.
//
// # The filter
//
// The filter first checks the architecture (another one, such as i386
// system calls through int 0x80, kills the process) and on amd64 refuses
// x32 system call numbers the same way. Then it finds the call by a binary
// search over the allowed numbers, sorted, with leaves of four
// comparisons: about a dozen instructions for any call. The kernel caches
// the verdict of calls allowed whatever their arguments, so the filter
// runs only for refused calls and for the few checked ones.
//
// Every spec allows the runtime baseline, what the Go runtime calls once
// main runs (futex, mmap, munmap, madvise, clone of threads, signals and
// tgkill, timers, the netpoller's epoll and eventfd, getrandom, rseq and
// set_robust_list for the C library's threads, pidfd_open,
// pidfd_send_signal and waitid for children and a worker's watch of its
// master, ...), listed in baseline.go; a test fails when a Go release
// needs something new.
// Promises add groups on top:
//
//	stdio      I/O on descriptors already held: read/write and their vector and
//	           positional forms, lseek, fstat, dup*, fcntl, fsync, ftruncate,
//	           getdents64, pipe2, poll/ppoll/select, sendmsg/recvmsg/sendto/recvfrom
//	           (descriptor passing included), accept4, getsockname/getpeername,
//	           get/setsockopt, shutdown, splice/sendfile, timerfd, signalfd,
//	           ids (getuid...), getrusage, umask, wait4;
//	           socketpair(AF_UNIX); ioctl FIONREAD, FIONBIO, FIOCLEX, FIONCLEX;
//	           prlimit64 of itself, reading only
//	rpath      open/openat for reading (no O_TRUNC, O_CREAT, O_TMPFILE), stat,
//	           lstat, newfstatat, statx, access, faccessat(2), readlink(at),
//	           getcwd, chdir, fchdir, statfs, getxattr/listxattr, inotify
//	wpath      open/openat for writing (O_TRUNC allowed), truncate, fallocate
//	cpath      open with O_CREAT/O_TMPFILE, creat, mkdir(at), rmdir, unlink(at),
//	           rename(at2), link(at), symlink(at)
//	fattr      chmod/fchmod(at), chown/fchown(at)/lchown, utimensat and older
//	           forms, setxattr/removexattr
//	inet       socket(AF_INET, AF_INET6), bind, connect, listen
//	unix       socket(AF_UNIX), bind, connect, listen
//	proc       clone of processes (never with CLONE_NEW* flags), fork, vfork,
//	           setpgid, setsid, get/setpriority, setrlimit, prlimit64 of itself,
//	           sched_setaffinity
//	exec       execve, execveat
//	prot_exec  mmap, mprotect and pkey_mprotect with PROT_EXEC
//	id         setuid, setgid and their re/res/fs forms, setgroups, capset
//	tty        ioctl TCGETS, TCSETS(W/F), TIOCGWINSZ, TIOCSWINSZ, TIOCGPGRP, TIOCSPGRP
//
// Nothing allows ptrace, mount, unshare, setns, bpf, keyctl,
// perf_event_open, userfaultfd, process_vm_*, personality, or kernel
// module and reboot calls; a spec's allow clause names such calls one by
// one when a worker truly needs one. clone3, openat2 and io_uring_* fail
// with ENOSYS, whatever the spec's action, so that the C library and the
// Go runtime fall back to clone and openat, whose arguments the filter
// can check (clone3's and openat2's are behind pointers; io_uring's work
// is out of the filter's sight).
//
// A refused call fails with EPERM, or as the spec's action says: EACCES,
// ENOSYS, killing the process (SIGSYS), a SIGSYS trap, logging and
// allowing it (an audit mode), or allowing and learning it (see
// Learning). Whatever the action but log and learn, open, openat
// and the stat, access and readlink calls fail with EACCES, as in
// OpenSSH's filter: libraries open files on their own and cope with a
// refusal (the C library's malloc reads /sys/devices/system/cpu/online in
// each new thread; Go's time package reads /etc/localtime), and a worker
// without rpath should lose the file, not its life.
//
// What the filter cannot tell: which descriptor a call acts on (stdio's
// sendmsg may pass descriptors; OpenBSD's recvfd and sendfd have no
// counterpart), the path of an open (that is Landlock's part), the
// address of a connect (inet cannot be narrowed to DNS; a worker that
// resolves names takes inet and rpath with /etc/resolv.conf and
// /etc/hosts unveiled), or the target of kill and tgkill, which the
// runtime needs for itself (Landlock's signal scope confines them). The
// filter and the Landlock domain stay on a new image after execve, so
// exec is only useful for programs that fit the same spec: os/exec of a
// dynamically linked program takes stdio rpath wpath proc exec prot_exec
// (/dev/null for the standard files it is not given, the loader's
// executable mappings).
//
// # Supervision
//
// A filter compiled with [CompileSupervised] reports what it refuses: a
// refusal that the policy decides (EPERM, EACCES, kill) returns
// SECCOMP_RET_USER_NOTIF, and a supervisor holding the filter's listener
// ([Supervisor.Serve]) gets each call, reports it as a [Violation]
// (the call's name, arguments, the path it names, read from the
// process's memory) and answers with the policy's errno, or kills the
// process. The ENOSYS of probes, and the trap and log actions, stay in
// the filter. [Program.Apply] installs a supervised filter with
// SECCOMP_FILTER_FLAG_NEW_LISTENER and TSYNC (with TSYNC_ESRCH, which
// the kernel requires with a listener: Linux 5.7) and returns the
// listener in the [Report]; the C shim installs it on its one thread.
// The filter allows sendmsg, by which the listener reaches the
// supervisor once the filter is on. When no one holds the listener any
// more (the supervisor exited), the kernel fails the notified calls with
// ENOSYS. Landlock's refusals are not notified: they fail with EACCES,
// and Landlock reports them to the kernel's audit log only.
//
// A supervisor answers the files the Go runtime and the C library read
// on their own (/proc/self/*, the cgroup and huge page files and
// /dev/urandom at the runtime's start, /sys/devices/system/cpu/* and
// /proc/stat, /etc/localtime and the zone database) as the
// filter would, with EACCES, without a report: they would be noise at
// every start, and the libraries cope.
//
// # Learning
//
// With action learn (supervised only) the filter allows the runtime
// baseline and notifies everything else but probes, whatever the
// promises, and no Landlock domain is applied; the supervisor lets each
// call through and records it, reporting each distinct call once.
// [Supervisor.Learned] then gives the tightest spec that would have let
// it all through: for each call the spec so far refuses, the first
// promise that allows it (else the first pair, else the call by name in
// an allow clause), and each file opened or executed unveiled with the
// rights it was used with. Every call outside the baseline waits for the
// supervisor: learning is for a trial run, not for production.
//
// # Unveil
//
// An unveiled path grants rights beneath it: r reads files and lists
// directories, w writes, truncates and ioctls devices (and, from Landlock
// ABI 9, connects to unix sockets), x executes, c creates, renames, links
// and removes entries (never device nodes). Everything else is refused
// with EACCES. A spec with unveil clauses also scopes signals and abstract
// unix sockets to the worker and its children (Landlock ABI 6), and
// Landlock keeps it from ptracing any process outside its domain.
// Landlock does not restrict stat, chmod, chown or utimes of paths the
// process can name: those stay the promises' part.
//
// # Applying
//
// [Program.Apply] sets no-new-privileges, puts the Landlock domain on
// every thread (with Landlock's TSYNC flag from ABI 8; before that with
// [syscall.AllThreadsSyscall], which exists only in CGO_ENABLED=0
// builds: a cgo program gets [ErrThreads], or a report that Landlock was
// not applied when best-effort), then installs the filter with seccomp's
// TSYNC flag, which covers every thread whatever the build. Threads
// started later inherit both. Anything the kernel lacks fails with
// [ErrUnsupported] unless the spec is best-effort; the [Report] names
// what was not enforced either way.
//
// In a cgo build the Go route covers every thread with the filter but
// cannot put the Landlock domain on threads it did not start, before
// Landlock ABI 8; the C shim is the route there: the master compiles the
// worker's spec ([Compile]), resolves it for the kernel
// ([Program.ForKernel]) and passes the encoding ([Program.MarshalBinary])
// to the worker, whose shim sets no-new-privileges, creates the ruleset,
// restricts itself and installs the filter while it is the only thread,
// before the runtime starts.
//
// # Cost
//
// The kernel caches, per filter, the verdict of calls allowed whatever
// their arguments, so the filter's layout matters only for checked and
// refused calls; being filtered at all puts every call on the kernel's
// slower entry path. Measured on the test machine (BenchmarkSyscallCost):
// getpid 173 ns unfiltered, 223 ns filtered; read of /dev/zero 384 and
// 442 ns; ioctl(FIONREAD), checked on its arguments, 448 and 557 ns.
//
// # Promises, call by call
//
// The calls each row allows whatever their arguments, then the calls
// whose argument checks it adds or loosens ("checked:": which arguments,
// the promises' list above says), then, for calls on paths, where
// Landlock lets them through when the spec unveils. TestDocTable fails
// when this table and baseline.go, promises.go or args.go differ, and
// prints the rows as they should read.
//
//	baseline   arch_prctl brk clock_getres clock_gettime clock_nanosleep close
//	           epoll_create1 epoll_ctl epoll_pwait epoll_pwait2 epoll_wait
//	           eventfd2 exit exit_group fcntl futex getitimer getpid getrandom
//	           gettid gettimeofday kill madvise mincore mremap munmap nanosleep
//	           pidfd_open pidfd_send_signal pread64 read restart_syscall rseq
//	           rt_sigaction rt_sigprocmask rt_sigreturn sched_getaffinity
//	           sched_yield set_robust_list set_tid_address setitimer
//	           sigaltstack tgkill time timer_create timer_delete timer_gettime
//	           timer_settime tkill uname waitid write
//	           checked: clone mmap mprotect pkey_mprotect prctl
//	stdio      accept accept4 alarm capget close_range copy_file_range dup dup2
//	           dup3 fdatasync fstat fsync ftruncate getcpu getdents getdents64
//	           getegid geteuid getgid getgroups getpeername getpgid getpgrp
//	           getppid getresgid getresuid getrlimit getrusage getsid
//	           getsockname getsockopt getuid lseek msync pause pipe pipe2 poll
//	           ppoll preadv preadv2 pselect6 pwrite64 pwritev pwritev2 readv
//	           recvfrom recvmmsg recvmsg rt_sigpending rt_sigsuspend
//	           rt_sigtimedwait select sendfile sendmmsg sendmsg sendto
//	           setsockopt shutdown signalfd4 splice sysinfo tee timerfd_create
//	           timerfd_gettime timerfd_settime times umask wait4 writev
//	           checked: ioctl prlimit64 socketpair
//	rpath      access chdir faccessat faccessat2 fchdir fgetxattr flistxattr
//	           fstatfs getcwd getxattr inotify_add_watch inotify_init1
//	           inotify_rm_watch lgetxattr listxattr llistxattr lstat newfstatat
//	           readlink readlinkat stat statfs statx
//	           checked: open openat
//	           paths: read beneath unveil r (Landlock), or anywhere without unveil
//	wpath      fallocate truncate
//	           checked: open openat
//	           paths: write beneath unveil w, or anywhere without unveil
//	cpath      creat link linkat mkdir mkdirat rename renameat renameat2 rmdir
//	           symlink symlinkat unlink unlinkat
//	           checked: open openat
//	           paths: create and remove beneath unveil c, or anywhere without unveil
//	fattr      chmod chown fchmod fchmodat fchmodat2 fchown fchownat
//	           fremovexattr fsetxattr futimesat lchown lremovexattr lsetxattr
//	           removexattr setxattr utime utimensat utimes
//	inet       bind connect listen
//	           checked: socket
//	unix       bind connect listen
//	           checked: socket
//	proc       fork getpriority sched_setaffinity setpgid setpriority setrlimit
//	           setsid vfork
//	           checked: clone prlimit64
//	exec       execve execveat
//	           paths: execute beneath unveil x, or anywhere without unveil
//	prot_exec  checked: mmap mprotect pkey_mprotect
//	id         capset setfsgid setfsuid setgid setgroups setregid setresgid
//	           setresuid setreuid setuid
//	tty        checked: ioctl
package sandbox

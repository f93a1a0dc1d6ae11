package sandbox

// baseline is what the Go runtime itself calls once main runs, allowed in
// every spec whatever the promises; names missing on an architecture are
// skipped. A new Go release that needs another call fails
// TestBaselineRunsTheRuntime; add the call here with the reason.
//
// Not here, because the runtime makes them only before main, when no
// filter exists yet: openat of the cgroup and transparent huge page files.
// mmap, mprotect, clone and prctl are allowed with argument checks, in
// argRules.
var baseline = []string{
	// Memory: the heap, stacks, scavenger; brk and mremap for C's malloc.
	"munmap", "madvise", "brk", "mremap", "mincore",
	// Threads and scheduling.
	"futex", "gettid", "sched_yield", "sched_getaffinity", "set_robust_list", "rseq",
	"set_tid_address", "exit", "exit_group", "restart_syscall",
	// Signals: preemption (tgkill SIGURG), crashes (kill of the process itself).
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "tgkill", "tkill", "kill", "getpid",
	// Time and timers: sleeps, the profiler's per-thread timers.
	"clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep", "clock_nanosleep",
	"setitimer", "getitimer", "timer_create", "timer_settime", "timer_gettime", "timer_delete",
	// The netpoller and its wake-up eventfd; read and write for it and for crashes.
	"epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2", "epoll_wait", "eventfd2",
	"read", "write", "close", "fcntl",
	// Randomness (crypto/rand and the runtime's fallback), the kernel's version, TLS set-up.
	"getrandom", "uname", "arch_prctl",
	// Processes by pidfd: the os package waits for and signals children
	// through one (Go 1.23 on), and a worker watches its master through
	// one. pidfd_send_signal reaches no process kill does not; waitid
	// waits for children only. pidfd_getfd, which takes another
	// process's descriptors, is not here.
	"pidfd_open", "pidfd_send_signal", "waitid",
	// GOMAXPROCS: sysmon re-reads the cgroup CPU limit through descriptors
	// opened at start-up, and the affinity mask, about once a second.
	"pread64",
}

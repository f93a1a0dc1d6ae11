/* The daemonizing shim: runs as an ELF constructor, before the Go runtime
 * exists, because a Go program cannot fork once its threads are running.
 * See README.md beside this file for the whole lifecycle. Between the forks
 * only async-signal-safe calls are made (open, close, dup2, fork, setsid,
 * signal, write, read, _exit). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "daemonize.h"

static int ready_fd = -1;
static int lock_fd = -1;
static int out_fd = -1;
static int err_fd = -1;
static int threads_at_fork = -1;

int release_ready_fd(void) { return ready_fd; }
int release_lock_fd(void) { return lock_fd; }
int release_out_fd(void) { return out_fd; }
int release_err_fd(void) { return err_fd; }
int release_threads_at_fork(void) { return threads_at_fork; }

/* parse_int reads a decimal (or, with base 8, octal) number up to the next
 * ':' or the end, and advances *s past the separator. Returns -2 on error. */
static long parse_int(const char **s, int base) {
	char *end;
	errno = 0;
	long v = strtol(*s, &end, base);
	if (errno != 0 || end == *s || (*end != ':' && *end != '\0'))
		return -2;
	*s = *end == ':' ? end + 1 : end;
	return v;
}

/* is_pipe_end reports whether fd is an open pipe end with the given mode. */
static int is_pipe_end(long fd, int mode) {
	struct stat st;
	if (fd < 3 || fd > 65535 || fstat((int)fd, &st) != 0 || !S_ISFIFO(st.st_mode))
		return 0;
	int fl = fcntl((int)fd, F_GETFL);
	return fl >= 0 && (fl & O_ACCMODE) == mode;
}

/* append copies s to the end of buf (of size n), truncating. */
static void append(char *buf, size_t n, const char *s) {
	size_t used = strlen(buf);
	while (*s != '\0' && used + 1 < n)
		buf[used++] = *s++;
	buf[used] = '\0';
}

/* fail reports a failure of the C stage on the readiness pipe, as the
 * daemon itself would with proc.Fail, and exits. The message goes in one
 * write shorter than PIPE_BUF, so the starting process reads it whole. */
static void fail(int wfd, const char *what) {
	const char *why = strerror(errno); /* safe: the process has one thread */
	char msg[512] = "E";
	append(msg, sizeof msg, what);
	append(msg, sizeof msg, ": ");
	append(msg, sizeof msg, why);
	while (write(wfd, msg, strlen(msg)) < 0 && errno == EINTR)
		;
	_exit(1);
}

/* count_threads reads the thread count from /proc/self/stat (field 20;
 * cheaper than /proc/self/status), for the test that checks the shim forks
 * while the process has one thread. */
static int count_threads(void) {
	char buf[1024];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *p = strrchr(buf, ')'); /* the command name may hold anything */
	for (int field = 2; p != NULL && field < 20; field++)
		p = strchr(p + 1, ' ');
	return p ? atoi(p + 1) : -1;
}

/* close_from closes every fd from lo to hi (inclusive). */
static void close_from(unsigned lo, unsigned hi) {
	if (lo > hi)
		return;
	if (syscall(SYS_close_range, lo, hi, 0) == 0)
		return;
	/* Before Linux 5.9: close one by one, up to the fd limit. */
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 1 << 20)
		max = 1 << 20;
	for (unsigned fd = lo; fd <= hi && fd < (unsigned)max; fd++)
		close((int)fd);
}

/* close_inherited closes every fd above 2 but the n in keep (each -1 or
 * >= 3, distinct), so that the daemon holds nothing its starter had open: a
 * terminal, or the pipe of a shell's $(...), which would wait for it. */
static void close_inherited(int *keep, int n) {
	for (int i = 1; i < n; i++) /* insertion sort, -1s first */
		for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	unsigned lo = 3;
	for (int i = 0; i < n; i++) {
		if (keep[i] < 3)
			continue;
		close_from(lo, (unsigned)keep[i] - 1);
		lo = (unsigned)keep[i] + 1;
	}
	close_from(lo, ~0U);
}

/* become_daemon makes this process, the session leader, fork once more so
 * that the daemon is not a session leader and can never acquire a
 * controlling terminal. It returns only in the grandchild, the daemon,
 * with stdin on /dev/null. Stdout and stderr stay the pipes the starting
 * process reads until the daemon is ready; the working directory stays
 * too, until proc.Daemon (main runs again and may open relative paths). */
static void become_daemon(int wfd) {
	pid_t pid = fork();
	if (pid < 0)
		fail(wfd, "release: fork");
	if (pid > 0)
		_exit(0);
	int null = open("/dev/null", O_RDWR);
	if (null < 0)
		fail(wfd, "release: open /dev/null");
	if (null != 0) {
		if (dup2(null, 0) < 0)
			fail(wfd, "release: dup2 /dev/null");
		close(null);
	}
}

/* distinct reports whether the n fds in v, -1s aside, differ. */
static int distinct(const long *v, int n) {
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (v[i] != -1 && v[i] == v[j])
				return 0;
	return 1;
}

void release_daemonize(void) {
	const char *s = getenv(RELEASE_DAEMON_MARKER);
	if (s == NULL || strncmp(s, "2:", 2) != 0)
		return;
	s += 2;
	long wfd = parse_int(&s, 10), lfd = parse_int(&s, 10), mask = parse_int(&s, 8);
	long ofd = parse_int(&s, 10), efd = parse_int(&s, 10);
	long fds[4] = {wfd, lfd, ofd, efd};
	if (*s != '\0' || !is_pipe_end(wfd, O_WRONLY) || !is_pipe_end(ofd, O_RDONLY) ||
	    !is_pipe_end(efd, O_RDONLY) || (lfd != -1 && lfd < 3) || !distinct(fds, 4) ||
	    mask < 0 || mask > 0777)
		return; /* not ours: a stray variable does nothing */
	unsetenv(RELEASE_DAEMON_MARKER); /* children must not daemonize again */
	umask((mode_t)mask);
	threads_at_fork = count_threads();
	if (setsid() < 0)
		fail((int)wfd, "release: setsid");
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	become_daemon((int)wfd);
	int keep[4] = {(int)wfd, (int)lfd, (int)ofd, (int)efd};
	close_inherited(keep, 4);
	ready_fd = (int)wfd;
	lock_fd = (int)lfd;
	out_fd = (int)ofd;
	err_fd = (int)efd;
}

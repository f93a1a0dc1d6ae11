/* The sandboxing shim: applies a worker's compiled sandbox program as an
 * ELF constructor, before the Go runtime exists, while the process has a
 * single thread, so that the Landlock domain and the seccomp filter reach
 * every thread the runtime creates. See README.md beside this file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

#if defined(__x86_64__)
#define THIS_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define THIS_ARCH AUDIT_ARCH_AARCH64
#else
#define THIS_ARCH 0 /* no program matches: proc/sandbox has no filter here */
#endif

#define MAX_PROGRAM (1 << 20)
#define WANT_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define MAX_INSNS 4096
#define LL_CREATE_VERSION 1u
#define LL_RULE_PATH_BENEATH 1
/* The accesses that apply to a file: execute, write, read, truncate, ioctl. */
#define LL_FILE_ACCESS ((1ull << 0) | (1ull << 1) | (1ull << 2) | (1ull << 14) | (1ull << 15))

static int state;
static char message[512];

int release_sandbox_state(void) { return state; }
const char *release_sandbox_message(void) { return message; }

/* ruleset_attr is struct landlock_ruleset_attr up to ABI 6; older kernels
 * take its first 8 or 16 bytes. */
struct ruleset_attr {
	uint64_t handled_fs, handled_net, scoped;
};

/* path_attr is struct landlock_path_beneath_attr, packed. */
struct path_attr {
	uint64_t allowed;
	int32_t fd;
} __attribute__((packed));

/* decoder reads little-endian fields; past the end it sets short_. */
struct decoder {
	const unsigned char *p, *end;
	int short_;
};

static const unsigned char *take(struct decoder *d, size_t n) {
	if ((size_t)(d->end - d->p) < n) {
		d->short_ = 1;
		d->p = d->end;
		return NULL;
	}
	const unsigned char *v = d->p;
	d->p += n;
	return v;
}

static uint64_t le(struct decoder *d, size_t n) {
	const unsigned char *b = take(d, n);
	uint64_t v = 0;
	for (size_t i = 0; b != NULL && i < n; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

/* failed records why the sandbox could not be applied. */
static void failed(const char *what, int err) {
	state = -1;
	if (err != 0)
		snprintf(message, sizeof message, "sandbox shim: %s: %s", what, strerror(err));
	else
		snprintf(message, sizeof message, "sandbox shim: %s", what);
}

/* read_program reads fd to its end into a new buffer. */
static unsigned char *read_program(int fd, size_t *n) {
	size_t cap = 4096, len = 0;
	unsigned char *b = malloc(cap);
	while (b != NULL) {
		if (len == cap) {
			unsigned char *nb = cap < MAX_PROGRAM ? realloc(b, cap * 2) : NULL;
			if (nb == NULL) {
				free(b);
				errno = EFBIG;
				return NULL;
			}
			b = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, b + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(b);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*n = len;
	return b;
}

/* apply_landlock makes the ruleset encoded at d and restricts the process
 * with it. Returns the ABI, or -1 with message set. */
static int apply_landlock(struct decoder *d) {
	struct ruleset_attr attr = {0};
	attr.handled_fs = le(d, 8);
	attr.scoped = le(d, 8);
	unsigned rules = (unsigned)le(d, 2);
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_VERSION);
	if (abi < 1) {
		failed("landlock ABI", errno);
		return -1;
	}
	size_t size = abi < 4 ? 8 : abi < 6 ? 16 : sizeof attr;
	int rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (rfd < 0) {
		failed("landlock_create_ruleset", errno);
		return -1;
	}
	for (unsigned i = 0; i < rules; i++) {
		uint64_t access = le(d, 8);
		size_t len = (size_t)le(d, 2);
		const unsigned char *p = take(d, len);
		char path[4097];
		if (d->short_ || len == 0 || len >= sizeof path) {
			close(rfd);
			failed("malformed program: rule", 0);
			return -1;
		}
		memcpy(path, p, len);
		path[len] = '\0';
		int pfd = open(path, O_PATH | O_CLOEXEC);
		struct stat st;
		if (pfd < 0 || fstat(pfd, &st) != 0) {
			int e = errno;
			if (pfd >= 0)
				close(pfd);
			close(rfd);
			char what[200];
			snprintf(what, sizeof what, "unveil %.160s", path);
			failed(what, e);
			return -1;
		}
		access &= attr.handled_fs;
		if (!S_ISDIR(st.st_mode))
			access &= LL_FILE_ACCESS;
		struct path_attr pa = {access, pfd};
		int r = access == 0 ? 0 : (int)syscall(SYS_landlock_add_rule, rfd, LL_RULE_PATH_BENEATH, &pa, 0);
		int e = errno;
		close(pfd);
		if (r != 0) {
			close(rfd);
			failed("landlock_add_rule", e);
			return -1;
		}
	}
	if (syscall(SYS_landlock_restrict_self, rfd, 0) != 0) {
		int e = errno;
		close(rfd);
		failed("landlock_restrict_self", e);
		return -1;
	}
	close(rfd);
	return (int)abi;
}

/* hand_listener sends the listener of a supervised filter to the master
 * over the socket RELEASE_SANDBOX_NOTIFY names, with sendmsg, which the
 * supervised filter allows, and closes both. Returns 0, or -1 with
 * message set: the master never got it, and every notified call fails
 * with ENOSYS. */
static int hand_listener(int listener) {
	const char *v = getenv(RELEASE_SANDBOX_NOTIFY_ENV);
	char *end;
	errno = 0;
	long fd = v == NULL ? -1 : strtol(v, &end, 10);
	unsetenv(RELEASE_SANDBOX_NOTIFY_ENV);
	if (v == NULL || errno != 0 || end == v || *end != '\0' || fd < 3 || fd > 65535) {
		close(listener);
		failed("no " RELEASE_SANDBOX_NOTIFY_ENV " for the supervised filter's listener", 0);
		return -1;
	}
	char byte = 0;
	struct iovec iov = {&byte, 1};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	memset(&u, 0, sizeof u);
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &listener, sizeof(int));
	ssize_t r;
	do
		r = sendmsg((int)fd, &msg, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	int e = errno;
	close(listener);
	close((int)fd);
	if (r != 1) {
		failed("send the listener to the master", e);
		return -1;
	}
	return 0;
}

/* apply decodes the program and applies it; it sets state and message. */
static void apply(const unsigned char *b, size_t n) {
	struct decoder d = {b, b + n, 0};
	const unsigned char *magic = take(&d, 4);
	unsigned version = (unsigned)le(&d, 1), flags = (unsigned)le(&d, 1);
	uint32_t arch = (uint32_t)le(&d, 4);
	if (magic == NULL || memcmp(magic, "RSBX", 4) != 0 || version != 1 || (flags & ~7u) != 0 ||
	    arch != THIS_ARCH) {
		failed("not a version 1 program for this architecture", 0);
		return;
	}
	unsigned short ninsns = (unsigned short)le(&d, 2);
	const unsigned char *insns = take(&d, (size_t)ninsns * 8);
	if (d.short_ || ninsns == 0 || ninsns > MAX_INSNS) {
		failed("malformed program: filter", 0);
		return;
	}
	struct sock_filter filter[MAX_INSNS];
	for (unsigned i = 0; i < ninsns; i++) {
		struct decoder f = {insns + 8 * i, insns + 8 * i + 8, 0};
		filter[i].code = (uint16_t)le(&f, 2);
		filter[i].jt = (uint8_t)le(&f, 1);
		filter[i].jf = (uint8_t)le(&f, 1);
		filter[i].k = (uint32_t)le(&f, 4);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		failed("PR_SET_NO_NEW_PRIVS", errno);
		return;
	}
	int abi = 0;
	if (flags & 2) {
		abi = apply_landlock(&d);
		if (abi < 0)
			return;
	}
	if (d.p != d.end || d.short_) {
		failed("malformed program: bytes left", 0);
		return;
	}
	struct sock_fprog prog = {ninsns, filter};
	/* One thread: a supervised filter's listener needs no TSYNC. */
	unsigned long sflags = (flags & 4) ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
	long listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, sflags, &prog);
	if (listener < 0) {
		failed("seccomp", errno);
		return;
	}
	if ((flags & 4) && hand_listener((int)listener) != 0)
		return;
	state = 1;
	if (abi > 0)
		snprintf(message, sizeof message, "seccomp: %u instructions%s; landlock ABI %d, before the runtime started",
		         ninsns, (flags & 4) ? ", supervised" : "", abi);
	else
		snprintf(message, sizeof message, "seccomp: %u instructions%s, before the runtime started; landlock: off",
		         ninsns, (flags & 4) ? ", supervised" : "");
}

void release_sandbox(void) {
	const char *v = getenv(RELEASE_SANDBOX_ENV);
	if (v == NULL)
		return;
	char *end;
	errno = 0;
	long fd = strtol(v, &end, 10);
	unsetenv(RELEASE_SANDBOX_ENV);
	if (errno != 0 || end == v || *end != '\0' || fd < 3 || fd > 65535) {
		failed("bad " RELEASE_SANDBOX_ENV, 0);
		return;
	}
	/* Only the sealed memfd a Master makes: a stray variable naming
	 * another fd (the daemon's lock file, say) leaves that fd alone. */
	int seals = fcntl((int)fd, F_GET_SEALS);
	if (seals < 0 || (seals & WANT_SEALS) != WANT_SEALS) {
		failed("the fd " RELEASE_SANDBOX_ENV " names is not a sealed memfd", seals < 0 ? errno : 0);
		return;
	}
	size_t n = 0;
	unsigned char *b = read_program((int)fd, &n);
	int e = errno;
	close((int)fd);
	if (b == NULL) {
		failed("read the program", e);
		return;
	}
	apply(b, n);
	free(b);
}

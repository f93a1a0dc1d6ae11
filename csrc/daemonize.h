/* The daemonizing shim of Release for Go: see README.md beside this file. */
#ifndef RELEASE_DAEMONIZE_H
#define RELEASE_DAEMONIZE_H

/* The environment variable proc.Daemon sets to ask for a daemon. Its value is
 * "1:R:W:L:M": format version 1, the read and write ends of the readiness
 * pipe, the lock file's fd (-1 for none) and the umask in octal. */
#define RELEASE_DAEMON_MARKER "RELEASE_DAEMON"

/* Constructor body. Returns at once unless the marker is set and names a real
 * pipe; otherwise sets the umask, forks (the parent waits on the pipe and
 * exits with the daemon's verdict), setsid()s, ignores SIGHUP and SIGPIPE,
 * forks again (the middle process exits), chdir("/")s, points fds 0-2 at
 * /dev/null, clears the marker, and returns into the Go runtime's start. */
void release_daemonize(void);

int release_ready_fd(void);        /* write end of the readiness pipe, or -1 */
int release_lock_fd(void);         /* the inherited lock file's fd, or -1 */
int release_threads_at_fork(void); /* threads when the shim forked, or -1 */

#endif

/* The daemonizing shim of Release for Go: see README.md beside this file. */
#ifndef RELEASE_DAEMONIZE_H
#define RELEASE_DAEMONIZE_H

/* The environment variable proc.Daemon sets, in the child it starts, to ask
 * for a daemon. Its value is "1:W:L:M": format version 1, the write end of
 * the readiness pipe, the lock file's fd (-1 for none), the umask in octal. */
#define RELEASE_DAEMON_MARKER "RELEASE_DAEMON"

/* Constructor body. Returns at once unless the marker is set and names a real
 * pipe; otherwise clears the marker, sets the umask, setsid()s, ignores
 * SIGHUP and SIGPIPE, forks (the session leader exits), chdir("/")s, points
 * fds 0-2 at /dev/null, closes every other inherited fd but the pipe and the
 * lock, and returns into the Go runtime's start, in the daemon. A failure
 * is written to the pipe as "E" and a message. */
void release_daemonize(void);

int release_ready_fd(void);        /* write end of the readiness pipe, or -1 */
int release_lock_fd(void);         /* the inherited lock file's fd, or -1 */
int release_threads_at_fork(void); /* threads when the shim began, or -1 */

#endif

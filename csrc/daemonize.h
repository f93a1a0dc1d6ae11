/* The daemonizing shim of Release for Go: see README.md beside this file. */
#ifndef RELEASE_DAEMONIZE_H
#define RELEASE_DAEMONIZE_H

/* The environment variable proc.Daemon sets, in the child it starts, to ask
 * for a daemon. Its value is "2:W:L:M:O:E": format version 2, the write end
 * of the readiness pipe, the lock file's fd (-1 for none), the umask in
 * octal, and the read ends of the pipes that are the child's stdout (O) and
 * stderr (E), which the daemon reads once its starting process is gone. */
#define RELEASE_DAEMON_MARKER "RELEASE_DAEMON"

/* Constructor body. Returns at once unless the marker is set and names real
 * pipes; otherwise clears the marker, sets the umask, setsid()s, ignores
 * SIGHUP and SIGPIPE, forks (the session leader exits), points fd 0 at
 * /dev/null (1 and 2 stay the output pipes), closes every other inherited
 * fd but the four the marker names, and returns into the Go runtime's
 * start, in the daemon; proc.Daemon changes to "/". A failure is written to
 * the readiness pipe as "E" and a message, in one write. */
void release_daemonize(void);

int release_ready_fd(void);        /* write end of the readiness pipe, or -1 */
int release_lock_fd(void);         /* the inherited lock file's fd, or -1 */
int release_out_fd(void);          /* read end of the stdout pipe, or -1 */
int release_err_fd(void);          /* read end of the stderr pipe, or -1 */
int release_threads_at_fork(void); /* threads when the shim began, or -1 */

#endif

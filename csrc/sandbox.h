/* The sandboxing shim of Release for Go: see README.md beside this file. */
#ifndef RELEASE_SANDBOX_H
#define RELEASE_SANDBOX_H

/* The environment variable a proc.Master sets in a sandboxed worker: the
 * fd (4) of a sealed memfd holding the worker's compiled sandbox program,
 * in the encoding of proc/sandbox (export.go). */
#define RELEASE_SANDBOX_ENV "RELEASE_SANDBOX"

/* With a supervised program, the fd (5) of the unix socket on which the
 * shim hands the master the filter's seccomp listener. */
#define RELEASE_SANDBOX_NOTIFY_ENV "RELEASE_SANDBOX_NOTIFY"

/* Constructor body. Returns at once unless the variable is set; otherwise
 * reads the program, closes the fd, clears the variable, and applies the
 * program while the process has one thread: no-new-privileges, the
 * Landlock domain, then the seccomp filter, which every thread the Go
 * runtime starts later inherits. It never exits: on a failure it records
 * the reason, which proc.Me sends to the master as a failed start. */
void release_sandbox(void);

/* 0: not asked, 1: applied, -1: failed. */
int release_sandbox_state(void);
/* What was applied, or why it failed; "" when not asked. */
const char *release_sandbox_message(void);

#endif

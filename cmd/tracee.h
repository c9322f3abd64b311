/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracee.h - what a live run traces and what ends it: the command given
 * after `--` (started once the probes are attached), the process of
 * `-p`, and the signals (Ctrl-C, SIGTERM, SIGHUP) that end a run so that
 * trace_end runs and everything the run made is removed.
 */
#ifndef KTAP_CMD_TRACEE_H
#define KTAP_CMD_TRACEE_H

#include <poll.h>
#include <signal.h>
#include <sys/types.h>

struct tracee {
	pid_t child;			/* the command, until it is reaped */
	int pid;			/* -p, or 0 */
	int done;			/* the command or the process has ended */
	int go_fd, fail_fd;		/* holding the command before exec */
	char *const *cmd;
	sigset_t waitmask;		/* the signals a wait lets in */
};

/*
 * Make SIGINT, SIGTERM and SIGHUP end the run (tracee_stopped()) instead
 * of the process, watch SIGCHLD, ignore SIGPIPE; the signals are blocked
 * but in tracee_wait().  @cmd (NULL: none) and @pid (0: none) are the
 * target.
 */
void tracee_init(struct tracee *t, char *const *cmd, int pid);

/* Fork the command, held before exec.  0, or -1 with @err. */
int tracee_fork(struct tracee *t, char *err, size_t errlen);

/* Let the command exec.  0, or -1 with @err (e.g. it does not exist). */
int tracee_release(struct tracee *t, char *err, size_t errlen);

/* Non-zero once a signal asked the run to end. */
int tracee_stopped(void);

/*
 * Wait up to @timeout for @fds (may be 0 of them) or a signal; then note
 * whether the target has ended (t->done).  Returns ppoll()'s result.
 */
int tracee_wait(struct tracee *t, struct pollfd *fds, int nfds,
		const struct timespec *timeout);

/* Whether process @pid no longer exists. */
int tracee_pid_gone(int pid);

/* Stop the command if it still runs, and reap it. */
void tracee_close(struct tracee *t);

#endif /* KTAP_CMD_TRACEE_H */

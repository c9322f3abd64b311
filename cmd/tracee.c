// SPDX-License-Identifier: GPL-2.0
/*
 * tracee.c - the traced command or process, and the signals ending a run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tracee.h"

static volatile sig_atomic_t stop_signal, child_changed;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void on_child(int sig)
{
	child_changed = 1;
}

void tracee_init(struct tracee *t, char *const *cmd, int pid)
{
	struct sigaction sa = { 0 };
	sigset_t block;

	memset(t, 0, sizeof(*t));
	t->cmd = cmd;
	t->pid = pid;
	t->go_fd = t->fail_fd = -1;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &t->waitmask);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	/* a closed output pipe ends the run, it does not kill it */
	signal(SIGPIPE, SIG_IGN);
}

int tracee_fork(struct tracee *t, char *err, size_t errlen)
{
	int go[2], fail[2];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) || pipe2(fail, O_CLOEXEC) ||
	    (pid = fork()) < 0) {
		snprintf(err, errlen, "cannot start %s: %s", t->cmd[0],
			 strerror(errno));
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		char c;
		int e;

		/* wait until the probes are attached, then become the command */
		close(go[1]);
		close(fail[0]);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(t->cmd[0], t->cmd);
		e = errno;
		if (write(fail[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(fail[1]);
	t->child = pid;
	t->go_fd = go[1];
	t->fail_fd = fail[0];
	return 0;
}

int tracee_release(struct tracee *t, char *err, size_t errlen)
{
	int e;
	ssize_t n;

	if (t->go_fd < 0)
		return 0;
	n = write(t->go_fd, "g", 1);
	close(t->go_fd);
	t->go_fd = -1;
	/* the pipe closes at exec; an errno arrives if exec failed */
	do {
		n = read(t->fail_fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(t->fail_fd);
	t->fail_fd = -1;
	if (n == sizeof(e)) {
		waitpid(t->child, NULL, 0);
		t->child = 0;
		snprintf(err, errlen, "cannot run %s: %s", t->cmd[0],
			 strerror(e));
		return -1;
	}
	return 0;
}

int tracee_stopped(void)
{
	return stop_signal != 0;
}

int tracee_pid_gone(int pid)
{
	return kill(pid, 0) && errno == ESRCH;
}

int tracee_wait(struct tracee *t, struct pollfd *fds, int nfds,
		const struct timespec *timeout)
{
	sigset_t blocked;
	int r, status;

	r = ppoll(fds, nfds, timeout, &t->waitmask);
	/*
	 * ppoll() lets signals in only when it sleeps: with an fd always
	 * ready they would wait forever.  Let them in here too.
	 */
	sigprocmask(SIG_SETMASK, &t->waitmask, &blocked);
	sigprocmask(SIG_SETMASK, &blocked, NULL);
	if (t->child && child_changed) {
		child_changed = 0;
		if (waitpid(t->child, &status, WNOHANG) == t->child) {
			t->child = 0;
			t->done = 1;
		}
	}
	if (t->pid && tracee_pid_gone(t->pid))
		t->done = 1;
	return r;
}

void tracee_close(struct tracee *t)
{
	if (t->go_fd >= 0)
		close(t->go_fd);
	if (t->fail_fd >= 0)
		close(t->fail_fd);
	t->go_fd = t->fail_fd = -1;
	if (t->child) {
		kill(t->child, SIGTERM);
		waitpid(t->child, NULL, 0);
		t->child = 0;
	}
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * live.h - live tracing from userspace: the script's probes become
 * events of a private tracefs instance, whose ring buffers are read and
 * fed to the VM.
 */
#ifndef KTAP_CMD_LIVE_H
#define KTAP_CMD_LIVE_H

#include <stdio.h>

#include <ktap/ktap.h>

#include "../host/platform.h"

struct live_options {
	int pid;			/* -p: trace this process only; 0: all */
	int cpu;			/* -C: this CPU only; -1: all */
	char *const *cmd;		/* -- cmd args: run and trace it */
	int timestamps;			/* -T: prefix output lines */
	int quiet;			/* -q: no notes on stderr */
	unsigned long buffer_kb;	/* ring buffer per CPU; 0: as it is */
};

struct live;

/*
 * Add what live tracing gives scripts (stack(), ustack()) to @s, before
 * it loads.  Returns 0 or -1.
 */
int live_prepare(struct ktap_session *s);

/*
 * Resolve the probes of @s into events, create the instance and enable
 * them (tracing starts), and start the command of @o, held until
 * live_run().  Output goes through @up (-T hooks it).  NULL with the
 * reason in @err.
 */
struct live *live_open(struct ktap_session *s, const struct live_options *o,
		       struct user_platform *up, char *err, size_t errlen);

/*
 * Print what live_open() would attach, attaching nothing.  Returns 0, or
 * -1 with the reason in @err.
 */
int live_dry_run(struct ktap_session *s, const struct live_options *o,
		 FILE *out, char *err, size_t errlen);

/*
 * Feed events to the session until Ctrl-C (SIGINT, SIGTERM, SIGHUP),
 * exit(), the end of the command, or an error; then stop tracing and
 * feed what is left.  Returns 0; -1 after a runtime error (the session
 * says why); -2 with the reason in @err.
 */
int live_run(struct live *l, char *err, size_t errlen);

/*
 * Report lost events, remove the instance and the probes the run made,
 * stop the command if it still runs.  Call after trace_end.
 */
void live_close(struct live *l);

/*
 * Mount tracefs on /sys/kernel/tracing if it is not mounted.  Returns 0,
 * or -1 with the reason in @err.
 */
int live_mount_tracefs(char *err, size_t errlen);

/* Remove what runs killed before their live_close() left behind. */
void live_remove_stale(void);

#endif /* KTAP_CMD_LIVE_H */

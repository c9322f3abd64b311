/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perf_host.h - a ktap script run over perf samples: what the perf script
 * engine and the dlfilter both do around the event view (perf_view.h):
 * load the script with its arguments, run its top level, hand it the
 * samples, run trace_end and say what went wrong on standard error, as
 * "ktap: ..." lines, after the script's own output.
 */
#ifndef KTAP_PERF_HOST_H
#define KTAP_PERF_HOST_H

#include <stdio.h>

#include "platform.h"
#include "perf_view.h"

struct perf_host {
	struct user_platform up;
	struct ktap_session *s;
	struct perf_view *view;
	int started;		/* the top level ran: trace_end is due */
	int failed;		/* an error was reported */
	int ended;
};

/*
 * Load script (or bytecode) @argv[0] with arguments @argv[1..@argc-1],
 * output to @out, and run its top level.  Returns 0, or -1 after saying
 * why.
 */
int perf_host_start(struct perf_host *h, int argc, const char *const *argv,
		    const struct perf_view_ops *ops, FILE *out);

/*
 * Warn (on stderr) about probes that none of the recording's events @evs
 * can fire.
 */
void perf_host_check(struct perf_host *h, const struct perf_view_sample *evs,
		     int n);

/*
 * Run the probes of one sample.  Returns 1 if a handler called
 * perf.keep(), 0 if not (or the script is over: exit() or an earlier
 * error), -1 after reporting a runtime error.
 */
int perf_host_sample(struct perf_host *h, const struct perf_view_sample *smp);

/* Whether the samples of @smp's event run something. */
int perf_host_wanted(struct perf_host *h, const struct perf_view_sample *smp);

/*
 * Run trace_end (once, also after an error: what was collected is
 * printed), report skipped samples, free everything.  Returns the exit
 * status: 1 after an error, else the script's exit() status (0).
 */
int perf_host_end(struct perf_host *h);

#endif /* KTAP_PERF_HOST_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kernel.h - running a script in the kernel, through /dev/ktap.
 */
#ifndef KTAP_CMD_KERNEL_H
#define KTAP_CMD_KERNEL_H

#include <stdio.h>

#include <ktap/ktap.h>

#include "live.h"

struct kernel_run {
	const char *name;	/* for messages */
	const void *bc;
	size_t size;
	int argc;
	char **argv;
	const struct ktap_limits *limits;
	int json;
	int quiet;
	int verbose;
	int ftrace;		/* the output also as ktap:print events */
	int ftrace_only;	/* ... and only there */
	int has_probes;		/* for the "no event source" note */
	FILE *out;
	/* with events: the probes of @s attach in the kernel */
	struct ktap_session *s;
	const struct live_options *live;
};

/* Whether the module's device is there. */
int kernel_available(void);

/*
 * Run @kr in the kernel: load, attach the probes' events (kr->s set),
 * top level, events until Ctrl-C, exit() or the target's end, trace_end;
 * the output copied to kr->out as it comes.  Returns the command's exit
 * status.
 */
int kernel_run(const struct kernel_run *kr);

#endif /* KTAP_CMD_KERNEL_H */

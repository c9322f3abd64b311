/* SPDX-License-Identifier: GPL-2.0 */
/*
 * platform.h - the ktap runtime's platform in userspace: malloc, an output
 * stream, clock_gettime, uname and the process as "current task".  Every
 * userspace host uses it: the command and the plugins.
 */
#ifndef KTAP_CMD_PLATFORM_H
#define KTAP_CMD_PLATFORM_H

#include <stdio.h>

#include <ktap/ktap.h>

struct user_platform {
	FILE *out;
	/* when set, output goes here instead of @out */
	void (*sink)(void *arg, const char *buf, size_t len);
	void *sink_arg;
	struct ktap_platform pf;
	char machine[65];
	char release[65];
	char comm[17];
};

/* Fill @up for output to @out. */
void user_platform_init(struct user_platform *up, FILE *out);

#endif /* KTAP_CMD_PLATFORM_H */

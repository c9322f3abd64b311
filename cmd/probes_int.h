/* SPDX-License-Identifier: GPL-2.0 */
/*
 * probes_int.h - what probes.c and dynprobes.c share: the events a run
 * uses (targets) and how they are found and added.
 */
#ifndef KTAP_CMD_PROBES_INT_H
#define KTAP_CMD_PROBES_INT_H

#include "probes.h"

struct target {
	char *system, *event;		/* tracefs names */
	int internal;			/* the host's, not the script's */
	char *filter;			/* for the kernel, or NULL */
	int unfiltered;			/* some probe takes every event */
	const char *first;		/* the first probe's filter */
	int mixed;			/* the probes' filters differ */
	int prefiltered;		/* the kernel applies them all */
	char **funcs;			/* ftrace:function: set_ftrace_filter */
	int probe;			/* dynamic: the probe it is for; -1 */
	char *name;			/* dynamic: its probename */
	char *def;			/* dynamic: as written to tracefs */
	const char *file;		/* dynamic: uprobe_events, kprobe_events */
	uint32_t line;			/* dynamic: of the probe in the script */
	int made;			/* dynamic: is in tracefs */
};

struct probes {
	struct ktap_session *s;
	struct target *t;
	int n, cap;
	char group[32];			/* of the dynamic events: ktap_PID */
};

#define GROUP_PREFIX	"ktap_"

/* The target for @sys:@ev, or NULL. */
struct target *target_find(struct probes *p, const char *sys, const char *ev);

/* The target for @sys:@ev, added if new; NULL if out of memory. */
struct target *target_add(struct probes *p, const char *sys, const char *ev);

/* Or a probe's @filter ("" for none) into @t's kernel filter.  0 or -1. */
int target_add_filter(struct target *t, const char *filter);

/* Whether @s has a glob character. */
int probes_has_glob(const char *s);

/*
 * Resolve @def of probe @index if it is a dynamic EVENTDEF (probe:...,
 * sdt:..., ftrace:function): 0, or -1 with @err; 1 if it is not one.
 */
int dynprobes_resolve(struct probes *p, uint32_t index, const char *def,
		      char *err, size_t errlen);

/* Start the function tracer of @inst for @t.  0, or -1 with @err. */
int dynprobes_enable_function(struct tracefs_instance *inst,
			      struct target *t, char *err, size_t errlen);

/* ktap -lf and -lm of ELF file @path (absolute).  0, or -1 with @err. */
int dynprobes_list(int what, const char *path, FILE *out, char *err,
		   size_t errlen);

#endif /* KTAP_CMD_PROBES_INT_H */

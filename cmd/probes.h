/* SPDX-License-Identifier: GPL-2.0 */
/*
 * probes.h - a script's EVENTDEFs as tracefs events.
 *
 * Tracepoint globs are expanded against the events the running kernel
 * has; uprobes, USDT notes and kprobes become dynamic events in a group
 * of the run's own (ktap_PID), made by probes_create() and removed by
 * probes_free().  Filters go into the kernel's event filters.
 */
#ifndef KTAP_CMD_PROBES_H
#define KTAP_CMD_PROBES_H

#include <stdio.h>

#include <event-parse.h>
#include <tracefs.h>
#include <ktap/ktap.h>

#include "../host/tep_view.h"

struct probes;

/*
 * The events the probes of @s need (resolving symbols, globs, notes),
 * without touching tracefs.  NULL with the reason in @err: an EVENTDEF
 * that matches nothing is an error naming it and its line.
 */
struct probes *probes_resolve(struct ktap_session *s, char *err,
			      size_t errlen);

/* Make the dynamic events.  Returns 0, or -1 with the reason in @err. */
int probes_create(struct probes *p, char *err, size_t errlen);

/* Parse the formats of every event into @tep.  0, or -1 and @err. */
int probes_load_formats(struct probes *p, struct tep_handle *tep, char *err,
			size_t errlen);

/* Route the dynamic events (parsed into @tep) to their probes in @v. */
int probes_bind(struct probes *p, struct tep_handle *tep,
		struct tep_view *v);

/* Set the filters and enable every event in @inst.  0, or -1 and @err. */
int probes_enable(struct probes *p, struct tracefs_instance *inst, char *err,
		  size_t errlen);

/*
 * Enable @system:@event too, for the host itself (tasks.h); not listed
 * or counted.  Nothing happens if the kernel lacks it.  0, or -1.
 */
int probes_add_internal(struct probes *p, const char *system,
			const char *event);

/* One event the probes use, for other tools (ktap record). */
struct probes_event {
	const char *system, *event;	/* tracefs names */
	const char *filter;		/* for the kernel, or NULL */
	const char *def;		/* a dynamic event's definition, or NULL */
	const char *name;		/* its probename, or NULL */
	int probe;			/* a dynamic event's probe, or -1 */
};

/* Event @i (< probes_count()) of the script's.  Returns 0, or -1. */
int probes_get(const struct probes *p, int i, struct probes_event *e);

/*
 * Whether, once enabled, the kernel applies the filter of every probe
 * of @system:@event (struct ktap_event's prefiltered).
 */
int probes_prefiltered(const struct probes *p, const char *system,
		       const char *event);

/* How many events the probes use. */
int probes_count(const struct probes *p);

/* One line per event: what would be attached (ktap -d). */
void probes_print(const struct probes *p, FILE *out);

/* Remove the dynamic events made, and free @p. */
void probes_free(struct probes *p);

/*
 * ktap -le [GLOB] (tracepoints), -lf FILE (functions for uprobes),
 * -lm FILE (SDT notes): one EVENTDEF per line on @out.  0, or -1 and @err.
 */
int probes_list(int what, const char *arg, FILE *out, char *err,
		size_t errlen);

/* Remove dynamic events left by runs that were killed. */
void probes_remove_stale(void);

#endif /* KTAP_CMD_PROBES_H */

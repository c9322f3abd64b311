/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kevents.h - the events of a script, described for the kernel VM
 * (KTAPVM_IOC_ATTACH): tracefs event ids and field layouts, timers.
 */
#ifndef KTAP_CMD_KEVENTS_H
#define KTAP_CMD_KEVENTS_H

#include <ktap/ktap.h>
#include <ktap/ktapvm_ioctl.h>

#include "probes.h"

struct kevents {
	struct ktapvm_event *ev;
	struct ktapvm_field *fields;	/* every event's, one array */
	int n;
};

/*
 * One ktapvm_event per (probe, event) pair of @s whose events @p resolved
 * (made already: dynamic events have ids once they exist), and one per
 * tick and profile probe.  Returns 0, or -1 with the reason in @err.
 */
int kevents_build(struct kevents *k, struct ktap_session *s,
		  struct probes *p, char *err, size_t errlen);

void kevents_free(struct kevents *k);

/* For the builders: add an event (NULL: out of memory) ... */
struct ktapvm_event *kevents_add(struct kevents *k, uint32_t kind,
				 uint32_t probe, uint64_t id, uint64_t period,
				 const char *name);
/*
 * ... and, once every tracepoint is in, @s's tick and profile timers;
 * then the field array is final.  Returns 0, or -1 (out of memory).
 */
int kevents_finish(struct kevents *k, struct ktap_session *s);

#endif /* KTAP_CMD_KEVENTS_H */

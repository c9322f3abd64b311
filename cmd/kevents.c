// SPDX-License-Identifier: GPL-2.0
/*
 * kevents.c - the list of events handed to the kernel VM, whichever way
 * their ids and fields were found (kevents_tep.c with libtraceevent,
 * kevents_tracefs.c from the format files in a minimal ktap): adding
 * events and timers, and freeing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kevents.h"

struct ktapvm_event *kevents_add(struct kevents *k, uint32_t kind,
				 uint32_t probe, uint64_t id, uint64_t period,
				 const char *name)
{
	struct ktapvm_event *ne = realloc(k->ev, (k->n + 1) * sizeof(*ne));

	if (!ne)
		return NULL;
	k->ev = ne;
	ne = &k->ev[k->n++];
	memset(ne, 0, sizeof(*ne));
	ne->kind = kind;
	ne->probe = probe;
	ne->id = id;
	ne->period_ns = period;
	snprintf(ne->name, sizeof(ne->name), "%s", name);
	return ne;
}

int kevents_finish(struct kevents *k, struct ktap_session *s)
{
	uint32_t q;
	int i;

	for (q = 0; q < ktap_session_probe_count(s); q++) {
		const struct ktap_probe *pr = ktap_session_probe(s, q);

		if ((pr->kind == KTAP_PROBE_TICK &&
		     !kevents_add(k, KTAPVM_EVENT_TICK, q, 0, pr->period_ns,
				  "tick")) ||
		    (pr->kind == KTAP_PROBE_PROFILE &&
		     !kevents_add(k, KTAPVM_EVENT_PROFILE, q, 0, pr->period_ns,
				  "perf:cpu-clock")))
			return -1;
	}
	/* the field array is final: indexes become pointers */
	for (i = 0; i < k->n; i++)
		k->ev[i].fields = k->ev[i].nfields ?
			(uintptr_t)(k->fields + k->ev[i].fields) : 0;
	return 0;
}

void kevents_free(struct kevents *k)
{
	free(k->ev);
	free(k->fields);
	memset(k, 0, sizeof(*k));
}

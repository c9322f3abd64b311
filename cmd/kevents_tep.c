// SPDX-License-Identifier: GPL-2.0
/*
 * kevents_tep.c - what the kernel VM needs to know of each event: its id
 * and its fields, from the formats tracefs gives, parsed by libtraceevent.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event-parse.h>

#include "kevents.h"
#include "../host/tep_view.h"

/* The fields after the common ones, in format order: argN. */
static int describe(struct ktapvm_event *e, struct tep_event *ev,
		    struct ktapvm_field **all, int *nall)
{
	struct tep_format_field **f = tep_event_fields(ev);
	int i, n = 0;

	while (f && f[n])
		n++;
	if (n > KTAPVM_MAX_FIELDS)
		n = KTAPVM_MAX_FIELDS;
	e->nfields = n;
	e->fields = *nall;	/* an index until the array is final */
	for (i = 0; i < n; i++) {
		struct ktapvm_field *na = realloc(*all, (*nall + 1) * sizeof(*na));
		struct ktapvm_field *d;

		if (!na) {
			free(f);
			return -1;
		}
		*all = na;
		d = &na[(*nall)++];
		memset(d, 0, sizeof(*d));
		snprintf(d->name, sizeof(d->name), "%s", f[i]->name);
		d->offset = (uint16_t)f[i]->offset;
		d->size = (uint16_t)f[i]->size;
		d->elem_size = (uint16_t)f[i]->elementsize;
		if (f[i]->flags & TEP_FIELD_IS_SIGNED)
			d->flags |= KTAPVM_FIELD_SIGNED;
		if (tep_view_is_text(f[i]))
			d->flags |= KTAPVM_FIELD_STRING;
		else if (f[i]->flags & TEP_FIELD_IS_ARRAY)
			d->flags |= KTAPVM_FIELD_ARRAY;
		if (f[i]->flags & TEP_FIELD_IS_DYNAMIC)
			d->flags |= KTAPVM_FIELD_DYNAMIC;
		if (f[i]->flags & TEP_FIELD_IS_RELATIVE)
			d->flags |= KTAPVM_FIELD_RELATIVE;
	}
	free(f);
	return 0;
}

int kevents_build(struct kevents *k, struct ktap_session *s,
		  struct probes *p, char *err, size_t errlen)
{
	struct tep_handle *tep = tep_alloc();
	struct probes_event pe;
	int i, nall = 0;
	uint32_t q;

	memset(k, 0, sizeof(*k));
	if (!tep || probes_load_formats(p, tep, err, errlen)) {
		if (!tep)
			snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; probes_get(p, i, &pe) == 0; i++) {
		struct tep_event *ev = tep_find_event_by_name(tep, pe.system,
							      pe.event);
		char name[160];

		if (!ev) {
			snprintf(err, errlen, "no format for %s:%s", pe.system,
				 pe.event);
			goto fail;
		}
		snprintf(name, sizeof(name), "%s:%s", pe.system, pe.event);
		for (q = 0; q < ktap_session_probe_count(s); q++) {
			const struct ktap_probe *pr = ktap_session_probe(s, q);

			if (pe.probe >= 0 ? pe.probe != (int)q :
			    !ktap_probe_match(pr, pe.system, pe.event, ev->id))
				continue;
			if (!kevents_add(k, KTAPVM_EVENT_TRACEPOINT, q,
					 (uint64_t)ev->id, 0,
					 pe.name ? pe.name : name) ||
			    describe(&k->ev[k->n - 1], ev, &k->fields, &nall)) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
		}
	}
	if (kevents_finish(k, s)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	tep_free(tep);
	return 0;
fail:
	if (tep)
		tep_free(tep);
	kevents_free(k);
	return -1;
}

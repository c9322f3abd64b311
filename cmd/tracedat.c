// SPDX-License-Identifier: GPL-2.0
/*
 * tracedat.c - read a trace-cmd recording with libtracecmd and run the
 * script's probes over it.  Event formats come from the file, never from
 * the running kernel, so recordings from other machines work.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <trace-cmd.h>

#include "tracedat.h"
#include "../host/dynmatch.h"
#include "../host/tep_view.h"

struct reader {
	struct ktap_session *s;
	struct tep_view *view;
	int failed;
};

static int on_record(struct tracecmd_input *h, struct tep_record *rec,
		     int cpu, void *data)
{
	struct reader *r = data;

	(void)h;
	(void)cpu;
	/* libtracecmd 1.3 keeps iterating whatever the callback returns */
	if (r->failed || ktap_session_exited(r->s, NULL))
		return 1;
	if (ktap_session_time(r->s, rec->ts) || tep_view_fire(r->view, rec)) {
		r->failed = 1;
		return 1;
	}
	/* exit() in a handler: stop reading, trace_end comes next */
	return ktap_session_exited(r->s, NULL);
}

/* A kprobe, uprobe or USDT EVENTDEF of @p that @ev was recorded for. */
static const char *dynamic_def(const struct ktap_probe *p,
			       const struct tep_event *ev)
{
	uint32_t k;

	for (k = 0; k < p->nevents; k++) {
		if (dynmatch(p->events[k], ev->system, ev->name))
			return p->events[k];
	}
	return NULL;
}

static int probe_fed(const struct ktap_probe *p,
		     struct tracecmd_input **handles, int n)
{
	int i, j;

	for (i = 0; i < n; i++) {
		struct tep_event **ev = tep_list_events(
			tracecmd_get_tep(handles[i]), TEP_EVENT_SORT_ID);

		for (j = 0; ev && ev[j]; j++) {
			if (ktap_probe_match(p, ev[j]->system, ev[j]->name,
					     ev[j]->id) ||
			    (p->kind == KTAP_PROBE_TRACE &&
			     dynamic_def(p, ev[j])))
				return 1;
		}
	}
	return 0;
}

/*
 * Dynamic probes were recorded under their group's name (ktap record:
 * ktap_PID; perf probe: probe, probe_BINARY, sdt_PROVIDER): route them
 * to the probes that name them.
 */
static int bind_dynamic(struct ktap_session *s, struct tep_view *view,
			struct tep_handle *tep)
{
	struct tep_event **ev = tep_list_events(tep, TEP_EVENT_SORT_ID);
	uint32_t i;
	int j;

	for (i = 0; i < ktap_session_probe_count(s); i++) {
		const struct ktap_probe *p = ktap_session_probe(s, i);

		for (j = 0; p->kind == KTAP_PROBE_TRACE && ev && ev[j]; j++) {
			const char *def = dynamic_def(p, ev[j]);
			char name[512];

			if (!def)
				continue;
			snprintf(name, sizeof(name), "%.*s",
				 (int)strcspn(def, " \t\n"), def);
			if (tep_view_bind(view, ev[j], i, name))
				return -1;
		}
	}
	return 0;
}

/* A probe that nothing in the recording can fire is probably a typo. */
static void warn_unfed(struct ktap_session *s, const char *path,
		       struct tracecmd_input **handles, int n)
{
	uint32_t i, j;

	for (i = 0; i < ktap_session_probe_count(s); i++) {
		const struct ktap_probe *p = ktap_session_probe(s, i);

		if (p->kind == KTAP_PROBE_PROFILE)
			fprintf(stderr, "ktap: warning: profile (line %u) needs cpu-clock samples; %s has none\n",
				p->line, path);
		if (p->kind != KTAP_PROBE_TRACE || probe_fed(p, handles, n))
			continue;
		fprintf(stderr, "ktap: warning: trace ");
		for (j = 0; j < p->nevents; j++)
			fprintf(stderr, "%s%s", j ? ", " : "", p->events[j]);
		fprintf(stderr, " (line %u) matches no event of %s\n",
			p->line, path);
	}
}

/* Lost and damaged records are said, never silently dropped. */
static void report_stats(struct tep_view *view, const char *path)
{
	struct tep_view_stats st;

	tep_view_stats(view, &st);
	if (st.lost || st.lost_unknown)
		fprintf(stderr, "ktap: warning: %s: the ring buffer lost %s%llu events while recording\n",
			path, st.lost_unknown ? "at least " : "", st.lost);
	if (st.unknown)
		fprintf(stderr, "ktap: warning: %s: %llu records of no known event (damaged data?) were skipped\n",
			path, st.unknown);
}

int tracedat_run(struct ktap_session *s, const char *path, char *err,
		 size_t errlen)
{
	struct tracecmd_input **handles, *h;
	struct reader r = { .s = s };
	struct stat st;
	int n, i, ret = 0;

	if (stat(path, &st)) {
		snprintf(err, errlen, "cannot read %s: %s", path,
			 strerror(errno));
		return -2;
	}
	h = tracecmd_open(path, 0);
	if (!h) {
		snprintf(err, errlen,
			 "cannot read %s: not a trace-cmd recording, or a damaged one",
			 path);
		return -2;
	}
	r.view = tep_view_new(tracecmd_get_tep(h), s);
	n = tracecmd_buffer_instances(h);
	handles = calloc(n + 1, sizeof(*handles));
	if (!r.view || !handles ||
	    bind_dynamic(s, r.view, tracecmd_get_tep(h))) {
		snprintf(err, errlen, "out of memory");
		ret = -2;
		goto out;
	}
	/* the top buffer and every instance, merged by timestamp */
	handles[0] = h;
	for (i = 0; i < n; i++) {
		handles[i + 1] = tracecmd_buffer_instance_handle(h, i);
		if (!handles[i + 1]) {
			snprintf(err, errlen, "cannot read buffer '%s' of %s",
				 tracecmd_buffer_instance_name(h, i), path);
			ret = -2;
			n = i;
			goto out;
		}
	}
	warn_unfed(s, path, handles, n + 1);
	if (tracecmd_iterate_events_multi(handles, n + 1, on_record, &r) < 0 &&
	    !r.failed && !ktap_session_exited(s, NULL)) {
		snprintf(err, errlen, "cannot read the events of %s: damaged or truncated",
			 path);
		ret = -2;
	}
	if (r.failed)
		ret = -1;
	report_stats(r.view, path);
out:
	if (handles) {
		for (i = 1; i <= n; i++)
			tracecmd_close(handles[i]);
	}
	free(handles);
	tep_view_free(r.view);
	tracecmd_close(h);
	return ret;
}

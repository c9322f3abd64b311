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
	if (ktap_session_time(r->s, rec->ts) || tep_view_fire(r->view, rec)) {
		r->failed = 1;
		return 1;
	}
	/* exit() in a handler: stop reading, trace_end comes next */
	return ktap_session_exited(r->s, NULL);
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
	if (!r.view || !handles) {
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
	if (tracecmd_iterate_events_multi(handles, n + 1, on_record, &r) < 0 &&
	    !r.failed && !ktap_session_exited(s, NULL)) {
		snprintf(err, errlen, "cannot read the events of %s: damaged or truncated",
			 path);
		ret = -2;
	}
	if (r.failed)
		ret = -1;
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

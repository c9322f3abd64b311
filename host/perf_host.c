// SPDX-License-Identifier: GPL-2.0
/*
 * perf_host.c - a ktap script run over perf samples (see perf_host.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "perf_host.h"
#include "script.h"

static void report(struct perf_host *h, const char *msg)
{
	fflush(h->up.out);
	fprintf(stderr, "ktap: %s\n", msg);
	h->failed = 1;
}

int perf_host_start(struct perf_host *h, int argc, const char *const *argv,
		    const struct perf_view_ops *ops, FILE *out)
{
	char err[1024];
	size_t len;
	char *src;

	memset(h, 0, sizeof(*h));
	user_platform_init(&h->up, out);
	if (argc < 1 || !argv[0] || !*argv[0]) {
		report(h, "no script given");
		return -1;
	}
	src = host_read_file(argv[0], &len);
	if (!src) {
		snprintf(err, sizeof(err), "cannot read %s: %s", argv[0],
			 strerror(errno));
		report(h, err);
		return -1;
	}
	h->s = ktap_session_new(&h->up.pf, NULL);
	h->view = h->s ? perf_view_new(h->s, ops) : NULL;
	if (!h->view) {
		free(src);
		report(h, "out of memory");
		return -1;
	}
	if (host_load(h->s, argv[0], src, len, 1, argc, argv, err,
		      sizeof(err))) {
		free(src);
		report(h, err);
		return -1;
	}
	free(src);
	if (ktap_session_run(h->s)) {
		report(h, ktap_session_error(h->s));
		return -1;
	}
	h->started = 1;
	return 0;
}

static void warn(void *arg, const char *msg)
{
	struct perf_host *h = arg;

	fflush(h->up.out);
	fprintf(stderr, "ktap: warning: %s\n", msg);
}

void perf_host_check(struct perf_host *h, const struct perf_view_sample *evs,
		     int n)
{
	if (h->started)
		perf_view_check(h->view, evs, n, warn, h);
}

int perf_host_wanted(struct perf_host *h, const struct perf_view_sample *smp)
{
	if (!h->started || h->failed || ktap_session_exited(h->s, NULL))
		return 0;
	return perf_view_wanted(h->view, smp);
}

int perf_host_sample(struct perf_host *h, const struct perf_view_sample *smp)
{
	if (!h->started || h->failed || ktap_session_exited(h->s, NULL))
		return 0;
	if (perf_view_fire(h->view, smp)) {
		report(h, perf_view_error(h->view));
		return -1;
	}
	return perf_view_kept(h->view);
}

int perf_host_end(struct perf_host *h)
{
	unsigned long long unknown;
	int status = 0;

	if (h->ended)
		return 0;
	h->ended = 1;
	if (h->started && ktap_session_end(h->s))
		report(h, ktap_session_error(h->s));
	fflush(h->up.out);
	unknown = h->view ? perf_view_unknown(h->view) : 0;
	if (unknown)
		fprintf(stderr, "ktap: warning: %llu tracepoint samples of events without a format were skipped\n",
			unknown);
	if (h->s)
		ktap_session_exited(h->s, &status);
	if (h->failed)
		status = 1;
	perf_view_free(h->view);
	if (h->s)
		ktap_session_free(h->s);
	h->view = NULL;
	h->s = NULL;
	return status;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * dlfilter.c - ktap-dlfilter.so: ktap scripts inside the distribution's
 * perf, with no rebuild:
 *
 *	perf script [-i perf.data] --dlfilter ktap-dlfilter.so \
 *		[--dlarg --input=FILE] --dlarg foo.kp [--dlarg ARG ...]
 *
 * Every sample runs the probes that declare its event (host/perf_view.h);
 * perf still prints a sample only if a handler called perf.keep() for it.
 * perf gives a dlfilter no tracepoint formats, so they are read from the
 * perf.data file's own tracing data (perf_data.c): the file perf reads
 * (-i/--input on its command line, else perf.data), or the one named by
 * --input=FILE.  Reading a pipe, they come from this machine's tracefs.
 *
 * Samples nothing declares are dropped in filter_event_early, before perf
 * resolves them; the others reach filter_event, after perf's own filters
 * (--cpu, --pid, --time, ...), where the script runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <perf/perf_dlfilter.h>
#include <event-parse.h>

#include "../../host/perf_host.h"
#include "../../host/script.h"
#include "perf_data.h"

#define EXPORT	__attribute__((visibility("default")))

/* perf copies its functions here when it loads the filter. */
EXPORT struct perf_dlfilter_fns perf_dlfilter_fns;

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define TRACEFS_PATHS	{ "/sys/kernel/tracing", "/sys/kernel/debug/tracing" }

struct filter {
	struct perf_host host;
	struct pdata pd;
	struct tep_handle *local;	/* pipe: formats of this machine */
	int local_warned;
	/* the last event seen, its attr and its tracepoint format */
	const char *last_event;
	const struct perf_event_attr *last_attr;
	struct tep_event *last_tp;
	/* the sample being handled */
	void *ctx;
	const struct perf_dlfilter_sample *sample;
	const struct perf_dlfilter_al *al;
	int error;			/* filter_event failed: perf stops */
};

/* ------------------------------------------------------------- the ops */

static const struct perf_dlfilter_al *ip_al(struct filter *f)
{
	if (!f->al)
		f->al = perf_dlfilter_fns.resolve_ip(f->ctx);
	return f->al;
}

static const char *op_comm(void *host)
{
	const struct perf_dlfilter_al *al = ip_al(host);

	return al ? al->comm : NULL;
}

static void op_resolve_ip(void *host, struct perf_view_sym *out)
{
	const struct perf_dlfilter_al *al = ip_al(host);

	memset(out, 0, sizeof(*out));
	if (!al)
		return;
	out->sym = al->sym;
	out->off = al->symoff;
	out->dso = al->dso;
}

static int op_callchain(void *host, int (*frame)(void *arg, const char *sym),
			void *arg)
{
	struct filter *f = host;
	const struct perf_dlfilter_sample *smp = f->sample;
	__u64 i;

	if (!smp->raw_callchain)
		return -1;
	for (i = 0; i < smp->raw_callchain_nr; i++) {
		struct perf_dlfilter_al al;
		__u64 ip = smp->raw_callchain[i];

		/* PERF_CONTEXT_KERNEL, _USER, ...: where the frames are */
		if (ip >= PERF_CONTEXT_MAX)
			continue;
		memset(&al, 0, sizeof(al));
		al.size = sizeof(al);
		if (perf_dlfilter_fns.resolve_address(f->ctx, ip, &al))
			al.sym = NULL;
		if (frame(arg, al.sym))
			break;
	}
	return 0;
}

static const struct perf_view_ops filter_ops = {
	.comm = op_comm,
	.resolve_ip = op_resolve_ip,
	.callchain = op_callchain,
};

/*
 * %pS and the like in print formats: the kernel symbol as perf resolves
 * it (the engine inside perf does the same), while a sample is handled.
 */
static char *resolve_kernel(void *priv, unsigned long long *addrp,
			    char **modp)
{
	struct filter *f = priv;
	struct perf_dlfilter_al al;

	if (!f->ctx)
		return NULL;
	memset(&al, 0, sizeof(al));
	al.size = sizeof(al);
	if (perf_dlfilter_fns.resolve_address(f->ctx, *addrp, &al) || !al.sym)
		return NULL;
	*addrp -= al.symoff;
	*modp = NULL;
	return (char *)al.sym;
}

/* ------------------------------------------------------------ formats */

/* Reading a pipe: the format of @event ("sys:name") from tracefs. */
static struct tep_event *local_format(struct filter *f, const char *event,
				      int id)
{
	static const char *const dirs[] = TRACEFS_PATHS;
	char path[512], sys[256];
	const char *colon = strchr(event, ':');
	struct tep_event *tp = NULL;
	unsigned int i;

	if (!colon || colon - event >= (long)sizeof(sys))
		return NULL;
	snprintf(sys, sizeof(sys), "%.*s", (int)(colon - event), event);
	if (!f->local) {
		f->local = tep_alloc();
		if (!f->local)
			return NULL;
		tep_set_file_bigendian(f->local, tep_is_local_bigendian(f->local) ?
				       TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
		tep_set_long_size(f->local, sizeof(long));
		tep_set_function_resolver(f->local, resolve_kernel, f);
	}
	if (!f->local_warned) {
		fprintf(stderr, "ktap: warning: reading a pipe: tracepoint formats come from this machine's tracefs\n");
		f->local_warned = 1;
	}
	for (i = 0; i < ARRAY_SIZE(dirs) && !tp; i++) {
		size_t len;
		char *buf;

		snprintf(path, sizeof(path), "%s/events/%s/%s/format", dirs[i],
			 sys, colon + 1);
		buf = host_read_file(path, &len);
		if (!buf)
			continue;
		pdata_parse_format(f->local, sys, buf, len);
		free(buf);
		tp = tep_find_event_by_name(f->local, sys, colon + 1);
	}
	if (tp && tp->id != id) {
		fprintf(stderr, "ktap: warning: %s has id %d here but %d in the recording: not recorded on this machine?\n",
			event, tp->id, id);
	}
	return tp;
}

/* The sample as the view wants it. */
static void describe(struct filter *f, const struct perf_dlfilter_sample *s,
		     struct perf_view_sample *smp)
{
	/* perf's name of an event is one string per event: a cheap key */
	if (s->event != f->last_event || !f->last_attr) {
		const struct perf_event_attr *attr =
			perf_dlfilter_fns.attr(f->ctx);

		f->last_event = s->event;
		f->last_attr = attr;
		f->last_tp = NULL;
		if (attr && attr->type == PERF_TYPE_TRACEPOINT) {
			if (f->pd.tep)
				f->last_tp = tep_find_event(f->pd.tep,
							    (int)attr->config);
			else if (f->pd.pipe)
				f->last_tp = local_format(f, s->event,
							  (int)attr->config);
		}
	}
	memset(smp, 0, sizeof(*smp));
	smp->key = f->last_attr;
	smp->event = s->event;
	if (f->last_attr) {
		smp->type = f->last_attr->type;
		smp->config = f->last_attr->config;
	}
	smp->tp = f->last_tp;
	smp->time = s->time;
	smp->ip = s->ip;
	smp->addr = s->addr;
	smp->period = s->period;
	smp->cpu = s->cpu;
	smp->pid = s->pid;
	smp->tid = s->tid;
	smp->raw = s->raw_data;
	smp->raw_size = s->raw_size;
	smp->host = f;
}

/* ----------------------------------------------------------- the input */

/* The file perf reads: -i FILE, --input FILE, else what perf assumes. */
static char *perf_input(void)
{
	char *args, *p, *end, *file = NULL;
	struct stat st;
	size_t len;

	args = host_read_file("/proc/self/cmdline", &len);
	if (!args)
		return NULL;
	end = args + len;
	for (p = args; p < end; p += strlen(p) + 1) {
		char *next = p + strlen(p) + 1;

		if (!strcmp(p, "--dlarg") || !strcmp(p, "--dlfilter")) {
			p = next < end ? next : p;	/* their values */
		} else if ((!strcmp(p, "-i") || !strcmp(p, "--input")) &&
			   next < end) {
			free(file);
			file = strdup(next);
			p = next;
		} else if (!strncmp(p, "--input=", 8)) {
			free(file);
			file = strdup(p + 8);
		} else if (!strncmp(p, "-i", 2) && p[2]) {
			free(file);
			file = strdup(p + 2);
		}
	}
	free(args);
	if (file)
		return file;
	/* perf's own default */
	if (!fstat(STDIN_FILENO, &st) && S_ISFIFO(st.st_mode))
		return strdup("-");
	return strdup("perf.data");
}

static int open_input(struct filter *f, const char *path)
{
	char err[512];

	if (!strcmp(path, "-")) {
		f->pd.pipe = 1;
		return 0;
	}
	if (pdata_read(path, &f->pd, err, sizeof(err))) {
		fprintf(stderr, "ktap: %s\n", err);
		return -1;
	}
	if (f->pd.tep)
		tep_set_function_resolver(f->pd.tep, resolve_kernel, f);
	return 0;
}

/* Warn about probes that no recorded event can fire. */
static void check_probes(struct filter *f)
{
	struct perf_view_sample *evs;
	int i;

	if (f->pd.pipe)
		return;
	evs = calloc(f->pd.nevents + 1, sizeof(*evs));
	if (!evs)
		return;
	for (i = 0; i < f->pd.nevents; i++) {
		evs[i].event = f->pd.events[i].name;
		evs[i].type = f->pd.events[i].type;
		evs[i].config = f->pd.events[i].config;
		if (f->pd.tep && evs[i].type == PERF_TYPE_TRACEPOINT)
			evs[i].tp = tep_find_event(f->pd.tep,
						   (int)evs[i].config);
	}
	perf_host_check(&f->host, evs, f->pd.nevents);
	free(evs);
}

/* -------------------------------------------------------- perf's entry */

EXPORT int start(void **data, void *ctx)
{
	struct filter *f = calloc(1, sizeof(*f));
	const char *input = NULL;
	char **args, *file = NULL;
	int argc = 0, i = 0, r;

	*data = f;
	if (!f) {
		fprintf(stderr, "ktap: out of memory\n");
		return -1;
	}
	args = perf_dlfilter_fns.args(ctx, &argc);
	/* the filter's own options come before the script */
	for (; i < argc && !strncmp(args[i], "--", 2); i++) {
		if (!strncmp(args[i], "--input=", 8) && args[i][8]) {
			input = args[i] + 8;
		} else {
			fprintf(stderr, "ktap: unknown dlfilter option '%s' (usage: --dlarg [--input=PERF.DATA] --dlarg SCRIPT [--dlarg ARG]...)\n",
				args[i]);
			f->host.failed = 1;	/* perf's exit status: 1 */
			return -1;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "ktap: no script: perf script --dlfilter ktap-dlfilter.so --dlarg SCRIPT [--dlarg ARG]...\n");
		f->host.failed = 1;
		return -1;
	}
	if (!input)
		input = file = perf_input();
	r = input ? open_input(f, input) : -1;
	if (!input)
		fprintf(stderr, "ktap: out of memory\n");
	free(file);
	if (r) {
		f->host.failed = 1;
		return -1;
	}
	if (perf_host_start(&f->host, argc - i, (const char *const *)args + i,
			    &filter_ops, stdout))
		return -1;
	check_probes(f);
	return 0;
}

EXPORT int filter_event_early(void *data,
			      const struct perf_dlfilter_sample *sample,
			      void *ctx)
{
	struct filter *f = data;
	struct perf_view_sample smp;

	if (f->error)
		return -1;
	f->ctx = ctx;
	describe(f, sample, &smp);
	if (perf_host_wanted(&f->host, &smp)) {
		f->ctx = NULL;
		return 0;
	}
	/* nothing runs, but ticks follow every sample's time */
	f->sample = sample;
	f->al = NULL;
	if (perf_host_sample(&f->host, &smp) < 0)
		f->error = 1;
	f->ctx = NULL;
	return f->error ? -1 : 1;
}

EXPORT int filter_event(void *data, const struct perf_dlfilter_sample *sample,
			void *ctx)
{
	struct filter *f = data;
	struct perf_view_sample smp;
	int r;

	if (f->error)
		return -1;
	f->ctx = ctx;
	f->sample = sample;
	f->al = NULL;
	describe(f, sample, &smp);
	r = perf_host_sample(&f->host, &smp);
	f->ctx = NULL;
	f->sample = NULL;
	if (r < 0) {
		f->error = 1;
		return -1;
	}
	return r ? 0 : 1;
}

EXPORT int stop(void *data, void *ctx)
{
	struct filter *f = data;
	int status;

	(void)ctx;
	if (!f)
		return 0;
	status = perf_host_end(&f->host);
	pdata_free(&f->pd);
	if (f->local)
		tep_free(f->local);
	free(f);
	/*
	 * perf ignores what stop() returns: end with the script's status
	 * (its own work is done: this runs as perf script exits).
	 */
	if (status) {
		fflush(stdout);
		exit(status);
	}
	return 0;
}

EXPORT const char *filter_description(const char **long_description)
{
	if (long_description)
		*long_description =
			"--dlarg [--input=PERF.DATA] --dlarg SCRIPT [--dlarg ARG]...: run a ktap script over the samples;\n"
			"perf prints only the samples whose handlers call perf.keep()";
	return "run a ktap script over the samples";
}

// SPDX-License-Identifier: GPL-2.0
/*
 * trace-event-ktap.c - ktap scripts in perf script:
 *
 *	perf script -s foo.kp [args]		run foo.kp over perf.data
 *	perf script foo.kp [args]		the same
 *	perf script -g ktap			write a starter perf-script.kp
 *
 * The script is compiled to ktap bytecode once and runs in ktap's VM
 * (libktap); this file only hands it perf's samples, already resolved, as
 * the perf hosts of ktap do (ktap's host/perf_view.h says how samples look
 * to a script: tracepoints with their fields and text, other events as
 * perf:NAME with ip, sym, dso and stack()).  Built when perf's Makefile is
 * given LIBKTAP_DIR (ktap's `make perf` does it); see ktap's
 * Documentation/perf.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/compiler.h>
#include <linux/zalloc.h>
#include <traceevent/event-parse.h>

#include "../callchain.h"
#include "../data.h"
#include "../debug.h"
#include "../dso.h"
#include "../event.h"
#include "../evlist.h"
#include "../evsel.h"
#include "../map.h"
#include "../session.h"
#include "../symbol.h"
#include "../thread.h"
#include "../trace-event.h"

#include <ktap/perf_host.h>

/* The sample being handled, for the view's questions. */
struct ktap_sample {
	struct perf_sample *sample;
	struct evsel *evsel;
	struct addr_location *al;
};

static struct perf_host host;
static struct ktap_sample current;

static const char *ktap_comm(void *h)
{
	struct ktap_sample *c = h;

	return c->al->thread ? thread__comm_str(c->al->thread) : NULL;
}

static void ktap_resolve_ip(void *h, struct perf_view_sym *out)
{
	struct ktap_sample *c = h;
	struct addr_location *al = c->al;

	memset(out, 0, sizeof(*out));
	if (al->map)
		out->dso = al->map->dso->name;
	if (!al->sym)
		return;
	out->sym = al->sym->name;
	if (al->addr < al->sym->end)
		out->off = al->addr - al->sym->start;
	else if (al->map)
		out->off = al->addr - al->map->start - al->sym->start;
}

static int ktap_callchain(void *h, int (*frame)(void *arg, const char *sym),
			  void *arg)
{
	struct ktap_sample *c = h;
	struct callchain_cursor_node *node;

	if (!symbol_conf.use_callchain || !c->sample->callchain ||
	    !c->al->thread)
		return -1;
	if (thread__resolve_callchain(c->al->thread, &callchain_cursor,
				      c->evsel, c->sample, NULL, NULL,
				      scripting_max_stack))
		return -1;
	callchain_cursor_commit(&callchain_cursor);
	while ((node = callchain_cursor_current(&callchain_cursor))) {
		if (frame(arg, node->ms.sym ? node->ms.sym->name : NULL))
			break;
		callchain_cursor_advance(&callchain_cursor);
	}
	return 0;
}

static const struct perf_view_ops ktap_ops = {
	.comm = ktap_comm,
	.resolve_ip = ktap_resolve_ip,
	.callchain = ktap_callchain,
};

static void describe(struct evsel *evsel, struct perf_view_sample *smp)
{
	memset(smp, 0, sizeof(*smp));
	smp->key = evsel;
	smp->event = evsel__name(evsel);
	smp->type = evsel->core.attr.type;
	smp->config = evsel->core.attr.config;
	smp->tp = evsel->tp_format;
}

/* Warn about probes that no recorded event can fire. */
static void check_probes(struct perf_session *session)
{
	struct perf_view_sample *evs;
	struct evsel *evsel;
	int n = 0;

	/* a pipe has told nothing of its events yet */
	if (perf_data__is_pipe(session->data))
		return;
	evs = calloc(session->evlist->core.nr_entries + 1, sizeof(*evs));
	if (!evs)
		return;
	evlist__for_each_entry(session->evlist, evsel)
		describe(evsel, &evs[n++]);
	perf_host_check(&host, evs, n);
	free(evs);
}

static int ktap_start_script(const char *script, int argc, const char **argv,
			     struct perf_session *session)
{
	const char **args = calloc(argc + 2, sizeof(*args));
	int i, r;

	scripting_context->session = session;
	if (!args) {
		pr_err("ktap: out of memory\n");
		return -ENOMEM;
	}
	/* the script's `arg` table: arg[0] the script, then its arguments */
	args[0] = script;
	for (i = 0; i < argc; i++)
		args[i + 1] = argv[i];
	r = perf_host_start(&host, argc + 1, args, &ktap_ops, stdout);
	free(args);
	if (r) {
		perf_host_end(&host);
		return 1;	/* the reason is said: perf exits with status 1 */
	}
	check_probes(session);
	return 0;
}

static int ktap_flush_script(void)
{
	return fflush(stdout) ? -errno : 0;
}

/* trace_end; the status makes perf's exit status (1 after an error) */
static int ktap_stop_script(void)
{
	return perf_host_end(&host);
}

static void ktap_process_event(union perf_event *event __maybe_unused,
			       struct perf_sample *sample,
			       struct evsel *evsel,
			       struct addr_location *al,
			       struct addr_location *addr_al __maybe_unused)
{
	struct perf_view_sample smp;

	describe(evsel, &smp);
	smp.time = sample->time;
	smp.ip = sample->ip;
	smp.addr = sample->addr;
	smp.period = sample->period;
	smp.cpu = (int)sample->cpu;
	smp.pid = (int)sample->pid;
	smp.tid = (int)sample->tid;
	smp.raw = sample->raw_data;
	smp.raw_size = sample->raw_size;
	smp.host = &current;
	current.sample = sample;
	current.evsel = evsel;
	current.al = al;
	/* an error is said once; the script then ignores the rest */
	perf_host_sample(&host, &smp);
}

/* ------------------------------------------------- perf script -g ktap */

static void gen_header(FILE *f)
{
	fprintf(f,
		"# perf script event handlers, generated by perf script -g ktap\n"
		"# Run it with: perf script -s perf-script.kp [args]\n"
		"#\n"
		"# Every handler sees probename, timestamp (ns), cpu, pid, tid and\n"
		"# execname.  A tracepoint's fields are $name (arg0, arg1, ... in\n"
		"# format order) and argstr is its text; other events are perf:NAME\n"
		"# with $ip, $sym, $symoff, $dso, $addr and $period.  stack() is the\n"
		"# sample's callchain, \"outer;...;inner\" (perf record -g).\n"
		"# See ktap's Documentation/perf.md.\n\n"
		"var events = {}\n\n");
}

static void gen_common(FILE *f)
{
	fprintf(f,
		"\tprintf(\"%%-20s %%3d %%5d.%%09d %%8d %%-16s \", probename, cpu,\n"
		"\t       timestamp / 1000000000, timestamp %% 1000000000, pid,\n"
		"\t       execname)\n");
}

static void gen_tracepoint(FILE *f, struct tep_event *tp)
{
	struct tep_format_field *field;
	int n = 0;

	fprintf(f, "trace %s:%s {\n", tp->system, tp->name);
	gen_common(f);
	fprintf(f, "\tprintf(\"");
	for (field = tp->format.fields; field; field = field->next) {
		const char *conv = "%d";

		if ((field->flags & TEP_FIELD_IS_ARRAY) &&
		    !(field->flags & TEP_FIELD_IS_STRING))
			continue;	/* a table: print its elements apart */
		if (field->flags & TEP_FIELD_IS_STRING)
			conv = "%s";
		else if (field->flags & TEP_FIELD_IS_POINTER)
			conv = "0x%x";
		else if (!(field->flags & TEP_FIELD_IS_SIGNED))
			conv = "%u";
		fprintf(f, "%s%s=%s", n++ ? " " : "", field->name, conv);
	}
	fprintf(f, "\\n\"");
	n = 0;
	for (field = tp->format.fields; field; field = field->next) {
		if ((field->flags & TEP_FIELD_IS_ARRAY) &&
		    !(field->flags & TEP_FIELD_IS_STRING))
			continue;
		fprintf(f, ",%s$%s", n++ % 4 ? " " : "\n\t       ",
			field->name);
	}
	fprintf(f, ")\n\tevents[probename] += 1\n}\n\n");
}

static void gen_sample(FILE *f, struct evsel *evsel)
{
	struct perf_view_sample smp;
	char name[256];

	describe(evsel, &smp);
	fprintf(f, "trace %s {\n",
		perf_view_event_name(&smp, name, sizeof(name)));
	gen_common(f);
	fprintf(f,
		"\tprintf(\"ip=%%x sym=%%s+0x%%x dso=%%s period=%%d\\n\", $ip, $sym,\n"
		"\t       $symoff, $dso, $period)\n"
		"\tevents[probename] += 1\n}\n\n");
}

static int ktap_generate_script(struct tep_handle *pevent, const char *outfile)
{
	struct perf_session *session = scripting_context ?
				       scripting_context->session : NULL;
	char fname[PATH_MAX];
	struct evsel *evsel;
	FILE *f;

	snprintf(fname, sizeof(fname), "%s.kp", outfile);
	f = fopen(fname, "w");
	if (!f) {
		fprintf(stderr, "ktap: cannot write %s: %s\n", fname,
			strerror(errno));
		return -1;
	}
	gen_header(f);
	if (session) {
		/* the recorded events, in the order of the recording */
		evlist__for_each_entry(session->evlist, evsel) {
			if (evsel->tp_format)
				gen_tracepoint(f, evsel->tp_format);
			else if (evsel->core.attr.type != PERF_TYPE_TRACEPOINT)
				gen_sample(f, evsel);
		}
	} else if (pevent) {
		struct tep_event **all = tep_list_events(pevent,
							 TEP_EVENT_SORT_ID);
		int i;

		for (i = 0; all && all[i]; i++)
			gen_tracepoint(f, all[i]);
	}
	fprintf(f, "trace_end {\n\tprint_hist(events)\n}\n");
	if (fclose(f)) {
		fprintf(stderr, "ktap: cannot write %s: %s\n", fname,
			strerror(errno));
		return -1;
	}
	fprintf(stderr, "generated ktap script: %s\n", fname);
	return 0;
}

struct scripting_ops ktap_scripting_ops = {
	.name = "ktap",
	.dirname = "ktap",
	.start_script = ktap_start_script,
	.flush_script = ktap_flush_script,
	.stop_script = ktap_stop_script,
	.process_event = ktap_process_event,
	.generate_script = ktap_generate_script,
};

// SPDX-License-Identifier: GPL-2.0
/*
 * plugin_ktap.c - a libtraceevent plugin that runs a ktap script inside
 * `trace-cmd report` and `trace-cmd stream`:
 *
 *	trace-cmd report -i trace.dat -O ktap:script=foo.kp [-O ktap:event]
 *	KTAP_SCRIPT=foo.kp trace-cmd stream -e ...
 *
 * What a handler prints becomes the info text of the event that ran it
 * (with ktap:event the event's own text follows); the top level prints
 * before the first event, trace_end after the last (when trace-cmd
 * unloads its plugins).
 *
 * libtraceevent loads plugins before it reads the recording's event
 * formats and attaches handlers by exact name, so EVENTDEFs with globs
 * are expanded here against the events of the recording named on
 * trace-cmd's command line (-i FILE, else trace.dat) and of the running
 * kernel (for stream).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>
#include <trace-cmd.h>
#include <tracefs.h>

#include "../../host/platform.h"
#include "../../host/script.h"
#include "../../host/tep_view.h"

/* What libtraceevent looks up in the plugin (the rest stays hidden). */
#define PLUGIN_EXPORT	__attribute__((visibility("default")))

/* -O ktap:... (the file is plugin_ktap.so) */
PLUGIN_EXPORT const char *TEP_PLUGIN_ALIAS = "ktap";

PLUGIN_EXPORT struct tep_plugin_option TEP_PLUGIN_OPTIONS[] = {
	{
		.name = "script",
		.plugin_alias = "ktap",
		.description = "the ktap script (or bytecode) to run over the events",
		.value = "",
	},
	{
		.name = "event",
		.plugin_alias = "ktap",
		.description = "print each event's own text after the script's output",
	},
	{ .name = NULL }
};

#define OPT_SCRIPT	(&TEP_PLUGIN_OPTIONS[0])
#define OPT_EVENT	(&TEP_PLUGIN_OPTIONS[1])

/* The one script of this trace-cmd run. */
static struct {
	struct tep_handle *tep;
	struct user_platform up;
	struct ktap_session *s;
	struct tep_view *view;
	struct trace_seq *seq;	/* the line being printed, or NULL */
	const char *sep;	/* before the script's text on that line */
	int failed;
	char **registered;	/* "sys:event" handled, to register once */
	int nregistered;
} K;

static void sink(void *arg, const char *buf, size_t len)
{
	(void)arg;
	if (!K.seq) {
		fwrite(buf, 1, len, stdout);
		return;
	}
	/* the report adds its own newline at the end of the line */
	if (len && buf[len - 1] == '\n')
		len--;
	trace_seq_printf(K.seq, "%s%.*s", K.sep, (int)len, buf);
	K.sep = "";
}

static void script_error(void)
{
	fflush(stdout);
	fprintf(stderr, "ktap: %s\n", ktap_session_error(K.s));
	K.failed = 1;
}

/* The event's own text, from its print format (ktap:event). */
static void print_own_text(struct trace_seq *s, struct tep_record *rec,
			   struct tep_event *event)
{
	tep_event_handler_func h = event->handler;

	event->handler = NULL;
	tep_print_event(K.tep, s, rec, "%s", TEP_PRINT_INFO);
	event->handler = h;
}

static int handle_event(struct trace_seq *s, struct tep_record *rec,
			struct tep_event *event, void *context)
{
	unsigned int before;

	(void)context;
	/* once the script is over, events show their own text again */
	if (OPT_EVENT->set || K.failed || ktap_session_exited(K.s, NULL))
		print_own_text(s, rec, event);
	if (K.failed || ktap_session_exited(K.s, NULL))
		return 0;
	/* ticks print on their own lines, before this event's */
	if (ktap_session_time(K.s, rec->ts)) {
		script_error();
		return 0;
	}
	K.seq = s;
	K.sep = OPT_EVENT->set ? " | " : "";
	before = s->len;
	if (tep_view_fire(K.view, rec)) {
		script_error();
		if (!OPT_EVENT->set && s->len == before)
			print_own_text(s, rec, event);
	}
	K.seq = NULL;
	return 0;
}

static int is_glob(const char *s, size_t n)
{
	return memchr(s, '*', n) || memchr(s, '?', n) || memchr(s, '[', n);
}

/* Attach the handler to @system:@name once. */
static void attach(const char *system, const char *name)
{
	char key[512];
	char **r;
	int i;

	snprintf(key, sizeof(key), "%s:%s", system, name);
	for (i = 0; i < K.nregistered; i++) {
		if (!strcmp(K.registered[i], key))
			return;
	}
	r = realloc(K.registered, (K.nregistered + 1) * sizeof(*r));
	if (!r)
		return;
	K.registered = r;
	K.registered[K.nregistered] = strdup(key);
	if (!K.registered[K.nregistered])
		return;
	K.nregistered++;
	tep_register_event_handler(K.tep, -1, system, name, handle_event,
				   NULL);
}

/* Attach to every event of @tep that some probe declares. */
static void attach_matching(struct tep_handle *tep)
{
	struct tep_event **events = tep ? tep_list_events(tep,
						TEP_EVENT_SORT_ID) : NULL;
	uint32_t p;
	int i;

	for (i = 0; events && events[i]; i++) {
		for (p = 0; p < ktap_session_probe_count(K.s); p++) {
			if (ktap_probe_match(ktap_session_probe(K.s, p),
					     events[i]->system, events[i]->name,
					     -1)) {
				attach(events[i]->system, events[i]->name);
				break;
			}
		}
	}
}

/* trace-cmd's input file: "-i FILE", "-iFILE", else trace.dat. */
static char *input_file(void)
{
	char *args, *p, *file = NULL;
	size_t len;

	args = host_read_file("/proc/self/cmdline", &len);
	if (!args)
		return NULL;
	for (p = args; p < args + len; p += strlen(p) + 1) {
		if (!strcmp(p, "-i") && p + strlen(p) + 1 < args + len)
			file = strdup(p + strlen(p) + 1);
		else if (!strncmp(p, "-i", 2) && p[2])
			file = strdup(p + 2);
	}
	free(args);
	return file ? file : strdup("trace.dat");
}

/* Exact EVENTDEFs attach directly; globs are expanded (see above). */
static void attach_probes(void)
{
	int globs = 0;
	uint32_t p, e;

	for (p = 0; p < ktap_session_probe_count(K.s); p++) {
		const struct ktap_probe *pr = ktap_session_probe(K.s, p);

		for (e = 0; pr->kind == KTAP_PROBE_TRACE && e < pr->nevents;
		     e++) {
			const char *spec = pr->events[e];
			size_t n = strcspn(spec, " \t");
			const char *colon = memchr(spec, ':', n);
			char sys[256], name[256];

			if (!colon || is_glob(spec, n)) {
				globs = 1;
				continue;
			}
			snprintf(sys, sizeof(sys), "%.*s", (int)(colon - spec),
				 spec);
			snprintf(name, sizeof(name), "%.*s",
				 (int)(n - (colon - spec) - 1), colon + 1);
			attach(sys, name);
		}
	}
	if (globs) {
		char *file = input_file();
		struct tracecmd_input *h = file ?
			tracecmd_open_head(file, TRACECMD_FL_LOAD_NO_PLUGINS) :
			NULL;
		struct tep_handle *local = tracefs_local_events(NULL);

		attach_matching(h ? tracecmd_get_tep(h) : NULL);
		attach_matching(local);
		if (h)
			tracecmd_close(h);
		tep_free(local);
		free(file);
	}
}

static int start(struct tep_handle *tep, const char *path)
{
	char err[1024];
	const char *argv[1] = { path };
	size_t len;
	char *src = host_read_file(path, &len);

	if (!src) {
		fprintf(stderr, "ktap: cannot read %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	user_platform_init(&K.up, stdout);
	K.up.sink = sink;
	K.tep = tep;
	K.s = ktap_session_new(&K.up.pf, NULL);
	if (!K.s || host_load(K.s, path, src, len, 1, 1, argv, err,
			      sizeof(err))) {
		fprintf(stderr, "%s\n", K.s ? err : "ktap: out of memory");
		free(src);
		return -1;
	}
	free(src);
	K.view = tep_view_new(tep, K.s);
	if (!K.view)
		return -1;
	attach_probes();
	if (ktap_session_run(K.s))
		script_error();
	return 0;
}

PLUGIN_EXPORT int TEP_PLUGIN_LOADER(struct tep_handle *tep)
{
	const char *script = OPT_SCRIPT->value;

	tep_plugin_add_options("ktap", TEP_PLUGIN_OPTIONS);
	/*
	 * A string option only gets its value ("set" is for booleans).
	 * trace-cmd stream (3.1) takes -O for ftrace's options, not the
	 * plugins': there the script comes from KTAP_SCRIPT.
	 */
	if (!script || !*script)
		script = getenv("KTAP_SCRIPT");
	if (!script || !*script)
		return 0;
	if (start(tep, script)) {
		K.failed = 1;
		if (K.s)
			ktap_session_free(K.s);
		K.s = NULL;
	}
	return 0;
}

PLUGIN_EXPORT int TEP_PLUGIN_UNLOADER(struct tep_handle *tep)
{
	struct tep_view_stats st;
	int i;

	(void)tep;
	tep_plugin_remove_options(TEP_PLUGIN_OPTIONS);
	if (!K.s)
		return 0;
	/* what was collected is printed, even after an error */
	fflush(stdout);
	if (ktap_session_end(K.s))
		script_error();
	fflush(stdout);
	tep_view_stats(K.view, &st);
	if (st.lost || st.lost_unknown)
		fprintf(stderr, "ktap: warning: the ring buffer lost %s%llu events while recording\n",
			st.lost_unknown ? "at least " : "", st.lost);
	tep_view_free(K.view);
	ktap_session_free(K.s);
	for (i = 0; i < K.nregistered; i++)
		free(K.registered[i]);
	free(K.registered);
	memset(&K, 0, sizeof(K));
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * test_kshark.c - plugin-ktap.so through libkshark, without the GUI.
 *
 *	test_kshark PLUGIN KTAP DATADIR TMPDIR
 *
 * Each case opens a fixture as KernelShark does (kshark_open, every
 * buffer as a stream), registers the plugin on every stream, runs its
 * initializer (kshark_handle_all_dpis), loads the entries (the plugin's
 * event handlers run) and reads what the script recorded through
 * ktap_kshark_results().  The expected values come from elsewhere: the
 * fixtures' .facts files, `trace-cmd report`, and the same logic written
 * as a plain script for `ktap -i` (latency.ref.kp).
 *
 * Prints "ok NAME" or "not ok NAME: why" per check.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkshark.h>
#include <libkshark-plugin.h>
#include <libkshark-tepdata.h>
#include <KsCmakeDef.hpp>

#include "../../plugins/kernelshark/ktap_kshark.h"

/* KernelShark's own plugin that shows a sched_switch under the next task */
#define SCHED_EVENTS	KS_PLUGIN_INSTALL_PREFIX "/plugin-sched_events.so"

static const char *plugin, *ktap, *datadir, *tmpdir, *srcdir;
static int nfailed;

static void check(const char *name, int cond, const char *fmt, ...)
{
	va_list ap;

	if (cond) {
		printf("ok %s\n", name);
	} else {
		char *why, *p;

		nfailed++;
		va_start(ap, fmt);
		if (vasprintf(&why, fmt, ap) < 0)
			abort();
		va_end(ap);
		/* one line per check */
		for (p = why; *p; p++) {
			if (*p == '\n')
				*p = '|';
		}
		printf("not ok %s: %s\n", name, why);
		free(why);
	}
	fflush(stdout);
}

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(2);
	}
}

/* A script in TMPDIR; returns its path. */
static char *script(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", tmpdir, name);

	write_file(p, text);
	return p;
}

/* The output of shell command @cmd (malloc()ed, "" on failure). */
static char *command(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;

	while (f && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	if (f)
		pclose(f);
	fclose(m);
	return buf;
}

/* Fact @key ("field ktap-fixture sched:sched_switch prev_state 1") of a .facts file. */
static long fact(const char *facts, const char *key)
{
	char *path = xasprintf("%s/%s", datadir, facts);
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t kl = strlen(key);
	long v = -1;

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, kl) && line[kl] == ' ')
			v = strtol(line + kl + 1, NULL, 10);
	}
	if (f)
		fclose(f);
	free(path);
	return v;
}

/* ------------------------------------------------------ libkshark side */

struct ks {
	struct kshark_context *ctx;
	struct kshark_plugin_list *plugin;
	const struct ktap_kshark_results *(*results)(int sd);
	int n;
	int sd[16];
	struct kshark_entry **rows[16];
	ssize_t nrows[16];
	char *out;		/* the script's output, see results() */
};

static void load(struct ks *k)
{
	int i;

	for (i = 0; i < k->n; i++) {
		ssize_t j;

		for (j = 0; j < k->nrows[i]; j++)
			free(k->rows[i][j]);
		free(k->rows[i]);
		k->rows[i] = NULL;
		k->nrows[i] = kshark_load_entries(k->ctx, k->sd[i],
						  &k->rows[i]);
	}
}

/*
 * Open @file as KernelShark does, the plugin (and @also, another plugin,
 * if not NULL) on every stream, and load the entries.
 */
static int open_trace(struct ks *k, const char *file, const char *also)
{
	struct kshark_plugin_list *other = NULL;
	int sd, i, *sds;

	memset(k, 0, sizeof(*k));
	if (!kshark_instance(&k->ctx))
		return -1;
	sd = kshark_open(k->ctx, file);
	if (sd < 0)
		return -1;
	kshark_tep_init_all_buffers(k->ctx, sd);
	if (also)
		other = kshark_register_plugin(k->ctx, "other", also);
	k->plugin = kshark_register_plugin(k->ctx, "ktap", plugin);
	if (!k->plugin || !k->plugin->process_interface || (also && !other))
		return -1;
	k->results = (const struct ktap_kshark_results *(*)(int))
		dlsym(k->plugin->handle, "ktap_kshark_results");
	if (!k->results)
		return -1;
	sds = kshark_all_streams(k->ctx);
	for (i = 0; i < k->ctx->n_streams && i < 16; i++) {
		struct kshark_data_stream *st =
			kshark_get_data_stream(k->ctx, sds[i]);

		k->sd[k->n++] = sds[i];
		if (other)
			kshark_register_plugin_to_stream(st,
				other->process_interface, true);
		kshark_register_plugin_to_stream(st, k->plugin->process_interface,
						 true);
		kshark_handle_all_dpis(st, KSHARK_PLUGIN_INIT);
	}
	free(sds);
	load(k);
	return 0;
}

static void close_trace(struct ks *k)
{
	int i;

	for (i = 0; i < k->n; i++) {
		ssize_t j;

		for (j = 0; j < k->nrows[i]; j++)
			free(k->rows[i][j]);
		free(k->rows[i]);
	}
	free(k->out);
	if (k->ctx) {
		kshark_close_all(k->ctx);
		kshark_free(k->ctx);
	}
	memset(k, 0, sizeof(*k));
}

/* The stream named @name ("" for the top buffer), or -1. */
static int stream(struct ks *k, const char *name)
{
	int i;

	for (i = 0; i < k->n; i++) {
		struct kshark_data_stream *st =
			kshark_get_data_stream(k->ctx, k->sd[i]);
		const char *n = st->name ? st->name : "";

		if (!strcmp(n, name) || (!*name && !strcmp(n, KS_UNNAMED)))
			return k->sd[i];
	}
	return -1;
}

/*
 * The results of stream @sd; the script's output (when this call runs it)
 * is appended to k->out.
 */
static const struct ktap_kshark_results *results(struct ks *k, int sd)
{
	char *path = xasprintf("%s/stdout", tmpdir);
	const struct ktap_kshark_results *r;
	int fd, saved;
	char *out;

	fflush(stdout);
	saved = dup(1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, 1);
	close(fd);
	r = k->results(sd);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	out = command(xasprintf("cat %s", path));
	if (k->out) {
		char *both = xasprintf("%s%s", k->out, out);

		free(k->out);
		free(out);
		out = both;
	}
	k->out = out;
	free(path);
	return r;
}

static const char *label(const struct ktap_kshark_results *r, int64_t id)
{
	return id >= 1 && id <= r->nlabels ? r->labels[id - 1] : "";
}

static int event_is(const struct kshark_entry *e, const char *name)
{
	char *n = kshark_get_event_name(e);
	int ok = n && !strcmp(n, name);

	free(n);
	return ok;
}

/* ---------------------------------------------------------------- cases */

static char *fixture(const char *name)
{
	return xasprintf("%s/%s", datadir, name);
}

/* kshark.mark(): the sched_switch events that put a task to sleep. */
static void test_marks(void)
{
	const char *src =
		"trace sched:sched_switch /prev_state == 1/ { kshark.mark(\"sleep\") }\n";
	char *file = fixture("sched.dat");
	char *ref, *cmd, *p;
	const struct ktap_kshark_results *r, *top;
	long facts = fact("sched.facts",
			  "field ktap-fixture sched:sched_switch prev_state 1");
	long report;
	struct ks k;
	ssize_t i;
	int bad = -1;

	setenv("KTAP_KS_SCRIPT", script("marks.kp", src), 1);
	if (open_trace(&k, file, NULL)) {
		check("marks/open", 0, "cannot open %s with the plugin", file);
		return;
	}
	r = results(&k, stream(&k, "ktap-fixture"));
	top = results(&k, stream(&k, ""));
	check("marks/ran", r && r->ran && !r->failed, "the script did not run: %s",
	      r ? r->error : "no results");
	if (!r)
		goto out;
	cmd = xasprintf("trace-cmd report -i %s 2>/dev/null | grep -c 'sched_switch:.* S ==> '",
			file);
	report = strtol(command(cmd), NULL, 10);
	check("marks/count", r->marks->size == facts && facts == report && facts > 0,
	      "%zd marks; sched.facts says %ld, trace-cmd report %ld",
	      r->marks->size, facts, report);
	/* the same events as ktap -i finds, in the same order */
	cmd = xasprintf("%s -i %s -e 'trace sched:sched_switch /prev_state == 1/ { printf(\"%%d %%d\\n\", timestamp, cpu) }'",
			ktap, file);
	ref = command(cmd);
	p = ref;
	for (i = 0; i < r->marks->size && bad < 0; i++) {
		const struct kshark_entry *e = r->marks->data[i]->entry;
		long long ts;
		int cpu, n;

		if (sscanf(p, "%lld %d\n%n", &ts, &cpu, &n) != 2 ||
		    ts != e->ts || cpu != e->cpu ||
		    !event_is(e, "sched/sched_switch"))
			bad = (int)i;
		else
			p += n;
	}
	check("marks/events", bad < 0 && !*p,
	      "mark %d is not the event ktap -i flags (%.40s)", bad, p);
	check("marks/label", r->nlabels == 1 && !strcmp(label(r, 1), "sleep") &&
	      r->marks->size && r->marks->data[0]->field == 1,
	      "labels: %d, first \"%s\"", r->nlabels, label(r, 1));
	check("marks/top-buffer", top && top->marks->size == 0 && top->events == 0,
	      "the empty top buffer got marks or events");

	/* loading again replaces the results, it does not add to them */
	load(&k);
	r = results(&k, stream(&k, "ktap-fixture"));
	check("marks/reload", r && r->marks->size == facts,
	      "%zd marks after a second load, %ld expected",
	      r ? r->marks->size : -1, facts);
	load(&k);
	load(&k);
	r = results(&k, stream(&k, "ktap-fixture"));
	check("marks/reload-twice", r && r->marks->size == facts,
	      "%zd marks after loading twice in a row, %ld expected",
	      r ? r->marks->size : -1, facts);
out:
	close_trace(&k);
}

/*
 * The worked example: wakeup -> switch-in latency (latency.kp) against the
 * same logic run by `ktap -i` (latency.ref.kp).  With @also, KernelShark's
 * sched_events plugin is loaded too, as it is in the GUI.
 */
static void test_latency(const char *also)
{
	char *file = fixture("sched.dat");
	char *ref, *p, *summary, name[64];
	const char *tag = also ? "latency+sched_events" : "latency";
	const struct ktap_kshark_results *r;
	long nref = 0, nmarks = 0, open = -1;
	ssize_t i = 0, m = 0;
	int bad = -1, badmark = -1, badpid = -1;
	struct ks k;

	setenv("KTAP_KS_SCRIPT", xasprintf("%s/latency.kp", srcdir), 1);
	if (open_trace(&k, file, also)) {
		snprintf(name, sizeof(name), "%s/open", tag);
		check(name, 0, "cannot open %s with the plugin%s", file,
		      also ? "s" : "");
		return;
	}
	r = results(&k, stream(&k, "ktap-fixture"));
	snprintf(name, sizeof(name), "%s/ran", tag);
	check(name, r && r->ran && !r->failed, "the script did not run: %s",
	      r ? r->error : "no results");
	if (!r)
		goto out;
	ref = command(xasprintf("%s -i %s %s/latency.ref.kp", ktap, file,
				srcdir));
	/* I START STOP DURATION PID COMM / M TS CPU / O N / summary */
	for (p = ref; *p == 'I' || *p == 'M' || *p == 'O'; p = strchr(p, '\n') + 1) {
		long long a, b, c;
		int pid, n = 0;
		char comm[64];

		if (*p == 'O') {
			open = strtol(p + 2, NULL, 10);
			continue;
		}
		if (*p == 'M') {
			nmarks++;
			if (sscanf(p, "M %lld %lld", &a, &b) != 2 || m >= r->marks->size ||
			    r->marks->data[m]->entry->ts != a ||
			    r->marks->data[m]->entry->cpu != b ||
			    strcmp(label(r, r->marks->data[m]->field), "1 ms or more"))
				badmark = badmark < 0 ? (int)m : badmark;
			m++;
			continue;
		}
		nref++;
		if (sscanf(p, "I %lld %lld %lld %d %63s%n", &a, &b, &c, &pid, comm,
			   &n) != 5 || i >= r->stops->size ||
		    r->starts->data[i]->entry->ts != a ||
		    r->stops->data[i]->entry->ts != b ||
		    r->stops->data[i]->field != c ||
		    !event_is(r->starts->data[i]->entry, "sched/sched_wakeup") ||
		    !event_is(r->stops->data[i]->entry, "sched/sched_switch") ||
		    strcmp(label(r, r->starts->data[i]->field), comm))
			bad = bad < 0 ? (int)i : bad;
		/* sched_events shows a switch under the task switched in */
		if (also && i < r->stops->size &&
		    r->stops->data[i]->entry->pid != pid)
			badpid = badpid < 0 ? (int)i : badpid;
		i++;
	}
	summary = p;
	snprintf(name, sizeof(name), "%s/count", tag);
	check(name, r->stops->size == nref && r->starts->size == nref && nref > 0,
	      "%zd intervals, ktap -i pairs %ld", r->stops->size, nref);
	snprintf(name, sizeof(name), "%s/intervals", tag);
	check(name, bad < 0, "interval %d differs from ktap -i's pair", bad);
	snprintf(name, sizeof(name), "%s/marks", tag);
	check(name, badmark < 0 && r->marks->size == nmarks,
	      "%zd marks, ktap -i %ld (first difference: %d)", r->marks->size,
	      nmarks, badmark);
	snprintf(name, sizeof(name), "%s/open", tag);
	check(name, r->open == open, "%ld intervals left open, ktap -i %ld",
	      r->open, open);
	snprintf(name, sizeof(name), "%s/output", tag);
	check(name, k.out && !strcmp(k.out, summary),
	      "the trace_end output differs:\n%s---\n%s", k.out ? k.out : "",
	      summary);
	if (also) {
		check("latency+sched_events/task", badpid < 0,
		      "interval %d is not under the woken task", badpid);
	}
out:
	close_trace(&k);
}

/* Every event, each once, in time order across the CPUs. */
static void test_order(void)
{
	const char *src =
		"var last = 0\n"
		"var n = 0\n"
		"trace sched:* {\n"
		"	if (timestamp < last) { kshark.mark(\"backwards\") }\n"
		"	last = timestamp\n"
		"	n += 1\n"
		"}\n"
		"trace_end { printf(\"%d events\\n\", n) }\n";
	long facts = fact("sched.facts", "buffer ktap-fixture records");
	const struct ktap_kshark_results *r;
	char *want;
	struct ks k;

	setenv("KTAP_KS_SCRIPT", script("order.kp", src), 1);
	if (open_trace(&k, fixture("sched.dat"), NULL)) {
		check("order/open", 0, "cannot open sched.dat");
		return;
	}
	r = results(&k, stream(&k, "ktap-fixture"));
	check("order/events", r && r->events == facts,
	      "%ld events given to the script, sched.facts has %ld",
	      r ? r->events : -1, facts);
	check("order/time", r && r->marks->size == 0,
	      "%zd events came before the previous one", r ? r->marks->size : -1);
	want = xasprintf("%ld events\n", facts);
	check("order/output", k.out && !strcmp(k.out, want), "output \"%s\"",
	      k.out ? k.out : "");
	close_trace(&k);
}

/* start/stop/cancel: keys are numbers or strings, each its own interval. */
static void test_keys(void)
{
	const char *src =
		"var n = 0\n"
		"trace sched:sched_switch {\n"
		"	n += 1\n"
		"	if (n == 1) {\n"
		"		kshark.start(1, \"number\")\n"
		"		kshark.start(\"1\", \"string\")\n"
		"		kshark.start(3)\n"
		"		kshark.start(2)\n"
		"		kshark.start(\"x\")\n"
		"	} elseif (n == 2) {\n"
		"		kshark.start(\"x\", 42)\n"   /* moves its start */
		"		kshark.cancel(2)\n"
		"		if (kshark.stop(2) != nil) { kshark.mark(\"bad\") }\n"
		"		if (kshark.stop(99) != nil) { kshark.mark(\"bad\") }\n"
		"	} elseif (n == 3) {\n"
		"		kshark.stop(\"1\")\n"
		"		kshark.stop(1)\n"
		"		if (kshark.stop(1) != nil) { kshark.mark(\"bad\") }\n"
		"		kshark.stop(\"x\")\n"
		"	}\n"
		"}\n";
	const struct ktap_kshark_results *r;
	struct kshark_entry *sw[3] = { NULL };
	struct ks k;
	int sd, i, j = 0;

	setenv("KTAP_KS_SCRIPT", script("keys.kp", src), 1);
	if (open_trace(&k, fixture("sched.dat"), NULL)) {
		check("keys/open", 0, "cannot open sched.dat");
		return;
	}
	sd = stream(&k, "ktap-fixture");
	r = results(&k, sd);
	for (i = 0; i < k.n; i++) {
		ssize_t e;

		for (e = 0; k.sd[i] == sd && e < k.nrows[i] && j < 3; e++) {
			if (event_is(k.rows[i][e], "sched/sched_switch"))
				sw[j++] = k.rows[i][e];
		}
	}
	check("keys/ran", r && r->ran && !r->failed && j == 3,
	      "the script did not run: %s", r ? r->error : "no results");
	if (!r || j < 3)
		goto out;
	check("keys/intervals",
	      r->stops->size == 3 &&
	      !strcmp(label(r, r->starts->data[0]->field), "string") &&
	      !strcmp(label(r, r->starts->data[1]->field), "number") &&
	      !strcmp(label(r, r->starts->data[2]->field), "42") &&
	      r->starts->data[0]->entry == sw[0] &&
	      r->starts->data[1]->entry == sw[0] &&
	      r->starts->data[2]->entry == sw[1] &&
	      r->stops->data[0]->entry == sw[2] &&
	      r->stops->data[2]->entry == sw[2] &&
	      r->stops->data[2]->field == sw[2]->ts - sw[1]->ts,
	      "%zd intervals, not 1 (number), \"1\" (string), x restarted", r->stops->size);
	check("keys/open", r->open == 1, "%ld open (3), 1 expected", r->open);
	check("keys/stop-unknown", r->marks->size == 0,
	      "kshark.stop() of a key not open did not return nil");
out:
	close_trace(&k);
}

/* The script beside the trace: FILE.kp. */
static void test_beside(void)
{
	char *copy = xasprintf("%s/beside.dat", tmpdir);
	char *kp = xasprintf("%s/beside.dat.kp", tmpdir);
	long facts = fact("sched.facts", "event ktap-fixture sched:sched_switch");
	const struct ktap_kshark_results *r;
	struct ks k;

	command(xasprintf("cp %s/sched.dat %s", datadir, copy));
	write_file(kp, "trace sched:sched_switch { kshark.mark() }\n");
	unsetenv("KTAP_KS_SCRIPT");
	if (open_trace(&k, copy, NULL)) {
		check("beside/open", 0, "cannot open %s", copy);
		return;
	}
	r = results(&k, stream(&k, "ktap-fixture"));
	check("beside/script", r && r->script && !strcmp(r->script, kp),
	      "the script is %s, not %s", r && r->script ? r->script : "none", kp);
	check("beside/marks", r && r->marks->size == facts,
	      "%zd marks, %ld switches", r ? r->marks->size : -1, facts);
	check("beside/no-label", r && r->nlabels == 0 && r->marks->size &&
	      r->marks->data[0]->field == 0, "a mark without label has a label");
	close_trace(&k);

	/* KTAP_KS_SCRIPT wins over FILE.kp */
	setenv("KTAP_KS_SCRIPT", script("env.kp", "trace sched:sched_wakeup { kshark.mark() }\n"), 1);
	if (open_trace(&k, copy, NULL)) {
		check("beside/env-first", 0, "cannot open %s", copy);
		return;
	}
	r = results(&k, stream(&k, "ktap-fixture"));
	facts = fact("sched.facts", "event ktap-fixture sched:sched_wakeup");
	check("beside/env-first", r && r->marks->size == facts,
	      "%zd marks, %ld wakeups", r ? r->marks->size : -1, facts);
	close_trace(&k);
}

/* Without a script, or with a broken one, the plugin stays out of the way. */
static void test_inactive(void)
{
	char *copy = xasprintf("%s/none.dat", tmpdir);
	struct ks k;
	int i, any = 0;
	ssize_t rows = 0;

	command(xasprintf("cp %s/sched.dat %s", datadir, copy));
	unsetenv("KTAP_KS_SCRIPT");
	if (open_trace(&k, copy, NULL)) {
		check("no-script/open", 0, "cannot open %s", copy);
		return;
	}
	for (i = 0; i < k.n; i++) {
		any |= k.results(k.sd[i]) != NULL;
		rows += k.nrows[i];
	}
	check("no-script", !any && rows > 0,
	      "results without a script, or no entries (%zd)", rows);
	close_trace(&k);

	setenv("KTAP_KS_SCRIPT", script("syntax.kp", "trace sched:sched_switch { kshark.mark( }\n"), 1);
	if (open_trace(&k, copy, NULL)) {
		check("compile-error/open", 0, "cannot open %s", copy);
		return;
	}
	for (i = 0, any = 0, rows = 0; i < k.n; i++) {
		any |= k.results(k.sd[i]) != NULL;
		rows += k.nrows[i];
	}
	check("compile-error", !any && rows > 0,
	      "results from a script that does not compile");
	close_trace(&k);

	setenv("KTAP_KS_SCRIPT", xasprintf("%s/does-not-exist.kp", tmpdir), 1);
	if (open_trace(&k, copy, NULL)) {
		check("missing-script/open", 0, "cannot open %s", copy);
		return;
	}
	for (i = 0, any = 0; i < k.n; i++)
		any |= k.results(k.sd[i]) != NULL;
	check("missing-script", !any, "results from a script that does not exist");
	close_trace(&k);
}

/* Runtime errors stop the script; what it recorded so far stays. */
static void test_errors(void)
{
	const struct ktap_kshark_results *r;
	char *path;
	struct ks k;

	path = script("runtime.kp",
		      "var n = 0\n"
		      "trace sched:sched_switch {\n"
		      "	n += 1\n"
		      "	kshark.mark()\n"
		      "	if (n == 3) { n = n + \"x\" }\n"
		      "}\n"
		      "trace_end { printf(\"end %d\\n\", n) }\n");
	setenv("KTAP_KS_SCRIPT", path, 1);
	if (open_trace(&k, fixture("sched.dat"), NULL))
		{ check("runtime-error/open", 0, "cannot open sched.dat"); return; }
	r = results(&k, stream(&k, "ktap-fixture"));
	check("runtime-error/stops", r && r->ran && r->failed &&
	      strstr(r->error, "runtime.kp:5:") && r->marks->size == 3,
	      "failed %d, \"%s\", %zd marks (3 expected)", r ? r->failed : -1,
	      r ? r->error : "", r ? r->marks->size : -1);
	/* as with ktap -i: no more events, but trace_end runs */
	check("runtime-error/trace_end", k.out && !strcmp(k.out, "end 3\n"),
	      "trace_end printed \"%s\", not \"end 3\"", k.out ? k.out : "");
	close_trace(&k);

	setenv("KTAP_KS_SCRIPT", script("toplevel.kp",
					"kshark.mark()\ntrace sched:sched_switch { }\n"), 1);
	if (open_trace(&k, fixture("sched.dat"), NULL))
		{ check("no-event/open", 0, "cannot open sched.dat"); return; }
	r = results(&k, stream(&k, "ktap-fixture"));
	check("no-event", r && r->failed && strstr(r->error, "no current event"),
	      "kshark.mark() at the top level: \"%s\"", r ? r->error : "");
	close_trace(&k);

	setenv("KTAP_KS_SCRIPT", script("badkey.kp",
					"trace sched:sched_switch { kshark.start(nil) }\n"), 1);
	if (open_trace(&k, fixture("sched.dat"), NULL))
		{ check("bad-key/open", 0, "cannot open sched.dat"); return; }
	r = results(&k, stream(&k, "ktap-fixture"));
	check("bad-key", r && r->failed && strstr(r->error, "key"),
	      "kshark.start(nil): \"%s\"", r ? r->error : "");
	close_trace(&k);

	setenv("KTAP_KS_SCRIPT", script("exit.kp",
					"var n = 0\n"
					"trace sched:sched_switch {\n"
					"	kshark.mark()\n"
					"	n += 1\n"
					"	if (n == 5) { exit() }\n"
					"}\n"
					"trace_end { printf(\"end %d\\n\", n) }\n"), 1);
	if (open_trace(&k, fixture("sched.dat"), NULL))
		{ check("exit/open", 0, "cannot open sched.dat"); return; }
	r = results(&k, stream(&k, "ktap-fixture"));
	check("exit", r && !r->failed && r->marks->size == 5 && k.out &&
	      !strcmp(k.out, "end 5\n"), "%zd marks, output \"%s\"",
	      r ? r->marks->size : -1, k.out ? k.out : "");
	close_trace(&k);
}

/* A recording with two buffers: one run of the script over both. */
static void test_multi(void)
{
	const char *src =
		"var e = 0\n"
		"var g = 0\n"
		"trace sched:sched_process_exec { kshark.mark(\"exec\"); e += 1 }\n"
		"trace syscalls:sys_enter_getppid { kshark.mark(\"getppid\"); g += 1 }\n"
		"trace_end { printf(\"exec %d getppid %d\\n\", e, g) }\n";
	const char *ref_src =
		"var e = 0\n"
		"var g = 0\n"
		"trace sched:sched_process_exec { e += 1 }\n"
		"trace syscalls:sys_enter_getppid { g += 1 }\n"
		"trace_end { printf(\"exec %d getppid %d\\n\", e, g) }\n";
	long execs = fact("multi.facts", "event top sched:sched_process_exec");
	long getppid = fact("multi.facts",
			    "event ktap-fixture syscalls:sys_enter_getppid");
	const struct ktap_kshark_results *top, *inst;
	char *want, *ref;
	struct ks k;

	setenv("KTAP_KS_SCRIPT", script("multi.kp", src), 1);
	if (open_trace(&k, fixture("multi.dat"), NULL))
		{ check("multi/open", 0, "cannot open multi.dat"); return; }
	top = results(&k, stream(&k, ""));
	inst = results(&k, stream(&k, "ktap-fixture"));
	check("multi/top", top && top->marks->size == execs && execs > 0 &&
	      !strcmp(label(top, top->marks->data[0]->field), "exec"),
	      "%zd marks in the top buffer, %ld execs",
	      top ? top->marks->size : -1, execs);
	check("multi/instance", inst && inst->marks->size == getppid &&
	      getppid > 0, "%zd marks in ktap-fixture, %ld getppid",
	      inst ? inst->marks->size : -1, getppid);
	want = xasprintf("exec %ld getppid %ld\n", execs, getppid);
	/* the same script without the marks, run by ktap -i */
	ref = command(xasprintf("%s -i %s %s", ktap, fixture("multi.dat"),
				script("multi-ref.kp", ref_src)));
	check("multi/one-run", k.out && !strcmp(k.out, want) &&
	      !strcmp(ref, want), "output \"%s\", want \"%s\" once (ktap -i: \"%s\")",
	      k.out ? k.out : "", want, ref);
	close_trace(&k);
}

/*
 * What a handler sees is what it sees in `ktap -i`: the same script prints
 * the same lines for every event of every fixture (a mark per event, too).
 */
static void test_same_view(const char *dat)
{
	const char *src =
		"trace *:* {\n"
		"	printf(\"%d %d %d %d %s %s [%s]\\n\", timestamp, cpu, pid, tid,\n"
		"	       execname, probename, argstr)\n"
		"}\n"
		"tick-1ms { print(\"tick\") }\n"
		"trace_end { print(\"end\") }\n";
	char *name = xasprintf("same-view/%s", dat);
	char *kp = script("view.kp", src), *ref;
	const struct ktap_kshark_results *r;
	long events = 0, marks = 0;
	struct ks k;
	int i, ok = 1;

	ref = command(xasprintf("%s -i %s %s 2>/dev/null", ktap, fixture(dat), kp));
	write_file(kp, xasprintf("trace *:* { kshark.mark() }\n%s", src));
	setenv("KTAP_KS_SCRIPT", kp, 1);
	if (open_trace(&k, fixture(dat), NULL)) {
		check(name, 0, "cannot open %s", dat);
		return;
	}
	for (i = 0; i < k.n; i++) {
		r = results(&k, k.sd[i]);
		ok &= r && r->ran && !r->failed;
		events += r ? r->events : 0;
		marks += r ? r->marks->size : 0;
	}
	check(name, ok && k.out && !strcmp(k.out, ref) && events == marks &&
	      events > 0, "%ld events, %ld marks; output %s ktap -i's", events,
	      marks, k.out && !strcmp(k.out, ref) ? "same as" : "differs from");
	close_trace(&k);
}

/* A damaged recording: whatever loads is handed to the script. */
static void test_damaged(void)
{
	const struct ktap_kshark_results *r;
	struct ks k;

	setenv("KTAP_KS_SCRIPT", script("damaged.kp",
					"trace sched:* { kshark.mark() }\n"), 1);
	if (open_trace(&k, fixture("corrupt-data.dat"), NULL))
		{ check("damaged", 0, "cannot open corrupt-data.dat"); return; }
	r = results(&k, stream(&k, "ktap-fixture"));
	check("damaged", r && r->ran && !r->failed && r->marks->size > 0 &&
	      r->marks->size == r->events, "ran %d, %zd marks, %ld events",
	      r ? r->ran : -1, r ? r->marks->size : -1, r ? r->events : -1);
	close_trace(&k);
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: test_kshark PLUGIN KTAP DATADIR SRCDIR TMPDIR\n");
		return 2;
	}
	plugin = argv[1];
	ktap = argv[2];
	datadir = argv[3];
	srcdir = argv[4];
	tmpdir = argv[5];
	test_marks();
	test_latency(NULL);
	if (access(SCHED_EVENTS, R_OK) == 0)
		test_latency(SCHED_EVENTS);
	else
		printf("ok latency+sched_events # SKIP no %s\n", SCHED_EVENTS);
	test_order();
	test_keys();
	test_beside();
	test_inactive();
	test_errors();
	test_multi();
	test_damaged();
	test_same_view("sched.dat");
	test_same_view("syscalls.dat");
	test_same_view("irq.dat");
	test_same_view("strings.dat");
	test_same_view("multi.dat");
	return nfailed != 0;
}

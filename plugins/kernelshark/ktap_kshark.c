// SPDX-License-Identifier: GPL-2.0
/*
 * ktap_kshark.c - plugin-ktap.so, a KernelShark (libkshark 2.x) plugin that
 * runs a ktap script over the loaded trace and puts what the script flags
 * on the timeline:
 *
 *	KTAP_KS_SCRIPT=lat.kp kernelshark -p /abs/path/plugin-ktap.so -i trace.dat
 *
 * (or put the script beside the trace as trace.dat.kp).  The script gets
 * kshark.mark([label]), kshark.start(key [, label]), kshark.stop(key) and
 * kshark.cancel(key); Documentation/kernelshark.md has the details.
 *
 * KernelShark hands each record to the plugin's event handlers while it
 * loads a stream, CPU by CPU -- not in time order.  So the handlers only
 * keep a copy of the records the script wants, with their kshark entries;
 * the script runs over them, sorted by time, the first time the results
 * are needed (the first draw, or ktap_kshark_results()).  A recording's
 * buffers are separate streams in KernelShark; the script runs once per
 * recording over the events of all of them merged by time, as `ktap -i`
 * does, and each mark or interval goes to the stream of its event.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>
#include <libkshark.h>
#include <libkshark-plugin.h>
#include <libkshark-tepdata.h>

#include "../../host/platform.h"
#include "../../host/script.h"
#include "../../host/tep_view.h"
#include "ktap_kshark.h"

/* What KernelShark looks up in the plugin (the rest stays hidden). */
#define PLUGIN_EXPORT	__attribute__((visibility("default")))

/* ------------------------------------------------------------- key map */

/* A key of the script: a number or a string (numbers and strings differ). */
struct hkey {
	int is_str;
	int64_t num;
	const char *str;
	size_t len;
};

struct hitem {
	struct hitem *next;
	uint64_t hash;
	struct hkey key;	/* key.str: an owned copy */
	void *val;
};

struct hmap {
	struct hitem **b;
	size_t nb, n;
};

static uint64_t hkey_hash(const struct hkey *k)
{
	uint64_t h = 14695981039346656037ULL ^ (uint64_t)k->is_str;
	const unsigned char *p;
	size_t i, n;
	int64_t num = k->num;

	if (k->is_str) {
		p = (const unsigned char *)k->str;
		n = k->len;
	} else {
		p = (const unsigned char *)&num;
		n = sizeof(num);
	}
	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static int hkey_eq(const struct hkey *a, const struct hkey *b)
{
	if (a->is_str != b->is_str)
		return 0;
	if (!a->is_str)
		return a->num == b->num;
	return a->len == b->len && !memcmp(a->str, b->str, a->len);
}

/* The link that points at @k's item, or at the NULL ending its chain. */
static struct hitem **hmap_link(struct hmap *m, const struct hkey *k,
				uint64_t h)
{
	struct hitem **l;

	if (!m->nb)
		return NULL;
	for (l = &m->b[h & (m->nb - 1)]; *l; l = &(*l)->next) {
		if ((*l)->hash == h && hkey_eq(&(*l)->key, k))
			break;
	}
	return l;
}

static void *hmap_get(struct hmap *m, const struct hkey *k)
{
	struct hitem **l = hmap_link(m, k, hkey_hash(k));

	return l && *l ? (*l)->val : NULL;
}

static int hmap_grow(struct hmap *m)
{
	size_t nb = m->nb ? m->nb * 2 : 64, i;
	struct hitem **b = calloc(nb, sizeof(*b));

	if (!b)
		return -1;
	for (i = 0; i < m->nb; i++) {
		struct hitem *it = m->b[i], *next;

		for (; it; it = next) {
			next = it->next;
			it->next = b[it->hash & (nb - 1)];
			b[it->hash & (nb - 1)] = it;
		}
	}
	free(m->b);
	m->b = b;
	m->nb = nb;
	return 0;
}

/* The item of @k, added (with val NULL) when missing; NULL if no memory. */
static struct hitem *hmap_put(struct hmap *m, const struct hkey *k)
{
	uint64_t h = hkey_hash(k);
	struct hitem **l, *it;

	if (m->n >= m->nb && hmap_grow(m))
		return NULL;
	l = hmap_link(m, k, h);
	if (*l)
		return *l;
	it = calloc(1, sizeof(*it));
	if (!it)
		return NULL;
	it->hash = h;
	it->key = *k;
	if (k->is_str) {
		char *s = malloc(k->len + 1);

		if (!s) {
			free(it);
			return NULL;
		}
		memcpy(s, k->str, k->len);
		s[k->len] = '\0';
		it->key.str = s;
	}
	*l = it;
	m->n++;
	return it;
}

/* Remove @k; returns its value (NULL if it was not there). */
static void *hmap_remove(struct hmap *m, const struct hkey *k)
{
	struct hitem **l = hmap_link(m, k, hkey_hash(k)), *it;
	void *val;

	if (!l || !*l)
		return NULL;
	it = *l;
	*l = it->next;
	val = it->val;
	free((char *)it->key.str);
	free(it);
	m->n--;
	return val;
}

static void hmap_clear(struct hmap *m, int free_vals)
{
	size_t i;

	for (i = 0; i < m->nb; i++) {
		struct hitem *it = m->b[i], *next;

		for (; it; it = next) {
			next = it->next;
			if (free_vals)
				free(it->val);
			free((char *)it->key.str);
			free(it);
		}
	}
	free(m->b);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------ contexts */

struct ks_stream;

/* A record kept for the script: a copy, and the entry KernelShark made. */
struct kept {
	struct ks_stream *st;
	struct kshark_entry *entry;
	struct tep_record rec;		/* rec.data: owned copy */
	size_t seq;			/* arrival order */
};

/* An interval opened by kshark.start(). */
struct open_iv {
	struct kshark_entry *entry;
	uint64_t ts;
	int64_t label;
};

/* One run of the script: one per recording (file). */
struct ks_run {
	char *file;
	char *script;
	char *src;
	size_t len;
	int refs;			/* streams attached */
	struct user_platform up;
	struct ktap_session *s;

	struct kept *kept;
	size_t nkept, cap, seq;

	int ran, failed;
	char error[1024];

	struct hmap open;		/* key -> struct open_iv */
	struct hmap label_ids;		/* label -> id (as a pointer) */
	char **labels;			/* labels[id - 1] */
	int nlabels, labcap;

	/* the event the script is handling (NULL: none) */
	struct ks_stream *cur_st;
	struct kshark_entry *cur;
	uint64_t cur_ts;
};

/* The plugin on one data stream. */
struct ks_stream {
	struct ks_run *run;
	struct kshark_data_stream *stream;
	int sd;
	struct tep_view *view;
	int *ids;			/* event ids given our handler */
	int nids;
	unsigned long long *last_ts;	/* per CPU, to see a new load */
	int ncpus;
	struct kshark_data_container *marks, *starts, *stops;
	long events;
	struct ktap_kshark_results res;
};

static struct ks_stream **streams;	/* by stream id */
static int nstreams;
static struct ks_run **runs;
static int nruns;

void *ktap_kshark_gui;

static struct ks_stream *stream_get(int sd)
{
	return sd >= 0 && sd < nstreams ? streams[sd] : NULL;
}

static int stream_set(int sd, struct ks_stream *st)
{
	if (sd < 0)
		return -1;
	if (sd >= nstreams) {
		int n = sd + 16;
		struct ks_stream **ns = realloc(streams, n * sizeof(*ns));

		if (!ns)
			return -1;
		memset(ns + nstreams, 0, (n - nstreams) * sizeof(*ns));
		streams = ns;
		nstreams = n;
	}
	streams[sd] = st;
	return 0;
}

static void run_error(struct ks_run *run, const char *msg)
{
	snprintf(run->error, sizeof(run->error), "%s", msg);
	run->failed = 1;
	fflush(stdout);
	fprintf(stderr, "ktap: %s\n", msg);
}

/* --------------------------------------------------------- the results */

static int containers_new(struct ks_stream *st)
{
	st->marks = kshark_init_data_container();
	st->starts = kshark_init_data_container();
	st->stops = kshark_init_data_container();
	return st->marks && st->starts && st->stops ? 0 : -1;
}

static void containers_free(struct ks_stream *st)
{
	kshark_free_data_container(st->marks);
	kshark_free_data_container(st->starts);
	kshark_free_data_container(st->stops);
	st->marks = st->starts = st->stops = NULL;
}

/* The id of label @v (nil: 0); -1 with a message in @err. */
static int label_id(struct ks_run *run, const struct ktap_field *v,
		    int64_t *id, char *err, size_t errlen)
{
	char num[32];
	struct hkey k = { .is_str = 1 };
	struct hitem *it;

	*id = 0;
	if (v->type == KTAP_FIELD_NONE)
		return 0;
	if (v->type == KTAP_FIELD_INT) {
		k.len = (size_t)snprintf(num, sizeof(num), "%lld",
					 (long long)v->num);
		k.str = num;
	} else if (v->type == KTAP_FIELD_STRING) {
		k.str = v->str;
		k.len = v->len;
	} else {
		snprintf(err, errlen, "a label is a string or a number");
		return -1;
	}
	it = hmap_put(&run->label_ids, &k);
	if (!it)
		goto nomem;
	if (!it->val) {
		if (run->nlabels == run->labcap) {
			int n = run->labcap ? run->labcap * 2 : 16;
			char **l = realloc(run->labels, n * sizeof(*l));

			if (!l)
				goto nomem;
			run->labels = l;
			run->labcap = n;
		}
		run->labels[run->nlabels++] = (char *)it->key.str;
		it->val = (void *)(intptr_t)run->nlabels;
	}
	*id = (intptr_t)it->val;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int get_key(const struct ktap_field *a, int n, struct hkey *k,
		   char *err, size_t errlen)
{
	memset(k, 0, sizeof(*k));
	if (n < 1 || a[0].type == KTAP_FIELD_NONE) {
		snprintf(err, errlen, "a key (a number or a string) expected, got nil");
		return -1;
	}
	if (a[0].type == KTAP_FIELD_INT) {
		k->num = a[0].num;
	} else if (a[0].type == KTAP_FIELD_STRING) {
		k->is_str = 1;
		k->str = a[0].str;
		k->len = a[0].len;
	} else {
		snprintf(err, errlen, "a key is a number or a string");
		return -1;
	}
	return 0;
}

static int need_event(struct ks_run *run, int n, int max, char *err,
		      size_t errlen)
{
	if (!run->cur) {
		snprintf(err, errlen,
			 "no current event (call it in a trace handler)");
		return -1;
	}
	if (n > max) {
		snprintf(err, errlen, "too many arguments (at most %d)", max);
		return -1;
	}
	return 0;
}

/* kshark.mark([label]): flag the current event. */
static int fn_mark(void *ctx, const struct ktap_field *a, int n,
		   struct ktap_field *ret, char *err, size_t errlen)
{
	struct ks_run *run = ctx;
	int64_t label;

	(void)ret;
	if (need_event(run, n, 1, err, errlen) ||
	    label_id(run, n ? &a[0] : &(struct ktap_field){ 0 }, &label, err,
		     errlen))
		return -1;
	if (kshark_data_container_append(run->cur_st->marks, run->cur,
					 label) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* kshark.start(key [, label]): open interval @key at the current event. */
static int fn_start(void *ctx, const struct ktap_field *a, int n,
		    struct ktap_field *ret, char *err, size_t errlen)
{
	struct ks_run *run = ctx;
	struct hkey k;
	struct hitem *it;
	struct open_iv *iv;
	int64_t label;

	(void)ret;
	if (need_event(run, n, 2, err, errlen) ||
	    get_key(a, n, &k, err, errlen) ||
	    label_id(run, n > 1 ? &a[1] : &(struct ktap_field){ 0 }, &label,
		     err, errlen))
		return -1;
	it = hmap_put(&run->open, &k);
	if (it && !it->val)
		it->val = calloc(1, sizeof(struct open_iv));
	if (!it || !it->val) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* starting an open key again moves its start here */
	iv = it->val;
	iv->entry = run->cur;
	iv->ts = run->cur_ts;
	iv->label = label;
	return 0;
}

/*
 * kshark.stop(key): close interval @key at the current event; returns its
 * duration in ns, or nil when no interval @key is open.
 */
static int fn_stop(void *ctx, const struct ktap_field *a, int n,
		   struct ktap_field *ret, char *err, size_t errlen)
{
	struct ks_run *run = ctx;
	struct ks_stream *st = run->cur_st;
	struct open_iv *iv;
	struct hkey k;
	int64_t dur;

	if (need_event(run, n, 1, err, errlen) ||
	    get_key(a, n, &k, err, errlen))
		return -1;
	iv = hmap_get(&run->open, &k);
	if (!iv)
		return 0;
	dur = (int64_t)(run->cur_ts - iv->ts);
	if (kshark_data_container_append(st->starts, iv->entry,
					 iv->label) < 0)
		goto nomem;
	if (kshark_data_container_append(st->stops, run->cur, dur) < 0) {
		/* keep starts[i] and stops[i] together */
		free(st->starts->data[--st->starts->size]);
		goto nomem;
	}
	free(hmap_remove(&run->open, &k));
	ret->type = KTAP_FIELD_INT;
	ret->num = dur;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* kshark.cancel(key): forget interval @key (nothing is drawn). */
static int fn_cancel(void *ctx, const struct ktap_field *a, int n,
		     struct ktap_field *ret, char *err, size_t errlen)
{
	struct ks_run *run = ctx;
	struct hkey k;

	(void)ret;
	if (n > 1) {
		snprintf(err, errlen, "too many arguments (at most 1)");
		return -1;
	}
	if (get_key(a, n, &k, err, errlen))
		return -1;
	free(hmap_remove(&run->open, &k));
	return 0;
}

/* ------------------------------------------------------------- the run */

static int run_session(struct ks_run *run, char *err, size_t errlen)
{
	const char *argv[1] = { run->script };
	struct ktap_session *s = ktap_session_new(&run->up.pf, NULL);

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (ktap_session_add_function(s, "kshark", "mark", fn_mark, run) ||
	    ktap_session_add_function(s, "kshark", "start", fn_start, run) ||
	    ktap_session_add_function(s, "kshark", "stop", fn_stop, run) ||
	    ktap_session_add_function(s, "kshark", "cancel", fn_cancel, run)) {
		snprintf(err, errlen, "%s", ktap_session_error(s));
		ktap_session_free(s);
		return -1;
	}
	if (host_load(s, run->script, run->src, run->len, 1, 1, argv, err,
		      errlen)) {
		ktap_session_free(s);
		return -1;
	}
	run->s = s;
	return 0;
}

static void kept_clear(struct ks_run *run)
{
	size_t i;

	for (i = 0; i < run->nkept; i++)
		free(run->kept[i].rec.data);
	free(run->kept);
	run->kept = NULL;
	run->nkept = run->cap = 0;
}

/* Forget every result and start a fresh session: a new load is coming. */
static void run_reset(struct ks_run *run)
{
	char err[1024];
	int i;

	kept_clear(run);
	hmap_clear(&run->open, 1);
	hmap_clear(&run->label_ids, 0);
	free(run->labels);
	run->labels = NULL;
	run->nlabels = run->labcap = 0;
	run->ran = run->failed = 0;
	run->error[0] = '\0';
	for (i = 0; i < nstreams; i++) {
		struct ks_stream *st = streams[i];

		if (!st || st->run != run)
			continue;
		tep_view_free(st->view);
		st->view = NULL;
		containers_free(st);
		if (containers_new(st))
			run_error(run, "out of memory");
		st->events = 0;
		memset(st->last_ts, 0, st->ncpus * sizeof(*st->last_ts));
	}
	if (run->s)
		ktap_session_free(run->s);
	run->s = NULL;
	if (run_session(run, err, sizeof(err))) {
		run_error(run, err);
		return;
	}
	for (i = 0; i < nstreams; i++) {
		struct ks_stream *st = streams[i];

		if (st && st->run == run)
			st->view = tep_view_new(kshark_get_tep(st->stream),
						run->s);
	}
}

/* Drop what was kept of stream @st (it is being loaded again). */
static void run_drop_stream(struct ks_run *run, struct ks_stream *st)
{
	size_t i, n = 0;

	for (i = 0; i < run->nkept; i++) {
		if (run->kept[i].st == st)
			free(run->kept[i].rec.data);
		else
			run->kept[n++] = run->kept[i];
	}
	run->nkept = n;
	memset(st->last_ts, 0, st->ncpus * sizeof(*st->last_ts));
}

static int kept_cmp(const void *a, const void *b)
{
	const struct kept *x = a, *y = b;

	if (x->rec.ts != y->rec.ts)
		return x->rec.ts < y->rec.ts ? -1 : 1;
	if (x->st->sd != y->st->sd)
		return x->st->sd < y->st->sd ? -1 : 1;
	if (x->rec.cpu != y->rec.cpu)
		return x->rec.cpu < y->rec.cpu ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void session_failed(struct ks_run *run)
{
	run_error(run, ktap_session_error(run->s));
}

/*
 * Run the script over what the streams loaded, in time order.  As `ktap
 * -i` does: an error in the top-level code ends everything; an error in a
 * handler stops the events, and trace_end still runs, so that what was
 * collected is printed.
 */
static void run_finish(struct ks_run *run)
{
	size_t i;

	/* (failed already: out of memory while keeping the records) */
	if (run->ran || !run->s || run->failed)
		return;
	run->ran = 1;
	qsort(run->kept, run->nkept, sizeof(*run->kept), kept_cmp);
	if (ktap_session_run(run->s)) {
		session_failed(run);
		goto out;
	}
	for (i = 0; i < run->nkept; i++) {
		struct kept *k = &run->kept[i];

		/* exit() in a handler: no more events, trace_end comes next */
		if (ktap_session_exited(run->s, NULL))
			break;
		run->cur = NULL;
		if (ktap_session_time(run->s, k->rec.ts)) {
			session_failed(run);
			break;
		}
		if (!k->st->view)
			continue;
		run->cur_st = k->st;
		run->cur = k->entry;
		run->cur_ts = k->rec.ts;
		k->st->events++;
		if (tep_view_fire(k->st->view, &k->rec)) {
			session_failed(run);
			break;
		}
	}
	run->cur = NULL;
	if (ktap_session_end(run->s)) {
		/* the first error is the one kept */
		if (run->failed) {
			fflush(stdout);
			fprintf(stderr, "ktap: %s\n", ktap_session_error(run->s));
		} else {
			session_failed(run);
		}
	}
out:
	run->cur = NULL;
	run->cur_st = NULL;
	fflush(stdout);
	kept_clear(run);
}

/* Keep a copy of @rec for the script. */
static void keep(struct ks_run *run, struct ks_stream *st,
		 struct kshark_entry *entry, const struct tep_record *rec)
{
	struct kept *k;

	if (!rec->data || rec->size <= 0)
		return;
	if (run->nkept == run->cap) {
		size_t n = run->cap ? run->cap * 2 : 1024;
		struct kept *nk = realloc(run->kept, n * sizeof(*nk));

		if (!nk)
			goto nomem;
		run->kept = nk;
		run->cap = n;
	}
	k = &run->kept[run->nkept];
	memset(k, 0, sizeof(*k));
	k->rec.data = malloc(rec->size);
	if (!k->rec.data)
		goto nomem;
	memcpy(k->rec.data, rec->data, rec->size);
	k->rec.ts = rec->ts;
	k->rec.offset = rec->offset;
	k->rec.size = rec->size;
	k->rec.record_size = rec->record_size;
	k->rec.cpu = rec->cpu;
	k->st = st;
	k->entry = entry;
	k->seq = run->seq++;
	run->nkept++;
	return;
nomem:
	if (!run->failed)
		run_error(run, "out of memory keeping the events for the script");
}

/* KernelShark's event handler: runs for each entry of a wanted event. */
static void on_event(struct kshark_data_stream *stream, void *data,
		     struct kshark_entry *entry)
{
	struct tep_record *rec = data;
	struct ks_stream *st = stream_get(stream->stream_id);
	struct ks_run *run;
	int cpu;

	if (!st || !rec || !entry)
		return;
	run = st->run;
	/* after the script ran, a handler means the data is loaded again */
	if (run->ran)
		run_reset(run);
	if (!run->s || run->failed)
		return;
	cpu = rec->cpu;
	if (cpu >= 0 && cpu < st->ncpus) {
		/* time going back on a CPU: this stream is loaded again */
		if (rec->ts < st->last_ts[cpu])
			run_drop_stream(run, st);
		st->last_ts[cpu] = rec->ts;
	}
	keep(run, st, entry, rec);
}

/* ---------------------------------------------------------- set up */

static void run_free(struct ks_run *run)
{
	int i;

	for (i = 0; i < nruns; i++) {
		if (runs[i] == run)
			runs[i] = runs[--nruns];
	}
	if (!nruns) {
		free(runs);
		runs = NULL;
	}
	kept_clear(run);
	hmap_clear(&run->open, 1);
	hmap_clear(&run->label_ids, 0);
	free(run->labels);
	if (run->s)
		ktap_session_free(run->s);
	free(run->file);
	free(run->script);
	free(run->src);
	free(run);
}

/* The script for @file: $KTAP_KS_SCRIPT, else FILE.kp; NULL if none. */
static char *script_path(const char *file)
{
	const char *env = getenv("KTAP_KS_SCRIPT");
	char *p;

	if (env && *env)
		return strdup(env);
	if (!file)
		return NULL;
	p = malloc(strlen(file) + 4);
	if (p)
		sprintf(p, "%s.kp", file);
	return p;
}

/* Warn about probes that cannot fire, as `ktap -i` does. */
static void warn_unmatched(struct ks_run *run, struct tep_handle *tep)
{
	struct tep_event **events = tep_list_events(tep, TEP_EVENT_SORT_ID);
	uint32_t p;
	int i;

	for (p = 0; p < ktap_session_probe_count(run->s); p++) {
		const struct ktap_probe *pr = ktap_session_probe(run->s, p);
		uint32_t e;

		if (pr->kind == KTAP_PROBE_PROFILE)
			fprintf(stderr, "ktap: warning: profile (line %u) needs cpu-clock samples; %s has none\n",
				pr->line, run->file);
		if (pr->kind != KTAP_PROBE_TRACE)
			continue;
		for (i = 0; events && events[i]; i++) {
			if (ktap_probe_match(pr, events[i]->system,
					     events[i]->name, events[i]->id))
				break;
		}
		if (events && events[i])
			continue;
		fprintf(stderr, "ktap: warning: trace ");
		for (e = 0; e < pr->nevents; e++)
			fprintf(stderr, "%s%s", e ? ", " : "", pr->events[e]);
		fprintf(stderr, " (line %u) matches no event of %s\n",
			pr->line, run->file);
	}
}

/* The run of @stream's recording: found, or made (the script loaded). */
static struct ks_run *run_get(struct kshark_data_stream *stream)
{
	const char *file = stream->file ? stream->file : "";
	char err[1024];
	struct ks_run *run, **nr;
	int i;

	for (i = 0; i < nruns; i++) {
		if (!strcmp(runs[i]->file, file))
			return runs[i];
	}
	run = calloc(1, sizeof(*run));
	nr = realloc(runs, (nruns + 1) * sizeof(*nr));
	if (!run || !nr) {
		free(run);
		if (nr)
			runs = nr;
		fprintf(stderr, "ktap: out of memory\n");
		return NULL;
	}
	runs = nr;
	run->file = strdup(file);
	run->script = script_path(stream->file);
	if (!run->file || !run->script) {
		fprintf(stderr, "ktap: out of memory\n");
		goto fail;
	}
	run->src = host_read_file(run->script, &run->len);
	if (!run->src) {
		if (getenv("KTAP_KS_SCRIPT") && *getenv("KTAP_KS_SCRIPT"))
			fprintf(stderr, "ktap: cannot read %s: %s\n",
				run->script, strerror(errno));
		else
			fprintf(stderr,
				"ktap: no script for %s: set KTAP_KS_SCRIPT or create %s\n",
				file, run->script);
		goto fail;
	}
	user_platform_init(&run->up, stdout);
	if (run_session(run, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		goto fail;
	}
	warn_unmatched(run, kshark_get_tep(stream));
	runs[nruns++] = run;
	return run;
fail:
	free(run->file);
	free(run->script);
	free(run->src);
	free(run);
	return NULL;
}

static void stream_free(struct ks_stream *st)
{
	int i;

	for (i = 0; i < st->nids; i++)
		kshark_unregister_event_handler(st->stream, st->ids[i],
						on_event);
	kshark_unregister_draw_handler(st->stream, ktap_kshark_draw);
	tep_view_free(st->view);
	containers_free(st);
	free(st->ids);
	free(st->last_ts);
	free(st);
}

PLUGIN_EXPORT int kshark_data_plugin_deinitializer(
	struct kshark_data_stream *stream)
{
	struct ks_stream *st = stream_get(stream->stream_id);
	struct ks_run *run;
	int i;

	if (!st)
		return 0;
	run = st->run;
	stream_set(st->sd, NULL);
	stream_free(st);
	for (i = 0; i < nstreams && !streams[i]; i++)
		;
	if (i == nstreams) {
		free(streams);
		streams = NULL;
		nstreams = 0;
	}
	if (--run->refs == 0) {
		run_free(run);
	} else {
		/* the other streams' results may point into this one */
		run_reset(run);
	}
	return 1;
}

/*
 * Whether a trace probe of @s declares @ev.  (Not tep_view_wanted(): as
 * host/tep_view.c is now, a view asked about an event type before it
 * fires its first record never learns where common_pid is, and every
 * pid then reads 0.)
 */
static int declared(struct ktap_session *s, struct tep_event *ev)
{
	uint32_t p;

	for (p = 0; p < ktap_session_probe_count(s); p++) {
		const struct ktap_probe *pr = ktap_session_probe(s, p);

		if (pr->kind == KTAP_PROBE_TRACE &&
		    ktap_probe_match(pr, ev->system, ev->name, ev->id))
			return 1;
	}
	return 0;
}

PLUGIN_EXPORT int kshark_data_plugin_initializer(
	struct kshark_data_stream *stream)
{
	struct tep_handle *tep;
	struct ks_stream *st;
	struct ks_run *run;
	int *ids, i;

	if (!kshark_is_tep(stream))
		return 0;
	if (stream_get(stream->stream_id))
		kshark_data_plugin_deinitializer(stream);
	tep = kshark_get_tep(stream);
	run = tep ? run_get(stream) : NULL;
	if (!run)
		return 0;
	st = calloc(1, sizeof(*st));
	if (!st)
		goto nomem;
	st->run = run;
	st->stream = stream;
	st->sd = stream->stream_id;
	st->ncpus = stream->n_cpus > 0 ? stream->n_cpus : 0;
	st->last_ts = calloc(st->ncpus ? st->ncpus : 1, sizeof(*st->last_ts));
	st->ids = calloc(stream->n_events > 0 ? stream->n_events : 1,
			 sizeof(*st->ids));
	st->view = run->s ? tep_view_new(tep, run->s) : NULL;
	if (!st->last_ts || !st->ids || (run->s && !st->view) ||
	    containers_new(st) || stream_set(st->sd, st)) {
		tep_view_free(st->view);
		containers_free(st);
		free(st->last_ts);
		free(st->ids);
		free(st);
		goto nomem;
	}
	run->refs++;
	/* a handler for each event some probe declares */
	ids = kshark_get_all_event_ids(stream);
	for (i = 0; ids && run->s && i < stream->n_events; i++) {
		struct tep_event *ev = tep_find_event(tep, ids[i]);

		if (ev && declared(run->s, ev) &&
		    kshark_register_event_handler(stream, ids[i],
						  on_event) >= 0)
			st->ids[st->nids++] = ids[i];
	}
	free(ids);
	kshark_register_draw_handler(stream, ktap_kshark_draw);
	/* results were for the streams as they were: run again */
	if (run->ran)
		run_reset(run);
	return 1;
nomem:
	fprintf(stderr, "ktap: out of memory\n");
	if (run->refs == 0)
		run_free(run);
	return 0;
}

/*
 * KernelShark calls this with its main window; a double click on a mark
 * or an interval uses it to move the GUI's markers (ktap_draw.cpp).
 */
PLUGIN_EXPORT void *kshark_plugin_menu_initializer(void *gui_ptr)
{
	ktap_kshark_gui = gui_ptr;
	return NULL;
}

/* ---------------------------------------------------------- results */

const struct ktap_kshark_results *ktap_kshark_results(int sd)
{
	struct ks_stream *st = stream_get(sd);
	struct ks_run *run;

	if (!st)
		return NULL;
	run = st->run;
	run_finish(run);
	st->res.ran = run->ran;
	st->res.failed = run->failed;
	st->res.error = run->error;
	st->res.script = run->script;
	st->res.marks = st->marks;
	st->res.starts = st->starts;
	st->res.stops = st->stops;
	st->res.nlabels = run->nlabels;
	st->res.labels = (const char *const *)run->labels;
	st->res.open = (long)run->open.n;
	st->res.events = st->events;
	return &st->res;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * perf_view.c - perf samples as ktap events (see perf_view.h).
 *
 * Per event of the recording (looked up by the host's key, built on first
 * sight): its name, whether it is cpu-clock, and the probes that run for
 * it.  Tracepoint samples are handed to a tep_view; the others are
 * described here, their symbol resolved only when a script asks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/perf_event.h>
#include <event-parse.h>

#include "perf_view.h"
#include "tep_view.h"

#define NAME_MAX_LEN	256
#define UNKNOWN		"[unknown]"

struct ptype {
	const void *key;
	char name[NAME_MAX_LEN];	/* "sys:event", "perf:cpu-clock" */
	struct tep_event *tp;
	int cpu_clock;
	/* probes to run, in declaration order (not for tracepoints) */
	uint32_t *probes;
	uint32_t nprobes;
	int wanted;
};

struct perf_view {
	struct ktap_session *s;
	const struct perf_view_ops *ops;
	struct tep_view *tv;
	struct tep_handle *tep;
	struct ptype **types;
	int ntypes;
	struct ptype *last;		/* the previous sample's */
	/* profile-N: the last window fired per CPU slot and probe, + 1 */
	uint64_t *windows;
	int ncpus;			/* slots */
	const struct perf_view_sample *cur;
	const char *cur_name;		/* its event's name, as scripts see it */
	int kept;
	unsigned long long unknown;
	const char *err;		/* the view's own error, else NULL */
	/* stack(): the frames of the sample and their folded text */
	const char **frames;
	size_t nframes, frames_cap, max_frames;
	char *folded;
	size_t folded_cap;
};

/* What ev->data points to for a sample that is not a tracepoint. */
struct current {
	struct perf_view *v;
	struct ptype *t;
	const struct perf_view_sample *smp;
	int resolved;
	struct perf_view_sym sym;
};

/* ------------------------------------------------------------ functions */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 16;
	void *np;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	np = realloc(*p, n * elem);
	if (!np)
		return -1;
	*p = np;
	*cap = n;
	return 0;
}

static int add_frame(void *arg, const char *sym)
{
	struct perf_view *v = arg;

	if (grow((void **)&v->frames, &v->frames_cap, v->nframes + 1,
		 sizeof(*v->frames)))
		return -1;
	v->frames[v->nframes++] = sym ? sym : UNKNOWN;
	return v->max_frames && v->nframes >= v->max_frames;
}

/* stack([N]): the callchain folded outermost first, at most N frames. */
static int fn_stack(void *ctx, const struct ktap_field *args, int nargs,
		    struct ktap_field *ret, char *err, size_t errlen)
{
	struct perf_view *v = ctx;
	size_t i, len = 0;
	int64_t max;
	char *p;

	if (ktap_stack_depth(args, nargs, &max, err, errlen))
		return -1;
	if (!v->cur) {
		snprintf(err, errlen, "there is no sample here (call it in a probe handler)");
		return -1;
	}
	v->max_frames = (size_t)max;
	v->nframes = 0;
	if (v->ops->callchain(v->cur->host, add_frame, v)) {
		snprintf(err, errlen, "%s has no callchain (record with perf record -g)",
			 v->cur_name);
		return -1;
	}
	for (i = 0; i < v->nframes; i++)
		len += strlen(v->frames[i]) + 1;
	if (grow((void **)&v->folded, &v->folded_cap, len + 1, 1)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p = v->folded;
	for (i = v->nframes; i-- > 0;) {
		size_t n = strlen(v->frames[i]);

		memcpy(p, v->frames[i], n);
		p += n;
		if (i)
			*p++ = ';';
	}
	*p = '\0';
	ret->type = KTAP_FIELD_STRING;
	ret->str = v->folded;
	ret->len = (size_t)(p - v->folded);
	return 0;
}

/* perf.keep(): perf prints this sample too (the dlfilter). */
static int fn_keep(void *ctx, const struct ktap_field *args, int nargs,
		   struct ktap_field *ret, char *err, size_t errlen)
{
	struct perf_view *v = ctx;

	(void)args;
	(void)ret;
	if (nargs) {
		snprintf(err, errlen, "takes no arguments");
		return -1;
	}
	if (!v->cur) {
		snprintf(err, errlen, "there is no sample here (call it in a probe handler)");
		return -1;
	}
	v->kept = 1;
	return 0;
}

struct perf_view *perf_view_new(struct ktap_session *s,
				const struct perf_view_ops *ops)
{
	struct perf_view *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->s = s;
	v->ops = ops;
	if (ktap_session_add_function(s, NULL, "stack", fn_stack, v) ||
	    ktap_session_add_function(s, "perf", "keep", fn_keep, v)) {
		free(v);
		return NULL;
	}
	return v;
}

void perf_view_free(struct perf_view *v)
{
	int i;

	if (!v)
		return;
	for (i = 0; i < v->ntypes; i++) {
		free(v->types[i]->probes);
		free(v->types[i]);
	}
	free(v->types);
	tep_view_free(v->tv);
	free(v->windows);
	free(v->frames);
	free(v->folded);
	free(v);
}

/* ---------------------------------------------------------------- types */

/* perf's names of the generic events, by perf_event_attr.config */
static const char *const hw_names[] = {
	"cycles", "instructions", "cache-references", "cache-misses",
	"branches", "branch-misses", "bus-cycles", "stalled-cycles-frontend",
	"stalled-cycles-backend", "ref-cycles",
};

static const char *const sw_names[] = {
	"cpu-clock", "task-clock", "page-faults", "context-switches",
	"cpu-migrations", "minor-faults", "major-faults", "alignment-faults",
	"emulation-faults", "dummy", "bpf-output", "cgroup-switches",
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * A generic event is named after what it counts, however the command line
 * spelled it (cpu-clock:u, cpu-clock/period=1000/); any other keeps
 * perf's name without its :modifiers.
 */
const char *perf_view_event_name(const struct perf_view_sample *smp,
				 char *buf, size_t size)
{
	const char *name = smp->event ? smp->event : "";

	if (smp->tp)
		snprintf(buf, size, "%s:%s", smp->tp->system, smp->tp->name);
	else if (smp->type == PERF_TYPE_TRACEPOINT)
		snprintf(buf, size, "%s", name);
	else if (smp->type == PERF_TYPE_SOFTWARE &&
		 smp->config < ARRAY_SIZE(sw_names))
		snprintf(buf, size, "perf:%s", sw_names[smp->config]);
	else if (smp->type == PERF_TYPE_HARDWARE &&
		 smp->config < ARRAY_SIZE(hw_names))
		snprintf(buf, size, "perf:%s", hw_names[smp->config]);
	else
		snprintf(buf, size, "perf:%.*s", (int)strcspn(name, ":"), name);
	return buf;
}

static int is_cpu_clock(const struct perf_view_sample *smp)
{
	return smp->type == PERF_TYPE_SOFTWARE &&
	       smp->config == PERF_COUNT_SW_CPU_CLOCK;
}

/* Whether probe @p runs for the event named @name ("sys:event"). */
static int probe_matches(const struct ktap_probe *p, const char *name,
			 int id)
{
	const char *colon = strchr(name, ':');
	char sys[NAME_MAX_LEN];

	if (p->kind != KTAP_PROBE_TRACE || !colon)
		return 0;
	snprintf(sys, sizeof(sys), "%.*s", (int)(colon - name), name);
	return ktap_probe_match(p, sys, colon + 1, id);
}

static struct ptype *build_type(struct perf_view *v,
				const struct perf_view_sample *smp)
{
	uint32_t i, n = ktap_session_probe_count(v->s);
	struct ptype *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->key = smp->key;
	t->tp = smp->tp;
	t->cpu_clock = is_cpu_clock(smp);
	perf_view_event_name(smp, t->name, sizeof(t->name));
	if (smp->tp) {
		if (!v->tep) {
			v->tep = smp->tp->tep;
			v->tv = tep_view_new(v->tep, v->s);
			if (!v->tv) {
				free(t);
				return NULL;
			}
		}
		t->wanted = tep_view_wanted(v->tv, smp->tp);
		return t;
	}
	t->probes = calloc(n ? n : 1, sizeof(*t->probes));
	if (!t->probes) {
		free(t);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		const struct ktap_probe *p = ktap_session_probe(v->s, i);

		if ((p->kind == KTAP_PROBE_PROFILE && t->cpu_clock) ||
		    (smp->type != PERF_TYPE_TRACEPOINT &&
		     probe_matches(p, t->name, -1)))
			t->probes[t->nprobes++] = i;
	}
	t->wanted = t->nprobes > 0;
	return t;
}

static struct ptype *get_type(struct perf_view *v,
			      const struct perf_view_sample *smp)
{
	struct ptype *t, **nt;
	int i;

	if (v->last && v->last->key == smp->key)
		return v->last;
	for (i = 0; i < v->ntypes; i++) {
		if (v->types[i]->key == smp->key)
			return v->last = v->types[i];
	}
	t = build_type(v, smp);
	if (!t)
		return NULL;
	nt = realloc(v->types, (v->ntypes + 1) * sizeof(*nt));
	if (!nt) {
		free(t->probes);
		free(t);
		return NULL;
	}
	v->types = nt;
	v->types[v->ntypes++] = t;
	return v->last = t;
}

int perf_view_wanted(struct perf_view *v, const struct perf_view_sample *smp)
{
	struct ptype *t = get_type(v, smp);

	return !t || t->wanted;	/* out of memory: let fire() say it */
}

int perf_view_kept(const struct perf_view *v)
{
	return v->kept;
}

const char *perf_view_error(const struct perf_view *v)
{
	return v->err ? v->err : ktap_session_error(v->s);
}

unsigned long long perf_view_unknown(const struct perf_view *v)
{
	return v->unknown;
}

/* --------------------------------------------------------------- fields */

static const char *const field_names[] = {
	"ip", "sym", "symoff", "dso", "addr", "period",
};

#define NFIELDS	((int)ARRAY_SIZE(field_names))

static void resolve(struct current *c)
{
	if (c->resolved)
		return;
	c->resolved = 1;
	c->v->ops->resolve_ip(c->smp->host, &c->sym);
}

static void set_str(struct ktap_field *out, const char *s)
{
	out->type = KTAP_FIELD_STRING;
	out->str = s ? s : UNKNOWN;
	out->len = strlen(out->str);
}

static void set_int(struct ktap_field *out, uint64_t n)
{
	out->type = KTAP_FIELD_INT;
	out->num = (int64_t)n;
}

static int ev_field(const struct ktap_event *ev, int index,
		    struct ktap_field *out)
{
	struct current *c = ev->data;

	memset(out, 0, sizeof(*out));
	switch (index) {
	case 0:
		set_int(out, c->smp->ip);
		break;
	case 1:
		resolve(c);
		set_str(out, c->sym.sym);
		break;
	case 2:
		resolve(c);
		set_int(out, c->sym.sym ? c->sym.off : 0);
		break;
	case 3:
		resolve(c);
		set_str(out, c->sym.dso);
		break;
	case 4:
		set_int(out, c->smp->addr);
		break;
	case 5:
		set_int(out, c->smp->period);
		break;
	default:
		return -1;
	}
	return 0;
}

static int ev_field_by_name(const struct ktap_event *ev, const char *name,
			    struct ktap_field *out)
{
	int i;

	for (i = 0; i < NFIELDS; i++) {
		if (!strcmp(name, field_names[i]))
			return ev_field(ev, i, out);
	}
	return -1;
}

static const char *ev_field_name(const struct ktap_event *ev, int index)
{
	(void)ev;
	return index >= 0 && index < NFIELDS ? field_names[index] : NULL;
}

/* argstr: the ip as perf script prints it, "ffffffff81c0a1b2 sym+0x12 (dso)" */
static int ev_format(const struct ktap_event *ev, char *buf, size_t size)
{
	struct current *c = ev->data;

	resolve(c);
	if (c->sym.sym)
		return snprintf(buf, size, "%llx %s+0x%llx (%s)",
				(unsigned long long)c->smp->ip, c->sym.sym,
				(unsigned long long)c->sym.off,
				c->sym.dso ? c->sym.dso : UNKNOWN);
	return snprintf(buf, size, "%llx %s (%s)",
			(unsigned long long)c->smp->ip, UNKNOWN,
			c->sym.dso ? c->sym.dso : UNKNOWN);
}

static const char *ev_comm(const struct ktap_event *ev)
{
	struct current *c = ev->data;

	return c->v->ops->comm(c->smp->host);
}

static const struct ktap_event_ops perf_event_ops = {
	.field = ev_field,
	.field_by_name = ev_field_by_name,
	.format = ev_format,
	.field_name = ev_field_name,
	.comm = ev_comm,
};

/* ----------------------------------------------------------------- fire */

/* Whether profile probe @p is due on the sample's CPU: a new window. */
static int profile_due(struct perf_view *v, uint32_t p,
		       const struct perf_view_sample *smp)
{
	uint32_t np = ktap_session_probe_count(v->s);
	uint64_t period = ktap_session_probe(v->s, p)->period_ns;
	uint64_t window = smp->time / (period ? period : 1) + 1;
	/* slot 0: samples without a CPU (perf record without -a) */
	int slot = smp->cpu < 0 ? 0 : smp->cpu + 1;
	uint64_t *w;

	if (slot >= v->ncpus) {
		int n = slot + 8;
		uint64_t *nw = realloc(v->windows, (size_t)n * np * sizeof(*nw));

		if (!nw)
			return 1;
		memset(nw + (size_t)v->ncpus * np, 0,
		       (size_t)(n - v->ncpus) * np * sizeof(*nw));
		v->windows = nw;
		v->ncpus = n;
	}
	w = &v->windows[(size_t)slot * np + p];
	if (*w == window)
		return 0;
	*w = window;
	return 1;
}

static int fire_tracepoint(struct perf_view *v,
			   const struct perf_view_sample *smp)
{
	struct tep_view_task task = {
		.pid = smp->pid,
		.tid = smp->tid,
		.comm_fn = v->ops->comm,
		.arg = smp->host,
	};
	struct tep_record rec;

	memset(&rec, 0, sizeof(rec));
	rec.ts = smp->time;
	rec.cpu = smp->cpu;
	rec.size = (int)smp->raw_size;
	rec.record_size = (int)smp->raw_size;
	rec.data = (void *)smp->raw;
	return tep_view_fire_task(v->tv, &rec, &task);
}

int perf_view_fire(struct perf_view *v, const struct perf_view_sample *smp)
{
	struct current c = { .v = v, .smp = smp };
	struct ktap_event ev;
	uint32_t i;
	int r = 0;

	v->kept = 0;
	v->err = NULL;
	if (ktap_session_exited(v->s, NULL))
		return 0;
	if (ktap_session_time(v->s, smp->time))
		return -1;
	c.t = get_type(v, smp);
	if (!c.t) {
		v->err = "out of memory";
		return -1;
	}
	if (!c.t->tp && smp->type == PERF_TYPE_TRACEPOINT)
		v->unknown++;
	if (!c.t->wanted)
		return 0;
	v->cur = smp;
	v->cur_name = c.t->name;
	if (c.t->tp) {
		r = fire_tracepoint(v, smp);
		v->cur = NULL;
		return r;
	}
	ev.ops = &perf_event_ops;
	ev.data = &c;
	ev.name = c.t->name;
	ev.timestamp = smp->time;
	ev.task.cpu = smp->cpu;
	ev.task.pid = smp->pid;
	ev.task.tid = smp->tid;
	ev.task.uid = -1;
	ev.task.comm = NULL;	/* asked of the host only if needed */
	ev.prefiltered = 0;
	for (i = 0; i < c.t->nprobes && !r; i++) {
		uint32_t p = c.t->probes[i];

		if (ktap_session_probe(v->s, p)->kind == KTAP_PROBE_PROFILE &&
		    !profile_due(v, p, smp))
			continue;
		r = ktap_session_fire(v->s, p, &ev);
	}
	v->cur = NULL;
	return r;
}

/* ---------------------------------------------------------------- check */

void perf_view_check(struct perf_view *v, const struct perf_view_sample *evs,
		     int n, void (*warn)(void *arg, const char *msg),
		     void *arg)
{
	uint32_t i, j;
	char msg[1024], name[NAME_MAX_LEN];
	int k, fed;

	for (i = 0; i < ktap_session_probe_count(v->s); i++) {
		const struct ktap_probe *p = ktap_session_probe(v->s, i);
		size_t len = 0;

		fed = 0;
		for (k = 0; k < n && !fed; k++) {
			if (p->kind == KTAP_PROBE_PROFILE)
				fed = is_cpu_clock(&evs[k]);
			else if (p->kind == KTAP_PROBE_TRACE)
				fed = probe_matches(p,
					perf_view_event_name(&evs[k], name,
							     sizeof(name)),
					evs[k].tp ? evs[k].tp->id : -1);
		}
		if (p->kind == KTAP_PROBE_PROFILE && !fed) {
			snprintf(msg, sizeof(msg),
				 "profile (line %u) fires on cpu-clock samples; the recording has none (perf record -e cpu-clock)",
				 p->line);
			warn(arg, msg);
		}
		if (p->kind != KTAP_PROBE_TRACE || fed)
			continue;
		len = (size_t)snprintf(msg, sizeof(msg), "trace ");
		for (j = 0; j < p->nevents && len < sizeof(msg); j++)
			len += (size_t)snprintf(msg + len, sizeof(msg) - len,
						"%s%s", j ? ", " : "",
						p->events[j]);
		if (len < sizeof(msg))
			snprintf(msg + len, sizeof(msg) - len,
				 " (line %u) matches no event of the recording",
				 p->line);
		warn(arg, msg);
	}
}

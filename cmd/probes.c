// SPDX-License-Identifier: GPL-2.0
/*
 * probes.c - resolve EVENTDEFs into tracefs events and attach them:
 * tracepoints here, the probes that make events in dynprobes.c.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probes_int.h"

struct target *target_find(struct probes *p, const char *sys,
				  const char *ev)
{
	int i;

	for (i = 0; i < p->n; i++) {
		if (!strcmp(p->t[i].system, sys) && !strcmp(p->t[i].event, ev))
			return &p->t[i];
	}
	return NULL;
}

struct target *target_add(struct probes *p, const char *sys,
				 const char *ev)
{
	struct target *t = target_find(p, sys, ev);

	if (t)
		return t;
	if (p->n == p->cap) {
		int cap = p->cap ? p->cap * 2 : 64;
		struct target *nt = realloc(p->t, cap * sizeof(*nt));

		if (!nt)
			return NULL;
		p->t = nt;
		p->cap = cap;
	}
	t = &p->t[p->n];
	memset(t, 0, sizeof(*t));
	t->probe = -1;
	t->system = strdup(sys);
	t->event = strdup(ev);
	if (!t->system || !t->event) {
		free(t->system);
		free(t->event);
		return NULL;
	}
	p->n++;
	return t;
}

/* The kernel filter of a target: the probes' filters, or'ed. */
int target_add_filter(struct target *t, const char *filter)
{
	char *f;

	if (!t->first)
		t->first = filter;
	else if (strcmp(t->first, filter))
		t->mixed = 1;
	if (!*filter) {
		t->unfiltered = 1;
		return 0;
	}
	if (!t->filter)
		f = strdup(filter);
	else if (asprintf(&f, "(%s) || (%s)", t->filter, filter) < 0)
		f = NULL;
	if (!f)
		return -1;
	free(t->filter);
	t->filter = f;
	return 0;
}

/* ------------------------------------------------------- tracepoints */

/*
 * The subdirectories of events/[@system], by readdir() alone: looking
 * at every event of a big system (syscalls has 700) would cost more than
 * the rest of start-up.
 */
static char **list_dir(const char *system)
{
	char path[PATH_MAX], **names = NULL, **nn;
	struct dirent *d;
	size_t n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/events%s%s", tracefs_tracing_dir(),
		 system ? "/" : "", system ? system : "");
	dir = opendir(path);
	if (!dir)
		return NULL;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.' ||
		    (d->d_type != DT_DIR && d->d_type != DT_UNKNOWN))
			continue;
		nn = realloc(names, (n + 2) * sizeof(*names));
		if (!nn)
			break;
		names = nn;
		names[n] = strdup(d->d_name);
		if (names[n])
			n++;
		names[n] = NULL;
	}
	closedir(dir);
	return names;
}

static void free_list(char **names)
{
	int i;

	for (i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

/* events/[@system/]@name as a list of one, if it exists. */
static char **exact(const char *system, const char *name)
{
	char path[PATH_MAX], **names;
	struct stat st;

	snprintf(path, sizeof(path), "%s/events/%s%s%s", tracefs_tracing_dir(),
		 system ? system : "", system ? "/" : "", name);
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return NULL;
	names = calloc(2, sizeof(*names));
	if (names)
		names[0] = strdup(name);
	return names;
}

/*
 * Skipped by globs: ftrace's own formats (not events one can enable)
 * and the dynamic events of other ktap runs.
 */
static int private_system(const char *sys)
{
	return !strcmp(sys, "ftrace") ||
	       !strncmp(sys, GROUP_PREFIX, strlen(GROUP_PREFIX));
}

int probes_has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Call @fn for every event "sys:event" glob @def names. */
static int each_tracepoint(const char *def,
			   int (*fn)(void *arg, const char *sys,
				     const char *ev),
			   void *arg)
{
	struct ktap_probe one = { .kind = KTAP_PROBE_TRACE, .nevents = 1 };
	char sys[256], ev[256], **systems, **events;
	int i, j, r = 0, n = 0;

	one.events = &def;
	if (sscanf(def, "%255[^:]:%255[^ \t]", sys, ev) != 2)
		return 0;
	systems = probes_has_glob(sys) ? list_dir(NULL) : exact(NULL, sys);
	for (i = 0; !r && systems && systems[i]; i++) {
		if (probes_has_glob(sys) && private_system(systems[i]))
			continue;
		events = probes_has_glob(ev) ? list_dir(systems[i]) :
					exact(systems[i], ev);
		for (j = 0; !r && events && events[j]; j++) {
			if (!ktap_probe_match(&one, systems[i], events[j], -1))
				continue;
			r = fn(arg, systems[i], events[j]);
			n++;
		}
		free_list(events);
	}
	free_list(systems);
	return r ? r : n;
}

struct resolving {
	struct probes *p;
	const struct ktap_probe *pr;
};

static int add_tracepoint(void *arg, const char *sys, const char *ev)
{
	struct resolving *r = arg;
	struct target *t = target_add(r->p, sys, ev);

	return !t || target_add_filter(t, r->pr->filter) ? -1 : 0;
}

static int resolve_tracepoints(struct probes *p, const struct ktap_probe *pr,
			       const char *def, char *err, size_t errlen)
{
	struct resolving r = { p, pr };
	int n = each_tracepoint(def, add_tracepoint, &r);

	if (n < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!n) {
		snprintf(err, errlen, "line %u: trace %s: no such event in this kernel (ktap -le lists them)",
			 pr->line, def);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------- resolve */

static int resolve_def(struct probes *p, uint32_t index, const char *def,
		       char *err, size_t errlen)
{
	const struct ktap_probe *pr = ktap_session_probe(p->s, index);
	int r = dynprobes_resolve(p, index, def, err, errlen);

	return r != 1 ? r : resolve_tracepoints(p, pr, def, err, errlen);
}

struct probes *probes_resolve(struct ktap_session *s, char *err,
			      size_t errlen)
{
	struct probes *p = calloc(1, sizeof(*p));
	uint32_t i, j;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->s = s;
	snprintf(p->group, sizeof(p->group), GROUP_PREFIX "%d", (int)getpid());
	for (i = 0; i < ktap_session_probe_count(s); i++) {
		const struct ktap_probe *pr = ktap_session_probe(s, i);

		if (pr->kind != KTAP_PROBE_TRACE)
			continue;
		for (j = 0; j < pr->nevents; j++) {
			if (resolve_def(p, i, pr->events[j], err, errlen))
				goto fail;
		}
	}
	return p;
fail:
	probes_free(p);
	return NULL;
}

/* "[   12.3] trace_kprobe: error: Invalid ...\n  Command: ..." -> "Invalid ..." */
static const char *kernel_reason(char *log)
{
	char *s = strstr(log, "error: ");

	s = s ? s + 7 : log;
	s[strcspn(s, "\n")] = '\0';
	return s;
}

int probes_create(struct probes *p, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < p->n; i++) {
		struct target *t = &p->t[i];

		if (!t->def)
			continue;
		tracefs_error_clear(NULL);
		if (tracefs_instance_file_append(NULL, t->file, t->def) < 0) {
			int e = errno;
			char *why = tracefs_error_last(NULL);

			/* the kernel's reason, e.g. "Invalid probed address or symbol" */
			snprintf(err, errlen, "line %u: %s: the kernel refused the probe: %s (%s: %.*s)",
				 t->line, t->name, why ? kernel_reason(why) :
				 strerror(e), t->file, (int)strcspn(t->def, "\n"),
				 t->def);
			free(why);
			return -1;
		}
		t->made = 1;
	}
	return 0;
}

static int parse_format(struct tep_handle *tep, const char *sys,
			const char *ev)
{
	char *buf;
	int size, r;

	buf = tracefs_event_file_read(NULL, sys, ev, "format", &size);
	if (!buf)
		return -1;
	r = tep_parse_event(tep, buf, size, sys);
	free(buf);
	return r ? -1 : 0;
}

int probes_load_formats(struct probes *p, struct tep_handle *tep, char *err,
			size_t errlen)
{
	int i;

	for (i = 0; i < p->n; i++) {
		if (parse_format(tep, p->t[i].system, p->t[i].event)) {
			snprintf(err, errlen, "cannot read the format of %s:%s",
				 p->t[i].system, p->t[i].event);
			return -1;
		}
	}
	return 0;
}

int probes_bind(struct probes *p, struct tep_handle *tep,
		struct tep_view *v)
{
	int i;

	for (i = 0; i < p->n; i++) {
		struct target *t = &p->t[i];
		struct tep_event *ev;

		if (t->probe < 0)
			continue;
		ev = tep_find_event_by_name(tep, t->system, t->event);
		if (!ev || tep_view_bind(v, ev, (uint32_t)t->probe, t->name))
			return -1;
	}
	return 0;
}

int probes_enable(struct probes *p, struct tracefs_instance *inst, char *err,
		  size_t errlen)
{
	int i;

	for (i = 0; i < p->n; i++) {
		struct target *t = &p->t[i];

		if (t->funcs) {
			if (dynprobes_enable_function(inst, t, err, errlen))
				return -1;
			continue;
		}
		/*
		 * A filter the kernel refuses is still applied by the VM,
		 * with the same meaning: only the early drop is lost.  When
		 * the kernel takes it and it is every probe's, the VM
		 * need not apply it again.
		 */
		if (t->filter && !t->unfiltered &&
		    tracefs_event_file_write(inst, t->system, t->event,
					     "filter", t->filter) >= 0)
			t->prefiltered = !t->mixed;
		/* not tracefs_event_enable(): it looks at every event */
		if (tracefs_event_file_write(inst, t->system, t->event,
					     "enable", "1") < 0) {
			snprintf(err, errlen, "cannot enable %s:%s: %s",
				 t->system, t->event, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int probes_add_internal(struct probes *p, const char *system,
			const char *event)
{
	struct target *t;

	char **there;

	if (target_find(p, system, event))
		return 0;
	there = exact(system, event);
	if (!there)
		return 0;
	free_list(there);
	t = target_add(p, system, event);
	if (!t)
		return -1;
	t->internal = 1;
	t->unfiltered = 1;
	return 0;
}

int probes_get(const struct probes *p, int i, struct probes_event *e)
{
	int k;

	for (k = 0; k < p->n; k++) {
		const struct target *t = &p->t[k];

		if (t->internal || i--)
			continue;
		e->system = t->system;
		e->event = t->event;
		e->filter = t->unfiltered ? NULL : t->filter;
		e->def = t->def;
		e->name = t->name;
		e->probe = t->probe;
		return 0;
	}
	return -1;
}

int probes_prefiltered(const struct probes *p, const char *system,
		       const char *event)
{
	int i;

	for (i = 0; i < p->n; i++) {
		if (!strcmp(p->t[i].system, system) &&
		    !strcmp(p->t[i].event, event))
			return p->t[i].prefiltered;
	}
	return 0;
}

int probes_count(const struct probes *p)
{
	int i, n = 0;

	for (i = 0; i < p->n; i++)
		n += !p->t[i].internal;
	return n;
}

void probes_print(const struct probes *p, FILE *out)
{
	int i, k;

	for (i = 0; i < p->n; i++) {
		const struct target *t = &p->t[i];

		if (t->internal)
			continue;
		if (t->funcs) {
			fprintf(out, "ftrace:function\tset_ftrace_filter:");
			for (k = 0; t->funcs[k]; k++)
				fprintf(out, " %s", t->funcs[k]);
			fputc('\n', out);
			continue;
		}
		if (t->def)
			fprintf(out, "%s:%s\t%s", t->system, t->event, t->def);
		else
			fprintf(out, "%s:%s", t->system, t->event);
		if (t->filter && !t->unfiltered)
			fprintf(out, "\tfilter: %s", t->filter);
		fputc('\n', out);
	}
}

void probes_free(struct probes *p)
{
	int i, k;

	if (!p)
		return;
	for (i = 0; i < p->n; i++) {
		struct target *t = &p->t[i];

		if (t->made) {
			char undo[300];

			snprintf(undo, sizeof(undo), "-:%s/%s", t->system,
				 t->event);
			tracefs_instance_file_append(NULL, t->file, undo);
		}
		for (k = 0; t->funcs && t->funcs[k]; k++)
			free(t->funcs[k]);
		free(t->funcs);
		free(t->system);
		free(t->event);
		free(t->filter);
		free(t->name);
		free(t->def);
	}
	free(p->t);
	free(p);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct name_list {
	char **names;
	int n, cap;
};

static int add_name(void *arg, const char *sys, const char *ev)
{
	struct name_list *l = arg;

	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 1024;
		char **nn = realloc(l->names, cap * sizeof(*nn));

		if (!nn)
			return -1;
		l->names = nn;
		l->cap = cap;
	}
	if (asprintf(&l->names[l->n], "%s:%s", sys, ev) < 0)
		return -1;
	l->n++;
	return 0;
}

static int list_tracepoints(const char *glob, FILE *out, char *err,
			    size_t errlen)
{
	struct name_list l = { 0 };
	int i, r = each_tracepoint(glob, add_name, &l);

	if (r >= 0) {
		qsort(l.names, l.n, sizeof(*l.names), by_name);
		for (i = 0; i < l.n; i++)
			fprintf(out, "%s\n", l.names[i]);
	} else {
		snprintf(err, errlen, "out of memory");
	}
	for (i = 0; i < l.n; i++)
		free(l.names[i]);
	free(l.names);
	return r < 0 ? -1 : 0;
}

int probes_list(int what, const char *arg, FILE *out, char *err,
		size_t errlen)
{
	char abs[PATH_MAX];

	if (what == 'e')
		return list_tracepoints(arg ? arg : "*:*", out, err, errlen);
	/* EVENTDEFs name files by absolute paths */
	return dynprobes_list(what, realpath(arg, abs) ? abs : arg, out, err,
			      errlen);
}

void probes_remove_stale(void)
{
	struct tracefs_dynevent **all;
	int i;

	all = tracefs_dynevent_get_all(TRACEFS_DYNEVENT_KPROBE |
				       TRACEFS_DYNEVENT_KRETPROBE |
				       TRACEFS_DYNEVENT_UPROBE |
				       TRACEFS_DYNEVENT_URETPROBE, NULL);
	for (i = 0; all && all[i]; i++) {
		char *sys = NULL;
		int pid;

		tracefs_dynevent_info(all[i], &sys, NULL, NULL, NULL, NULL);
		if (sys && !strncmp(sys, GROUP_PREFIX, strlen(GROUP_PREFIX))) {
			pid = atoi(sys + strlen(GROUP_PREFIX));
			if (pid > 0 && kill(pid, 0) && errno == ESRCH)
				tracefs_dynevent_destroy(all[i], true);
		}
		free(sys);
	}
	tracefs_dynevent_list_free(all);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * probes.c - resolve EVENTDEFs into tracefs events and attach them.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdarg.h>
#include <unistd.h>

#include "probes.h"
#include "../host/elfsym.h"

struct target {
	char *system, *event;		/* tracefs names */
	int internal;			/* the host's, not the script's */
	char *filter;			/* for the kernel, or NULL */
	int unfiltered;			/* some probe takes every event */
	const char *first;		/* the first probe's filter */
	int mixed;			/* the probes' filters differ */
	int prefiltered;		/* the kernel applies them all */
	char **funcs;			/* ftrace:function: set_ftrace_filter */
	int probe;			/* dynamic: the probe it is for; -1 */
	char *name;			/* dynamic: its probename */
	char *def;			/* dynamic: as written to tracefs */
	const char *file;		/* dynamic: uprobe_events, kprobe_events */
	uint32_t line;			/* dynamic: of the probe in the script */
	int made;			/* dynamic: is in tracefs */
};

struct probes {
	struct ktap_session *s;
	struct target *t;
	int n, cap;
	char group[32];			/* of the dynamic events: ktap_PID */
};

#define GROUP_PREFIX	"ktap_"

static struct target *find_target(struct probes *p, const char *sys,
				  const char *ev)
{
	int i;

	for (i = 0; i < p->n; i++) {
		if (!strcmp(p->t[i].system, sys) && !strcmp(p->t[i].event, ev))
			return &p->t[i];
	}
	return NULL;
}

static struct target *add_target(struct probes *p, const char *sys,
				 const char *ev)
{
	struct target *t = find_target(p, sys, ev);

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
static int add_filter(struct target *t, const char *filter)
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

static int has_glob(const char *s)
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
	systems = has_glob(sys) ? list_dir(NULL) : exact(NULL, sys);
	for (i = 0; !r && systems && systems[i]; i++) {
		if (has_glob(sys) && private_system(systems[i]))
			continue;
		events = has_glob(ev) ? list_dir(systems[i]) :
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
	struct target *t = add_target(r->p, sys, ev);

	return !t || add_filter(t, r->pr->filter) ? -1 : 0;
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

/* ---------------------------------------------------- dynamic events */

#define EVENT_NAME_MAX	48	/* the kernel allows 64; room for a suffix */

/*
 * A probe made for probe @index: event @base (made a tracefs name:
 * letters, digits and '_', unique in the run's group), probename @name,
 * defined by the line "@kind:GROUP/EVENT @fmt..." in @file.
 */
static int add_dynamic(struct probes *p, uint32_t index, const char *base,
		       const char *name, const char *file, char kind,
		       const char *fmt, ...)
{
	char ev[EVENT_NAME_MAX + 16], *where;
	struct target *t;
	va_list ap;
	size_t i;
	int n, r, k;

	for (i = 0; base[i] && i < EVENT_NAME_MAX; i++)
		ev[i] = isalnum((unsigned char)base[i]) ? base[i] : '_';
	ev[i] = '\0';
	if (!i || isdigit((unsigned char)ev[0])) {
		memmove(ev + 1, ev, i + 1);
		ev[0] = '_';
	}
	n = (int)strlen(ev);
	for (k = 1; find_target(p, p->group, ev); k++)
		snprintf(ev + n, sizeof(ev) - n, "_%d", k);
	t = add_target(p, p->group, ev);
	if (!t)
		return -1;
	t->probe = (int)index;
	t->unfiltered = 1;
	t->file = file;
	t->line = ktap_session_probe(p->s, index)->line;
	t->name = strdup(name);
	va_start(ap, fmt);
	r = vasprintf(&where, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	/* a probe's FETCHARGS may go on over lines: the kernel wants one */
	for (i = 0; where[i]; i++) {
		if (isspace((unsigned char)where[i]))
			where[i] = ' ';
	}
	while (i > 0 && where[i - 1] == ' ')
		where[--i] = '\0';
	r = asprintf(&t->def, "%c:%s/%s %s", kind, p->group, ev, where);
	free(where);
	if (r < 0)
		t->def = NULL;
	if (!t->name || !t->def)
		return -1;
	return add_filter(t, ktap_session_probe(p->s, index)->filter);
}

/* An EVENTDEF of a dynamic probe, taken apart. */
struct dynspec {
	char path[PATH_MAX];		/* uprobes, USDT: the ELF file */
	char what[256];			/* symbol, glob, 0xOFFSET, note */
	int ret;			/* %return */
	const char *args;		/* FETCHARGS as written, or "" */
};

/*
 * "/path:what[%return] [args]" (after "probe:" or "sdt:") or, without
 * the path, "what[%return] [args]".  Returns 0, or -1 if malformed.
 */
static int parse_dynspec(const char *s, int with_path, struct dynspec *d)
{
	size_t n = strcspn(s, " \t"), w;
	const char *colon;

	memset(d, 0, sizeof(*d));
	d->args = s + n + strspn(s + n, " \t");
	if (with_path) {
		colon = memchr(s, ':', n);
		if (!colon || colon == s || (size_t)(colon - s) >= sizeof(d->path))
			return -1;
		memcpy(d->path, s, colon - s);
		n -= colon + 1 - s;
		s = colon + 1;
	}
	w = n;
	if (w > 7 && !strncmp(s + w - 7, "%return", 7)) {
		d->ret = 1;
		w -= 7;
	}
	if (!w || w >= sizeof(d->what))
		return -1;
	memcpy(d->what, s, w);
	return 0;
}

/* A return probe names its value, so that $retval reads it. */
static const char *ret_args(const struct dynspec *d)
{
	return d->ret && !*d->args ? "retval=$retval" : d->args;
}

struct uprobing {
	struct probes *p;
	uint32_t index;
	const struct dynspec *d;
	int n;
	uint64_t *seen;			/* offsets probed: aliases share one */
};

static int add_uprobe(void *arg, const char *sym, uint64_t offset)
{
	struct uprobing *u = arg;
	const struct dynspec *d = u->d;
	char name[PATH_MAX + 300], base[300];
	uint64_t *ns;
	int i;

	/* open and open64 are one function: one probe, or a call fires twice */
	for (i = 0; i < u->n; i++) {
		if (u->seen[i] == offset)
			return 0;
	}
	ns = realloc(u->seen, (u->n + 1) * sizeof(*ns));
	if (!ns)
		return -1;
	u->seen = ns;
	u->seen[u->n++] = offset;
	snprintf(name, sizeof(name), "probe:%s:%s%s", d->path, sym,
		 d->ret ? "%return" : "");
	snprintf(base, sizeof(base), "%s%s", sym, d->ret ? "__return" : "");
	return add_dynamic(u->p, u->index, base, name, "uprobe_events",
			   d->ret ? 'r' : 'p', "%s:0x%llx %s", d->path,
			   (unsigned long long)offset, ret_args(d));
}

static int resolve_uprobe(struct probes *p, uint32_t index,
			  const struct dynspec *d, char *err, size_t errlen)
{
	const struct ktap_probe *pr = ktap_session_probe(p->s, index);
	struct uprobing u = { p, index, d, 0, NULL };
	uint64_t off;
	char *end;
	int r;

	if (!strncmp(d->what, "0x", 2)) {
		off = strtoull(d->what, &end, 16);
		if (*end) {
			snprintf(err, errlen, "line %u: probe:%s:%s: not an offset",
				 pr->line, d->path, d->what);
			return -1;
		}
		r = add_uprobe(&u, d->what, off);
		free(u.seen);
	} else {
		r = elfsym_functions(d->path, strcmp(d->what, "*") ? d->what : NULL,
				     add_uprobe, &u, err, errlen);
		free(u.seen);
		if (r == -1 && *err) {
			char why[512];

			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, errlen, "line %u: %s", pr->line, why);
			return -1;
		}
	}
	if (r) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!u.n) {
		snprintf(err, errlen, "line %u: probe:%s:%s: no such function in %s (ktap -lf %s lists them)",
			 pr->line, d->path, d->what, d->path, d->path);
		return -1;
	}
	return 0;
}

static int add_sdt(void *arg, const struct elfsym_sdt *note)
{
	struct uprobing *u = arg;
	const struct dynspec *d = u->d;
	char name[PATH_MAX + 600], base[600], at[64];

	u->n++;
	snprintf(name, sizeof(name), "sdt:%s:%s:%s", d->path, note->provider,
		 note->name);
	snprintf(base, sizeof(base), "%s_%s", note->provider, note->name);
	if (note->semaphore)
		snprintf(at, sizeof(at), "0x%llx(0x%llx)",
			 (unsigned long long)note->offset,
			 (unsigned long long)note->semaphore);
	else
		snprintf(at, sizeof(at), "0x%llx",
			 (unsigned long long)note->offset);
	return add_dynamic(u->p, u->index, base, name, "uprobe_events", 'p',
			   "%s:%s %s", d->path, at, note->fetchargs);
}

static int resolve_sdt(struct probes *p, uint32_t index,
		       const struct dynspec *d, char *err, size_t errlen)
{
	const struct ktap_probe *pr = ktap_session_probe(p->s, index);
	struct uprobing u = { p, index, d, 0, NULL };
	char why[512];
	int r;

	r = elfsym_sdt_notes(d->path, strcmp(d->what, "*") ? d->what : NULL,
			     add_sdt, &u, why, sizeof(why));
	if (r == -1) {
		snprintf(err, errlen, "line %u: %s", pr->line, why);
		return -1;
	}
	if (r) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!u.n) {
		snprintf(err, errlen, "line %u: sdt:%s:%s: no such SDT note in %s (ktap -lm %s lists them)",
			 pr->line, d->path, d->what, d->path, d->path);
		return -1;
	}
	return 0;
}

#define KPROBE_GLOB_MAX	1000	/* each kprobe costs a few ms to make */

/*
 * probe:GLOB: a kprobe on each function of available_filter_functions
 * (the functions ftrace can patch, which kprobes can too) it matches.
 */
static int kprobe_glob(struct probes *p, uint32_t index,
		       const struct dynspec *d, char *err, size_t errlen)
{
	const struct ktap_probe *pr = ktap_session_probe(p->s, index);
	char path[PATH_MAX], line[512], fn[256], name[300], base[300];
	struct target *dup;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/available_filter_functions",
		 tracefs_tracing_dir());
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "line %u: probe:%s: cannot list the kernel's functions (%s): %s",
			 pr->line, d->what, path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%255s", fn) != 1 || fnmatch(d->what, fn, 0))
			continue;
		if (++n > KPROBE_GLOB_MAX) {
			snprintf(err, errlen, "line %u: probe:%s matches more than %d functions: name fewer",
				 pr->line, d->what, KPROBE_GLOB_MAX);
			fclose(f);
			return -1;
		}
		snprintf(name, sizeof(name), "probe:%s%s", fn,
			 d->ret ? "%return" : "");
		snprintf(base, sizeof(base), "%s%s", fn,
			 d->ret ? "__return" : "");
		/* a name the kernel has twice (static functions) once */
		dup = find_target(p, p->group, base);
		if (dup && dup->probe == (int)index) {
			n--;
			continue;
		}
		if (add_dynamic(p, index, base, name, "kprobe_events",
				d->ret ? 'r' : 'p', "%s %s", fn, ret_args(d))) {
			snprintf(err, errlen, "out of memory");
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	if (!n) {
		snprintf(err, errlen, "line %u: probe:%s matches no kernel function (available_filter_functions)",
			 pr->line, d->what);
		return -1;
	}
	return 0;
}

static int resolve_kprobe(struct probes *p, uint32_t index,
			  const struct dynspec *d, char *err, size_t errlen)
{
	const struct ktap_probe *pr = ktap_session_probe(p->s, index);
	char name[300], base[300];

	if (!tracefs_file_exists(NULL, "kprobe_events")) {
		snprintf(err, errlen, "line %u: probe:%s: this kernel has no kprobes (no kprobe_events in tracefs)",
			 pr->line, d->what);
		return -1;
	}
	if (has_glob(d->what))
		return kprobe_glob(p, index, d, err, errlen);
	snprintf(name, sizeof(name), "probe:%s%s", d->what,
		 d->ret ? "%return" : "");
	snprintf(base, sizeof(base), "%s%s", d->what, d->ret ? "__return" : "");
	if (add_dynamic(p, index, base, name, "kprobe_events",
			d->ret ? 'r' : 'p', "%s %s", d->what, ret_args(d))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------ function tracer */

/*
 * ftrace:function /ip==GLOB [|| ip==GLOB ...]/: the functions for
 * set_ftrace_filter, or -1 if the filter is not of that form (the only
 * one whose meaning ftrace's filter and the VM's filter share).
 */
static int function_globs(const char *filter, struct target *t)
{
	const char *s = filter;
	int n = 0;

	for (;;) {
		char glob[256];
		size_t len;
		char **nf;

		s += strspn(s, " \t");
		if (strncmp(s, "ip", 2))
			return -1;
		s += 2 + strspn(s + 2, " \t");
		if (strncmp(s, "==", 2))
			return -1;
		s += 2 + strspn(s + 2, " \t");
		if (*s == '"') {
			len = strcspn(++s, "\"");
			if (s[len] != '"')
				return -1;
		} else {
			len = strcspn(s, " \t|");
		}
		if (!len || len >= sizeof(glob))
			return -1;
		memcpy(glob, s, len);
		glob[len] = '\0';
		s += len + (s[len] == '"');
		nf = realloc(t->funcs, (n + 2) * sizeof(*nf));
		if (!nf)
			return -1;
		t->funcs = nf;
		t->funcs[n] = strdup(glob);
		t->funcs[++n] = NULL;
		s += strspn(s, " \t");
		if (!*s)
			return 0;
		if (strncmp(s, "||", 2))
			return -1;
		s += 2;
	}
}

static int resolve_function(struct probes *p, const struct ktap_probe *pr,
			    char *err, size_t errlen)
{
	struct target *t;

	if (find_target(p, "ftrace", "function")) {
		snprintf(err, errlen, "line %u: trace ftrace:function: one function probe per script (join the functions: /ip==a* || ip==b*/)",
			 pr->line);
		return -1;
	}
	t = add_target(p, "ftrace", "function");
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (function_globs(pr->filter, t)) {
		snprintf(err, errlen, "line %u: trace ftrace:function needs a filter naming the functions: /ip==GLOB/, /ip==a* || ip==b*/ (tracing every function would swamp the machine)",
			 pr->line);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------- resolve */

static int resolve_def(struct probes *p, uint32_t index, const char *def,
		       char *err, size_t errlen)
{
	const struct ktap_probe *pr = ktap_session_probe(p->s, index);
	int sdt = !strncmp(def, "sdt:", 4);
	struct dynspec d;

	if (!strncmp(def, "probe:", 6) || sdt) {
		const char *rest = def + (sdt ? 4 : 6);
		int path = *rest == '/';

		if ((sdt && !path) || parse_dynspec(rest, path, &d)) {
			snprintf(err, errlen, "line %u: trace %s: expected %s",
				 pr->line, def, sdt ? "sdt:/path/to/file:name" :
				 "probe:symbol[%return], or probe:/path/to/file:symbol[%return]");
			return -1;
		}
		if (sdt)
			return resolve_sdt(p, index, &d, err, errlen);
		return path ? resolve_uprobe(p, index, &d, err, errlen) :
			      resolve_kprobe(p, index, &d, err, errlen);
	}
	if (!strcmp(def, "ftrace:function"))
		return resolve_function(p, pr, err, errlen);
	return resolve_tracepoints(p, pr, def, err, errlen);
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

/*
 * The function tracer of the instance, limited to the probe's functions:
 * ftrace's own filter is the probe's filter, so nothing else runs it.
 */
static int enable_function(struct tracefs_instance *inst, struct target *t,
			   char *err, size_t errlen)
{
	int i;

	for (i = 0; t->funcs[i]; i++) {
		if (tracefs_instance_file_append(inst, "set_ftrace_filter",
						 t->funcs[i]) < 0) {
			snprintf(err, errlen, "cannot trace function '%s' (set_ftrace_filter): %s",
				 t->funcs[i], errno == EINVAL ?
				 "no such function (available_filter_functions lists them)" :
				 strerror(errno));
			return -1;
		}
	}
	if (tracefs_instance_file_write(inst, "current_tracer", "function") < 0) {
		snprintf(err, errlen, "cannot start the function tracer: %s",
			 strerror(errno));
		return -1;
	}
	t->prefiltered = 1;
	return 0;
}

int probes_enable(struct probes *p, struct tracefs_instance *inst, char *err,
		  size_t errlen)
{
	int i;

	for (i = 0; i < p->n; i++) {
		struct target *t = &p->t[i];

		if (t->funcs) {
			if (enable_function(inst, t, err, errlen))
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

	if (find_target(p, system, event))
		return 0;
	there = exact(system, event);
	if (!there)
		return 0;
	free_list(there);
	t = add_target(p, system, event);
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

struct listing {
	FILE *out;
	const char *path;
};

static int list_function(void *arg, const char *name, uint64_t offset)
{
	struct listing *l = arg;

	fprintf(l->out, "probe:%s:%s\n", l->path, name);
	return 0;
}

static int list_note(void *arg, const struct elfsym_sdt *note)
{
	struct listing *l = arg;

	fprintf(l->out, "sdt:%s:%s:%s", l->path, note->provider, note->name);
	if (note->nargs)
		fprintf(l->out, "\t%s", note->fetchargs);
	fputc('\n', l->out);
	return 0;
}

int probes_list(int what, const char *arg, FILE *out, char *err,
		size_t errlen)
{
	char abs[PATH_MAX];
	struct listing l = { out, arg };

	/* EVENTDEFs name files by absolute paths */
	if (arg && what != 'e' && realpath(arg, abs))
		l.path = abs;
	switch (what) {
	case 'e':
		return list_tracepoints(arg ? arg : "*:*", out, err, errlen);
	case 'f':
		return elfsym_functions(arg, NULL, list_function, &l, err,
					errlen) ? -1 : 0;
	default:
		return elfsym_sdt_notes(arg, NULL, list_note, &l, err,
					errlen) ? -1 : 0;
	}
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

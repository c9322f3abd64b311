// SPDX-License-Identifier: GPL-2.0
/*
 * dynprobes.c - the EVENTDEFs that make events: uprobes and USDT probes
 * (symbols and notes from the ELF file), kprobes, and the function
 * tracer; and the -lf and -lm listings.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes_int.h"
#include "../host/elfsym.h"

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
	for (k = 1; target_find(p, p->group, ev); k++)
		snprintf(ev + n, sizeof(ev) - n, "_%d", k);
	t = target_add(p, p->group, ev);
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
	return target_add_filter(t, ktap_session_probe(p->s, index)->filter);
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

/*
 * How a walk over an ELF file's functions or notes ended: its error
 * (@why, -1), out of memory (another non-zero @r), or nothing matched.
 */
static int walk_done(int r, const struct uprobing *u, const char *why,
		     const char *kind, const char *what, char lister, char *err,
		     size_t errlen)
{
	const struct ktap_probe *pr = ktap_session_probe(u->p->s, u->index);
	const struct dynspec *d = u->d;

	free(u->seen);
	if (r == -1)
		snprintf(err, errlen, "line %u: %s", pr->line, why);
	else if (r)
		snprintf(err, errlen, "out of memory");
	else if (!u->n)
		snprintf(err, errlen, "line %u: %s:%s:%s: no such %s in %s (ktap -l%c %s lists them)",
			 pr->line, kind, d->path, d->what, what, d->path,
			 lister, d->path);
	return r || !u->n ? -1 : 0;
}

static int resolve_uprobe(struct probes *p, uint32_t index,
			  const struct dynspec *d, char *err, size_t errlen)
{
	struct uprobing u = { p, index, d, 0, NULL };
	char why[PATH_MAX + 600] = "";
	uint64_t off;
	char *end;
	int r;

	if (!strncmp(d->what, "0x", 2)) {
		off = strtoull(d->what, &end, 16);
		r = *end ? -1 : add_uprobe(&u, d->what, off) ? 1 : 0;
		if (*end)
			snprintf(why, sizeof(why), "probe:%s:%s: not an offset",
				 d->path, d->what);
	} else {
		r = elfsym_functions(d->path, strcmp(d->what, "*") ? d->what : NULL,
				     add_uprobe, &u, why, sizeof(why));
	}
	return walk_done(r, &u, why, "probe", "function", 'f', err, errlen);
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
	struct uprobing u = { p, index, d, 0, NULL };
	char why[PATH_MAX + 600] = "";
	int r;

	r = elfsym_sdt_notes(d->path, strcmp(d->what, "*") ? d->what : NULL,
			     add_sdt, &u, why, sizeof(why));
	return walk_done(r, &u, why, "sdt", "SDT note", 'm', err, errlen);
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
		dup = target_find(p, p->group, base);
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
	if (probes_has_glob(d->what))
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

	if (target_find(p, "ftrace", "function")) {
		snprintf(err, errlen, "line %u: trace ftrace:function: one function probe per script (join the functions: /ip==a* || ip==b*/)",
			 pr->line);
		return -1;
	}
	t = target_add(p, "ftrace", "function");
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


int dynprobes_resolve(struct probes *p, uint32_t index, const char *def,
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
	return 1;
}

/*
 * The function tracer of the instance, limited to the probe's functions:
 * ftrace's own filter is the probe's filter, so nothing else runs it.
 */
int dynprobes_enable_function(struct tracefs_instance *inst,
			       struct target *t, char *err, size_t errlen)
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

int dynprobes_list(int what, const char *path, FILE *out, char *err,
		   size_t errlen)
{
	struct listing l = { out, path };

	if (what == 'f')
		return elfsym_functions(path, NULL, list_function, &l, err,
					errlen) ? -1 : 0;
	return elfsym_sdt_notes(path, NULL, list_note, &l, err, errlen) ?
	       -1 : 0;
}

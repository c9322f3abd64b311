// SPDX-License-Identifier: GPL-2.0
/*
 * kevents_tracefs.c - the kernel VM's events in a minimal ktap (make
 * MINIMAL=1, make cross), linked instead of probes.c and kevents.c: a
 * script's tracepoints found by walking tracefs, their ids and fields read
 * from the format files (what libtraceevent parses for kevents.c), and its
 * tick and profile timers.  So a static ktap on a board runs tracepoint
 * and timer probes in ktapvm.ko; the probes that make dynamic events
 * (kprobes, uprobes, USDT, the function tracer) need libtracefs and are
 * refused.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kevents.h"
#include "live.h"
#include "probes.h"

#define TRACING		"/sys/kernel/tracing"
#define EVENTS		TRACING "/events"

/* One tracepoint a probe traces. */
struct tracepoint {
	uint32_t probe;
	char system[64], event[128];
};

struct probes {
	struct tracepoint *tp;
	int n;
};

int live_mount_tracefs(char *err, size_t errlen)
{
	struct stat st;

	if (!stat(EVENTS, &st) ||
	    (!mount("nodev", TRACING, "tracefs", 0, NULL) && !stat(EVENTS, &st)))
		return 0;
	snprintf(err, errlen, "cannot mount tracefs on " TRACING ": %s%s",
		 strerror(errno), errno == EPERM ? " (probes need root)" : "");
	return -1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether @dir/@name is a folder (tracefs fills d_type; stat if not). */
static int is_dir(const char *dir, const struct dirent *e)
{
	char path[512];
	struct stat st;

	if (e->d_type != DT_UNKNOWN)
		return e->d_type == DT_DIR;
	snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* The subfolders of @dir, sorted (the order `ktap -le` lists them in). */
static char **subdirs(const char *dir, int *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, **nn;

	*n = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || !is_dir(dir, e))
			continue;
		nn = realloc(names, (*n + 1) * sizeof(*names));
		if (!nn)
			break;
		names = nn;
		names[*n] = strdup(e->d_name);
		if (names[*n])
			(*n)++;
	}
	if (d)
		closedir(d);
	if (names)
		qsort(names, (size_t)*n, sizeof(*names), by_name);
	return names;
}

static void free_names(char **names, int n)
{
	while (n > 0)
		free(names[--n]);
	free(names);
}

static int add(struct probes *p, uint32_t probe, const char *sys,
	       const char *ev)
{
	struct tracepoint *nt = realloc(p->tp, (p->n + 1) * sizeof(*nt));

	if (!nt)
		return -1;
	p->tp = nt;
	nt = &p->tp[p->n++];
	nt->probe = probe;
	snprintf(nt->system, sizeof(nt->system), "%s", sys);
	snprintf(nt->event, sizeof(nt->event), "%s", ev);
	return 0;
}

/*
 * The tracepoints of EVENTDEF @def ("sys:event", globs, fetchargs after
 * a blank) of probe @q, matched by the library's own rule; a glob over
 * systems leaves out ktap's private ones, as probes.c does.  The number
 * found, or -1.
 */
static int resolve_def(struct probes *p, uint32_t q, const char *def)
{
	struct ktap_probe one = { .kind = KTAP_PROBE_TRACE, .nevents = 1 };
	size_t slen = strcspn(def, ":");
	int sysglob = strcspn(def, "*?[") < slen;
	char path[512], **systems, **events;
	int i, j, ns, ne, found = 0;

	one.events = &def;
	systems = subdirs(EVENTS, &ns);
	for (i = 0; i < ns && found >= 0; i++) {
		if (sysglob && (!strcmp(systems[i], "ftrace") ||
				!strncmp(systems[i], "ktap_", 5)))
			continue;
		if (!sysglob && (strlen(systems[i]) != slen ||
				 strncmp(systems[i], def, slen)))
			continue;
		snprintf(path, sizeof(path), EVENTS "/%s", systems[i]);
		events = subdirs(path, &ne);
		for (j = 0; j < ne && found >= 0; j++) {
			if (!ktap_probe_match(&one, systems[i], events[j], -1))
				continue;
			found = add(p, q, systems[i], events[j]) ? -1 : found + 1;
		}
		free_names(events, ne);
	}
	free_names(systems, ns);
	return found;
}

struct probes *probes_resolve(struct ktap_session *s, char *err,
			      size_t errlen)
{
	struct probes *p = calloc(1, sizeof(*p));
	uint32_t q, j;
	int n;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (q = 0; q < ktap_session_probe_count(s); q++) {
		const struct ktap_probe *pr = ktap_session_probe(s, q);

		if (pr->kind != KTAP_PROBE_TRACE)
			continue;
		for (j = 0; j < pr->nevents; j++) {
			const char *def = pr->events[j];

			if (!strncmp(def, "probe:", 6) || !strncmp(def, "sdt:", 4) ||
			    !strcmp(def, "ftrace:function")) {
				snprintf(err, errlen, "line %u: trace %s: kprobes, uprobes, USDT and the function tracer need libtracefs, which this minimal ktap is built without (make MINIMAL=1, make cross)",
					 pr->line, def);
				goto fail;
			}
			n = resolve_def(p, q, def);
			if (n < 0) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			if (!n) {
				snprintf(err, errlen, "line %u: trace %s: no such event in this kernel",
					 pr->line, def);
				goto fail;
			}
		}
	}
	return p;
fail:
	probes_free(p);
	return NULL;
}

/* Tracepoints are there already: nothing to make. */
int probes_create(struct probes *p, char *err, size_t errlen)
{
	return 0;
}

int probes_count(const struct probes *p)
{
	return p->n;
}

void probes_free(struct probes *p)
{
	if (p)
		free(p->tp);
	free(p);
}

/* ------------------------------------------------------ event formats */

/* The element size of "__data_loc TYPE[] name" (the format gives none). */
static uint16_t elem_size(const char *decl, const char *name)
{
	static const struct { const char *word; uint16_t size; } types[] = {
		{ "64", 8 }, { "long", 8 }, { "32", 4 }, { "int", 4 },
		{ "16", 2 }, { "short", 2 }, { "8", 1 }, { "char", 1 },
	};
	size_t i, len = (size_t)(name - decl);

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (memmem(decl, len, types[i].word, strlen(types[i].word)))
			return types[i].size;
	}
	return 0;
}

/*
 * One "field:TYPE NAME[N];\toffset:O;\tsize:S;\tsigned:G;" line of a
 * format file into @f.  0, or -1 for a line that is not a field.
 */
static int parse_field(const char *line, struct ktapvm_field *f)
{
	const char *decl = strstr(line, "field:"), *semi, *end, *name;
	unsigned int offset, size, sign, n = 0;
	int array = 0;

	if (!decl || !(semi = strchr(decl, ';')))
		return -1;
	decl += 6;
	if (sscanf(semi, ";\toffset:%u;\tsize:%u;\tsigned:%u;", &offset,
		   &size, &sign) != 3)
		return -1;
	/* the name is the last word, before a [N] of its own */
	end = semi;
	if (end > decl && end[-1] == ']') {
		while (end > decl && *end != '[')
			end--;
		n = (unsigned int)strtoul(end + 1, NULL, 10);
		array = 1;
	}
	for (name = end; name > decl && name[-1] != ' '; name--)
		;
	memset(f, 0, sizeof(*f));
	if (end == name || (size_t)(end - name) >= sizeof(f->name))
		return -1;
	memcpy(f->name, name, (size_t)(end - name));
	f->offset = (uint16_t)offset;
	f->size = (uint16_t)size;
	if (sign)
		f->flags |= KTAPVM_FIELD_SIGNED;
	if (!strncmp(decl, "__data_loc ", 11))
		f->flags |= KTAPVM_FIELD_DYNAMIC;
	else if (!strncmp(decl, "__rel_loc ", 10))
		f->flags |= KTAPVM_FIELD_DYNAMIC | KTAPVM_FIELD_RELATIVE;
	if (array || (f->flags & KTAPVM_FIELD_DYNAMIC)) {
		/* arrays of a char type are text, as tep_view_is_text()
		 * decides for the other hosts; u8 arrays are arrays */
		if (memmem(decl, (size_t)(name - decl), "char", 4))
			f->flags |= KTAPVM_FIELD_STRING;
		else
			f->flags |= KTAPVM_FIELD_ARRAY;
		if (array)
			f->elem_size = (uint16_t)(n ? size / n : size);
		else
			f->elem_size = elem_size(decl, name);
	}
	return 0;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* @e's id and fields (after the common ones, in format order: argN). */
static int describe(struct ktapvm_event *e, const struct tracepoint *t,
		    struct ktapvm_field **all, int *nall, char *err,
		    size_t errlen)
{
	char path[512], *fmt, *line, *next;
	int common = 1;

	snprintf(path, sizeof(path), EVENTS "/%s/%s/id", t->system, t->event);
	fmt = read_text(path);
	if (!fmt) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	e->id = strtoull(fmt, NULL, 10);
	free(fmt);
	snprintf(path, sizeof(path), EVENTS "/%s/%s/format", t->system,
		 t->event);
	fmt = read_text(path);
	if (!fmt) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	e->fields = (uint64_t)*nall;	/* an index until the array is final */
	/* the common fields come first, then an empty line */
	for (line = fmt; *line && e->nfields < KTAPVM_MAX_FIELDS; line = next) {
		struct ktapvm_field f, *na;

		next = strchr(line, '\n');
		if (!next)
			next = line + strlen(line);
		else
			*next++ = '\0';
		if (!*line)
			common = 0;
		if (common || parse_field(line, &f))
			continue;
		na = realloc(*all, (*nall + 1) * sizeof(*na));
		if (!na) {
			free(fmt);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		*all = na;
		na[(*nall)++] = f;
		e->nfields++;
	}
	free(fmt);
	return 0;
}

int kevents_build(struct kevents *k, struct ktap_session *s,
		  struct probes *p, char *err, size_t errlen)
{
	struct ktapvm_event *e;
	char name[200];
	int i, nall = 0;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < p->n; i++) {
		snprintf(name, sizeof(name), "%s:%s", p->tp[i].system,
			 p->tp[i].event);
		e = kevents_add(k, KTAPVM_EVENT_TRACEPOINT, p->tp[i].probe, 0, 0,
				name);
		if (!e) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (describe(e, &p->tp[i], &k->fields, &nall, err, errlen))
			goto fail;
	}
	if (kevents_finish(k, s)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return 0;
fail:
	kevents_free(k);
	return -1;
}

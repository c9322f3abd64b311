// SPDX-License-Identifier: GPL-2.0
/*
 * fixture-facts.c - print what a trace.dat holds, as plain "key ... value"
 * lines, for the NAME.facts files in tests/data/ (built and run by make-fixtures.sh).
 *
 *   fixture-facts FILE [-f EVENT:FIELD]...
 *
 * Every buffer (the top-level one is called "top", instances by their
 * name) is read with tracecmd_iterate_events() in timestamp order, so the
 * numbers are what a reader of the file sees:
 *
 *   buffer BUF records N first_ts NS last_ts NS missed N
 *   cpu BUF CPU N                        records per CPU
 *   event BUF SYS:NAME N                 records per event
 *   event_cpu BUF SYS:NAME CPU N         records per event and CPU
 *   task BUF SYS:NAME COMM PID N         records per event and task (the
 *                                        comm is the saved cmdline of the
 *                                        record's common_pid, as trace-cmd
 *                                        report shows it)
 *   field BUF SYS:NAME FIELD VALUE N     values of the fields given with -f
 *                                        (strings in double quotes, pointers
 *                                        in hex, =SYMBOL if the file's
 *                                        kallsyms knows it)
 *
 * Timestamps are in nanoseconds. Output is unsorted; the script sorts it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <trace-cmd/trace-cmd.h>
#include <event-parse.h>

struct count {
	char *key;
	unsigned long long n;
};

static struct count *counts;
static size_t ncounts, capcounts;

static void bump(const char *key)
{
	size_t i;

	/* fixtures are small: a linear search over a few hundred keys */
	for (i = 0; i < ncounts; i++) {
		if (strcmp(counts[i].key, key) == 0) {
			counts[i].n++;
			return;
		}
	}
	if (ncounts == capcounts) {
		capcounts = capcounts ? 2 * capcounts : 256;
		counts = realloc(counts, capcounts * sizeof(*counts));
		if (!counts) {
			perror("realloc");
			exit(1);
		}
	}
	counts[ncounts].key = strdup(key);
	counts[ncounts].n = 1;
	ncounts++;
}

struct fieldspec {
	const char *event;
	const char *field;
};

static struct fieldspec *fields;
static int nfields;

struct bufstate {
	const char *name;
	unsigned long long records, first, last, missed;
};

static void str_value(char *out, size_t outsz, const char *p, int len)
{
	size_t o = 0;
	int i;

	out[o++] = '"';
	for (i = 0; i < len && p[i] && o + 5 < outsz; i++) {
		unsigned char c = p[i];

		if (c < 32 || c > 126 || c == '"' || c == '\\')
			o += snprintf(out + o, outsz - o, "\\x%02x", c);
		else
			out[o++] = c;
	}
	out[o++] = '"';
	out[o] = '\0';
}

static int cb(struct tracecmd_input *h, struct tep_record *rec, int cpu,
	      void *data)
{
	struct bufstate *b = data;
	struct tep_handle *tep = tracecmd_get_tep(h);
	struct tep_event *ev = tep_find_event_by_record(tep, rec);
	char key[1024], ename[256], val[512];
	const char *comm;
	int pid, i;

	if (b->records == 0)
		b->first = rec->ts;
	b->last = rec->ts;
	b->records++;
	if (rec->missed_events)
		b->missed++;

	snprintf(ename, sizeof(ename), "%s:%s", ev ? ev->system : "?",
		 ev ? ev->name : "?");
	pid = tep_data_pid(tep, rec);
	comm = tep_data_comm_from_pid(tep, pid);

	snprintf(key, sizeof(key), "cpu %s %d", b->name, cpu);
	bump(key);
	snprintf(key, sizeof(key), "event %s %s", b->name, ename);
	bump(key);
	snprintf(key, sizeof(key), "event_cpu %s %s %d", b->name, ename, cpu);
	bump(key);
	snprintf(key, sizeof(key), "task %s %s %s %d", b->name, ename,
		 comm ? comm : "?", pid);
	bump(key);

	for (i = 0; ev && i < nfields; i++) {
		struct tep_format_field *f;

		if (strcmp(fields[i].event, ev->name) != 0 &&
		    strcmp(fields[i].event, ename) != 0)
			continue;
		f = tep_find_field(ev, fields[i].field);
		if (!f)
			continue;
		if (f->flags & TEP_FIELD_IS_STRING) {
			int len;
			const char *p = tep_get_field_raw(NULL, ev, f->name,
							  rec, &len, 0);

			if (!p)
				continue;
			str_value(val, sizeof(val), p, len);
		} else {
			unsigned long long v;

			if (tep_read_number_field(f, rec->data, &v) != 0)
				continue;
			if (f->flags & TEP_FIELD_IS_POINTER) {
				const char *fn = tep_find_function(tep, v);

				snprintf(val, sizeof(val), "0x%llx%s%s", v,
					 fn ? "=" : "", fn ? fn : "");
			} else if (f->flags & TEP_FIELD_IS_SIGNED) {
				long long sv;

				switch (f->size) {
				case 1: sv = (signed char)v; break;
				case 2: sv = (short)v; break;
				case 4: sv = (int)v; break;
				default: sv = (long long)v; break;
				}
				snprintf(val, sizeof(val), "%lld", sv);
			} else {
				snprintf(val, sizeof(val), "%llu", v);
			}
		}
		snprintf(key, sizeof(key), "field %s %s %s %s", b->name,
			 ename, f->name, val);
		bump(key);
	}
	return 0;
}

static int read_buffer(struct tracecmd_input *h, const char *name)
{
	struct bufstate b = { .name = name };

	if (tracecmd_iterate_events(h, NULL, 0, cb, &b) < 0) {
		fprintf(stderr, "fixture-facts: cannot read buffer %s\n", name);
		return -1;
	}
	printf("buffer %s records %llu first_ts %llu last_ts %llu missed %llu\n",
	       name, b.records, b.first, b.last, b.missed);
	return 0;
}

int main(int argc, char **argv)
{
	struct tracecmd_input *h;
	int i, n, ret = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: fixture-facts FILE [-f EVENT:FIELD]...\n");
		return 2;
	}
	fields = calloc(argc, sizeof(*fields));
	for (i = 2; i < argc; i++) {
		char *colon;

		if (strcmp(argv[i], "-f") != 0 || i + 1 >= argc ||
		    !(colon = strrchr(argv[i + 1], ':'))) {
			fprintf(stderr, "fixture-facts: bad argument '%s'\n",
				argv[i]);
			return 2;
		}
		*colon = '\0';
		fields[nfields].event = argv[i + 1];
		fields[nfields].field = colon + 1;
		nfields++;
		i++;
	}

	tracecmd_set_loglevel(TEP_LOG_NONE);
	h = tracecmd_open(argv[1], TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!h) {
		fprintf(stderr, "fixture-facts: cannot open %s\n", argv[1]);
		return 1;
	}
	if (read_buffer(h, "top") < 0)
		ret = 1;
	n = tracecmd_buffer_instances(h);
	for (i = 0; i < n; i++) {
		struct tracecmd_input *ih = tracecmd_buffer_instance_handle(h, i);
		const char *name = tracecmd_buffer_instance_name(h, i);

		if (!ih) {
			fprintf(stderr, "fixture-facts: cannot open buffer %s\n",
				name);
			ret = 1;
			continue;
		}
		if (read_buffer(ih, name) < 0)
			ret = 1;
		tracecmd_close(ih);
	}
	for (i = 0; i < (int)ncounts; i++)
		printf("%s %llu\n", counts[i].key, counts[i].n);
	tracecmd_close(h);
	return ret;
}

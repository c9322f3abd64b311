// SPDX-License-Identifier: GPL-2.0
/*
 * tep_view.c - records of libtraceevent as ktap events.
 *
 * Per event type (looked up by id, built on first sight): its "sys:event"
 * name, its fields in format order (argN), and the probes that declare it.
 * Per record: a struct ktap_event whose callbacks read fields from the
 * record on demand, so an event pays only for what its handler uses.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tep_view.h"

struct evtype {
	struct tep_event *event;
	char *name;			/* "sys:event" */
	struct tep_format_field **fields;	/* non-common, format order */
	int nfields;
	uint32_t *probes;		/* matching probe indexes */
	uint32_t nprobes;
};

#define COMM_CACHE	256	/* pids whose comm was looked up, direct-mapped */

struct tep_view {
	struct tep_handle *tep;
	struct ktap_session *s;
	struct evtype **types;		/* by event id */
	int ntypes;
	struct {
		int pid;
		const char *comm;
	} comms[COMM_CACHE];
	/* common_type and common_pid, the same in every event */
	int type_off, type_size, pid_off, pid_size;
	int swap;			/* the recording's byte order differs */
	struct tep_view_stats stats;
	struct trace_seq seq;
	void *scratch;			/* arrays converted to host order */
	size_t scratch_size;
};

/* What ev->data points to while a record is being handled. */
struct current {
	struct tep_view *v;
	struct evtype *t;
	struct tep_record *rec;
	const struct tep_view_task *task;	/* or NULL */
};

struct tep_view *tep_view_new(struct tep_handle *tep, struct ktap_session *s)
{
	struct tep_view *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->tep = tep;
	v->s = s;
	v->swap = tep_is_file_bigendian(tep) != tep_is_local_bigendian(tep);
	trace_seq_init(&v->seq);
	return v;
}

void tep_view_free(struct tep_view *v)
{
	int i;

	if (!v)
		return;
	for (i = 0; i < v->ntypes; i++) {
		struct evtype *t = v->types[i];

		if (!t)
			continue;
		free(t->name);
		free(t->fields);
		free(t->probes);
		free(t);
	}
	free(v->types);
	free(v->scratch);
	trace_seq_destroy(&v->seq);
	free(v);
}

static struct evtype *build_type(struct tep_view *v, struct tep_event *event)
{
	struct evtype *t = calloc(1, sizeof(*t));
	uint32_t i, n = ktap_session_probe_count(v->s);

	if (!t)
		return NULL;
	t->event = event;
	t->name = malloc(strlen(event->system) + strlen(event->name) + 2);
	t->probes = calloc(n ? n : 1, sizeof(*t->probes));
	t->fields = tep_event_fields(event);
	if (!t->name || !t->probes) {
		free(t->name);
		free(t->probes);
		free(t->fields);
		free(t);
		return NULL;
	}
	sprintf(t->name, "%s:%s", event->system, event->name);
	while (t->fields && t->fields[t->nfields])
		t->nfields++;
	for (i = 0; i < n; i++) {
		if (ktap_probe_match(ktap_session_probe(v->s, i), event->system,
				     event->name, event->id))
			t->probes[t->nprobes++] = i;
	}
	return t;
}

/* Learn where the common fields are from the first event seen. */
static void learn_common(struct tep_view *v, struct tep_event *event)
{
	struct tep_format_field *t = tep_find_common_field(event, "common_type");
	struct tep_format_field *p = tep_find_common_field(event, "common_pid");

	if (!t || !p)
		return;
	v->type_off = t->offset;
	v->type_size = t->size;
	v->pid_off = p->offset;
	v->pid_size = p->size;
}

static struct evtype *get_type(struct tep_view *v, struct tep_event *event)
{
	int id = event->id;

	if (id < 0)
		return NULL;
	if (id >= v->ntypes) {
		int n = id + 64;
		struct evtype **nt = realloc(v->types, n * sizeof(*nt));

		if (!nt)
			return NULL;
		memset(nt + v->ntypes, 0, (n - v->ntypes) * sizeof(*nt));
		v->types = nt;
		v->ntypes = n;
	}
	if (!v->types[id]) {
		if (!v->type_size)
			learn_common(v, event);
		v->types[id] = build_type(v, event);
	}
	return v->types[id];
}

int tep_view_bind(struct tep_view *v, struct tep_event *event, uint32_t probe,
		  const char *name)
{
	struct evtype *t = get_type(v, event);
	char *n = strdup(name);
	uint32_t i;

	if (!t || !n) {
		free(n);
		return -1;
	}
	free(t->name);
	t->name = n;
	for (i = 0; i < t->nprobes; i++) {
		if (t->probes[i] == probe)
			return 0;
	}
	/* build_type() sized the list for every probe of the session */
	t->probes[t->nprobes++] = probe;
	return 0;
}

int tep_view_wanted(struct tep_view *v, struct tep_event *event)
{
	struct evtype *t = get_type(v, event);

	return t && t->nprobes;
}

void tep_view_stats(const struct tep_view *v, struct tep_view_stats *st)
{
	*st = v->stats;
}

/* ------------------------------------------------------------ fields */

static int scratch(struct tep_view *v, size_t size)
{
	void *p;

	if (size <= v->scratch_size)
		return 0;
	p = realloc(v->scratch, size);
	if (!p)
		return -1;
	v->scratch = p;
	v->scratch_size = size;
	return 0;
}

/* Where a field's bytes are in @rec, and how many; -1 if outside it. */
static int field_bytes(struct tep_view *v, struct tep_record *rec,
		       struct tep_format_field *f, const char **p,
		       size_t *len)
{
	unsigned int off = (unsigned int)f->offset, n = (unsigned int)f->size;

	if (f->flags & TEP_FIELD_IS_DYNAMIC) {
		unsigned long long loc;

		if (off + n > (unsigned int)rec->size)
			return -1;
		loc = tep_read_number(v->tep, (char *)rec->data + off, n);
		/* __rel_loc counts from the end of the field */
		off = (loc & 0xffff) +
		      (f->flags & TEP_FIELD_IS_RELATIVE ? off + n : 0);
		n = (unsigned int)(loc >> 16);
	} else if (n == 0 && (f->flags & TEP_FIELD_IS_ARRAY)) {
		/* a trailing char buf[] runs to the end of the record */
		n = off < (unsigned int)rec->size ?
		    (unsigned int)rec->size - off : 0;
	}
	if ((unsigned long)off + n > (unsigned long)rec->size)
		return -1;
	*p = (const char *)rec->data + off;
	*len = n;
	return 0;
}

int tep_view_is_text(const struct tep_format_field *f)
{
	return (f->flags & TEP_FIELD_IS_STRING) && f->type &&
	       strstr(f->type, "char");
}

static int read_field(struct tep_view *v, struct tep_record *rec,
		      struct tep_format_field *f, struct ktap_field *out)
{
	const char *p;
	size_t len, i;

	memset(out, 0, sizeof(*out));
	if (field_bytes(v, rec, f, &p, &len))
		return -1;
	if (tep_view_is_text(f)) {
		out->type = KTAP_FIELD_STRING;
		out->str = p;
		out->len = strnlen(p, len);
		return 0;
	}
	if (f->flags & TEP_FIELD_IS_ARRAY) {
		unsigned int es = f->elementsize;
		char *dst;

		if (es != 1 && es != 2 && es != 4 && es != 8)
			return -1;
		if (scratch(v, len ? len : 1))
			return -1;
		dst = v->scratch;
		/* in the recording's byte order: convert each element */
		for (i = 0; i + es <= len; i += es) {
			unsigned long long e = tep_read_number(v->tep, p + i, es);

			switch (es) {
			case 1: dst[i] = (char)e; break;
			case 2: *(uint16_t *)(dst + i) = (uint16_t)e; break;
			case 4: *(uint32_t *)(dst + i) = (uint32_t)e; break;
			default: *(uint64_t *)(dst + i) = e; break;
			}
		}
		out->type = KTAP_FIELD_ARRAY;
		out->array = dst;
		out->len = len / es;
		out->elem_size = (uint8_t)es;
		out->is_signed = !!(f->flags & TEP_FIELD_IS_SIGNED);
		return 0;
	}
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return -1;
	{
		unsigned long long n = tep_read_number(v->tep, p, (int)len);

		/* sign-extend the narrow signed fields */
		if ((f->flags & TEP_FIELD_IS_SIGNED) && len < 8 &&
		    (n & (1ULL << (len * 8 - 1))))
			n |= ~0ULL << (len * 8);
		out->type = KTAP_FIELD_INT;
		out->num = (int64_t)n;
	}
	return 0;
}

static int ev_field(const struct ktap_event *ev, int index,
		    struct ktap_field *out)
{
	const struct current *c = ev->data;

	if (index < 0 || index >= c->t->nfields)
		return -1;
	return read_field(c->v, c->rec, c->t->fields[index], out);
}

static int ev_field_by_name(const struct ktap_event *ev, const char *name,
			    struct ktap_field *out)
{
	const struct current *c = ev->data;
	struct tep_format_field *f = tep_find_any_field(c->t->event, name);

	if (!f)
		return -1;
	return read_field(c->v, c->rec, f, out);
}

static const char *ev_field_name(const struct ktap_event *ev, int index)
{
	const struct current *c = ev->data;

	return index >= 0 && index < c->t->nfields ?
	       c->t->fields[index]->name : NULL;
}

/*
 * argstr is the event's own print format, as the kernel's trace file shows
 * it -- not the text a trace-cmd plugin may put there -- so every host
 * gives the same string.
 */
static int ev_format(const struct ktap_event *ev, char *buf, size_t size)
{
	const struct current *c = ev->data;
	struct trace_seq *s = &c->v->seq;
	struct tep_event *event = c->t->event;
	tep_event_handler_func h = event->handler;

	trace_seq_reset(s);
	event->handler = NULL;
	tep_print_event(c->v->tep, s, c->rec, "%s", TEP_PRINT_INFO);
	event->handler = h;
	trace_seq_terminate(s);
	if (s->state != TRACE_SEQ__GOOD)
		return -1;
	snprintf(buf, size, "%s", s->buffer);
	return (int)s->len;
}

/* execname: the saved cmdline, remembered (a lookup is a bsearch) */
static const char *ev_comm(const struct ktap_event *ev)
{
	const struct current *c = ev->data;
	int pid = ev->task.pid;
	unsigned int slot = (unsigned int)pid % COMM_CACHE;
	struct tep_view *v = c->v;

	if (c->task)
		return c->task->comm_fn ? c->task->comm_fn(c->task->arg) : NULL;
	if (!v->comms[slot].comm || v->comms[slot].pid != pid) {
		v->comms[slot].pid = pid;
		v->comms[slot].comm = tep_data_comm_from_pid(v->tep, pid);
	}
	return v->comms[slot].comm;
}

static const struct ktap_event_ops tep_event_ops = {
	.field = ev_field,
	.field_by_name = ev_field_by_name,
	.format = ev_format,
	.field_name = ev_field_name,
	.comm = ev_comm,
};

/*
 * A common field of @rec, read directly: this runs for every record, and
 * libtraceevent's general readers cost more than the rest of the path.
 */
static inline int common_field(struct tep_view *v, struct tep_record *rec,
			       int off, int size, unsigned long long *val)
{
	uint16_t u16;
	uint32_t u32;

	if (off + size > rec->size)
		return -1;
	if (v->swap || (size != 2 && size != 4)) {
		*val = tep_read_number(v->tep, (char *)rec->data + off, size);
	} else if (size == 2) {
		memcpy(&u16, (char *)rec->data + off, 2);
		*val = u16;
	} else {
		memcpy(&u32, (char *)rec->data + off, 4);
		*val = u32;
	}
	return 0;
}

int tep_view_fire(struct tep_view *v, struct tep_record *rec)
{
	return tep_view_fire_task(v, rec, NULL);
}

int tep_view_fire_task(struct tep_view *v, struct tep_record *rec,
		       const struct tep_view_task *task)
{
	struct tep_event *event;
	struct current c = { .v = v, .rec = rec, .task = task };
	struct ktap_event ev;
	unsigned long long pid = 0, type;
	uint32_t i;
	int id;

	if (rec->missed_events > 0)
		v->stats.lost += (unsigned long long)rec->missed_events;
	else if (rec->missed_events < 0)
		v->stats.lost_unknown = 1;
	if (v->type_size && !common_field(v, rec, v->type_off, v->type_size,
					  &type))
		id = (int)type;
	else
		id = tep_data_type(v->tep, rec);
	if (id >= 0 && id < v->ntypes && v->types[id]) {
		c.t = v->types[id];
	} else {
		event = tep_find_event(v->tep, id);
		if (!event) {
			v->stats.unknown++;
			return 0;
		}
		c.t = get_type(v, event);
	}
	if (!c.t || !c.t->nprobes)
		return 0;
	ev.ops = &tep_event_ops;
	ev.data = &c;
	ev.name = c.t->name;
	ev.timestamp = rec->ts;
	ev.task.cpu = rec->cpu;
	ev.task.uid = -1;
	ev.prefiltered = task && task->prefiltered;
	if (task) {
		ev.task.pid = task->pid;
		ev.task.tid = task->tid;
		ev.task.comm = task->comm;
	} else {
		if (v->pid_size)
			common_field(v, rec, v->pid_off, v->pid_size, &pid);
		ev.task.pid = (int)pid;
		ev.task.tid = (int)pid;
		ev.task.comm = NULL;	/* looked up only if asked: ev_comm */
	}
	for (i = 0; i < c.t->nprobes; i++) {
		if (ktap_session_fire(v->s, c.t->probes[i], &ev))
			return -1;
	}
	return 0;
}

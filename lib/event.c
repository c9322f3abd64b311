// SPDX-License-Identifier: GPL-2.0
/*
 * event.c - the current event as the language sees it.
 */
#include "event.h"
#include "fmt.h"
#include "opcodes.h"
#include "str.h"
#include "tab.h"

static int no_event(struct ktap_session *S, const char *what)
{
	return kp_error(S, "'%s' is only available in a probe handler (there is no current event)",
			what);
}

/* Outside handlers: the host's own current task, if it has one. */
static int current_task(struct ktap_session *S, struct ktap_task *t,
			const char *what)
{
	if (S->pf.ops->current_task && !S->pf.ops->current_task(S->pf.ctx, t))
		return 0;
	return kp_error(S, "'%s' is not available in this host", what);
}

/* An array field: a table {1..n} of its elements. */
static int array_value(struct ktap_session *S, const struct ktap_field *f,
		       struct kp_value *res)
{
	const uint8_t *p = f->array;
	struct kp_tab *t = tab_new(S, (uint32_t)f->len, 0);
	size_t i;

	if (!t)
		return -1;
	set_tab(res, t);
	for (i = 0; i < f->len; i++, p += f->elem_size) {
		int8_t s8;
		int16_t s16;
		int32_t s32;
		int64_t v;

		/* records are packed: elements need not be aligned */
		switch (f->elem_size) {
		case 1:
			kp_memcpy(&s8, p, 1);
			v = f->is_signed ? (int64_t)s8 : (int64_t)(uint8_t)s8;
			break;
		case 2:
			kp_memcpy(&s16, p, 2);
			v = f->is_signed ? (int64_t)s16 : (int64_t)(uint16_t)s16;
			break;
		case 4:
			kp_memcpy(&s32, p, 4);
			v = f->is_signed ? (int64_t)s32 : (int64_t)(uint32_t)s32;
			break;
		default:
			kp_memcpy(&v, p, 8);
			break;
		}
		set_num(&t->arr[i], v);
	}
	t->count = f->len;
	return 0;
}

static int field_value(struct ktap_session *S, const struct ktap_field *f,
		       struct kp_value *res)
{
	struct kp_str *s;

	switch (f->type) {
	case KTAP_FIELD_ARRAY:
		return array_value(S, f, res);
	case KTAP_FIELD_INT:
		set_num(res, f->num);
		return 0;
	case KTAP_FIELD_STRING:
		s = str_new(S, f->str, f->len);
		if (!s)
			return -1;
		set_str(res, s);
		return 0;
	default:
		set_nil(res);
		return 0;
	}
}

int ev_format(struct ktap_session *S, struct kp_buf *b)
{
	const struct ktap_event *ev = S->ev;
	size_t room = 256;
	int n;

	if (!ev)
		return no_event(S, "argstr");
	for (;;) {
		if (buf_reserve(S, b, room))
			return -1;
		n = ev->ops->format(ev, b->p + b->len, b->cap - b->len);
		if (n < 0)
			return kp_error(S, "cannot format event '%s'", ev->name);
		if ((size_t)n < b->cap - b->len)
			break;
		room = (size_t)n + 1;
	}
	b->len += (size_t)n;
	return 0;
}

static int str_result(struct ktap_session *S, const char *p, size_t len,
		      struct kp_value *res)
{
	struct kp_str *s = str_new(S, p, len);

	if (!s)
		return -1;
	set_str(res, s);
	return 0;
}

/*
 * execname: events come in runs from one task, so the previous event's
 * string is checked first -- a compare of a few bytes instead of hashing
 * and looking the name up again.
 */
static int comm_result(struct ktap_session *S, const char *c,
		       struct kp_value *res)
{
	struct kp_str *ts = S->last_comm;
	size_t len = kp_strlen(c);

	if (!ts || ts->len != len || kp_memcmp(ts->data, c, len)) {
		ts = str_new(S, c, len);
		if (!ts)
			return -1;
		S->last_comm = ts;
	}
	set_str(res, ts);
	return 0;
}

int ev_var_field(const struct ktap_event *ev, int which, struct ktap_field *f)
{
	f->type = KTAP_FIELD_INT;
	switch (which) {
	case EV_ARGSTR:
		return -1;
	case EV_EXECNAME:
	case EV_PROBENAME:
		f->type = KTAP_FIELD_STRING;
		f->str = which == EV_EXECNAME ? ktap_event_comm(ev) : ev->name;
		f->len = kp_strlen(f->str);
		return 0;
	case EV_CPU:
		f->num = ev->task.cpu;
		return 0;
	case EV_PID:
		f->num = ev->task.pid;
		return 0;
	case EV_TID:
		f->num = ev->task.tid;
		return 0;
	case EV_UID:
		f->num = ev->task.uid;
		return 0;
	case EV_TIMESTAMP:
		f->num = (int64_t)ev->timestamp;
		return 0;
	default:
		if (ev->ops->field(ev, which - EV_ARG0, f))
			f->type = KTAP_FIELD_NONE;
		return 0;
	}
}

int ev_var(struct ktap_session *S, int which, struct kp_value *res)
{
	const struct ktap_event *ev = S->ev;
	struct ktap_field f = { .type = KTAP_FIELD_NONE };
	struct ktap_task t;

	if (ev) {
		/* s[execname] += 1 is the commonest line of all */
		if (which == EV_EXECNAME)
			return comm_result(S, ktap_event_comm(ev), res);
		if (which == EV_ARGSTR) {
			S->tmp.len = 0;
			if (ev_format(S, &S->tmp))
				return -1;
			return str_result(S, S->tmp.p, S->tmp.len, res);
		}
		ev_var_field(ev, which, &f);
		return field_value(S, &f, res);
	}
	/* no event: the task variables are the host's current task's */
	switch (which) {
	case EV_CPU:
	case EV_PID:
	case EV_TID:
	case EV_UID:
	case EV_EXECNAME:
		if (current_task(S, &t, kp_evvar_names[which]))
			return -1;
		if (which == EV_EXECNAME)
			return comm_result(S, t.comm, res);
		set_num(res, which == EV_CPU ? t.cpu : which == EV_PID ? t.pid :
			     which == EV_TID ? t.tid : t.uid);
		return 0;
	default:
		return no_event(S, kp_evvar_names[which]);
	}
}

/* "event 'sched:sched_switch' has no field 'x' (fields: prev_comm, ...)" */
static int no_field(struct ktap_session *S, const struct ktap_event *ev,
		    const char *name)
{
	struct kp_buf *b = &S->tmp;
	const char *f;
	int i;

	b->len = 0;
	for (i = 0; ev->ops->field_name && (f = ev->ops->field_name(ev, i));
	     i++) {
		if ((i && buf_add(S, b, ", ", 2)) ||
		    buf_add(S, b, f, kp_strlen(f)))
			return -1;
	}
	if (buf_add(S, b, "", 1))
		return -1;
	return kp_error(S, "event '%s' has no field '%s' (its fields: %s)",
			ev->name, name, i ? b->p : "none");
}

int ev_field(struct ktap_session *S, const struct kp_str *name,
	     struct kp_value *res)
{
	const struct ktap_event *ev = S->ev;
	struct ktap_field f;

	if (!ev) {
		kp_error(S, "'$%s' is only available in a probe handler (there is no current event)",
			 name->data);
		return -1;
	}
	if (ev->ops->field_by_name(ev, name->data, &f))
		return no_field(S, ev, name->data);
	return field_value(S, &f, res);
}

static int bi_event_tostring(struct ktap_session *S, struct kp_value *a,
			     int n)
{
	(void)n;
	if (ev_var(S, EV_ARGSTR, a))
		return -1;
	return 1;
}

static const struct kp_builtin event_tostring = {
	"tostring", bi_event_tostring
};

int ev_index(struct ktap_session *S, const struct kp_str *key,
	     struct kp_value *res)
{
	if (key->len == 4 && !kp_memcmp(key->data, "name", 4))
		return ev_var(S, EV_PROBENAME, res);
	if (key->len == 8 && !kp_memcmp(key->data, "tostring", 8)) {
		set_builtin(res, &event_tostring);
		return 0;
	}
	set_nil(res);
	return 0;
}

int ktap_stack_depth(const struct ktap_field *args, int nargs, int64_t *max,
		     char *err, size_t errlen)
{
	*max = 0;
	if (nargs > 1 || (nargs == 1 && args[0].type != KTAP_FIELD_INT &&
			  args[0].type != KTAP_FIELD_NONE)) {
		fmt_format(err, errlen, "takes at most one argument, the number of frames");
		return -1;
	}
	if (nargs == 1 && args[0].type == KTAP_FIELD_INT) {
		if (args[0].num <= 0) {
			fmt_format(err, errlen, "the number of frames must be positive");
			return -1;
		}
		*max = args[0].num;
	}
	return 0;
}

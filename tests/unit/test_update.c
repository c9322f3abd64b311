// SPDX-License-Identifier: GPL-2.0
/*
 * test_update.c - handlers run as table updates (lib/update.c): which
 * handlers are recognized, and that evaluating events into partial
 * results and merging them leaves the tables exactly as the VM does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* -------------------------------------------------------- fake events */

struct fake {
	int64_t v;
	char s[8];
	int has_v;
};

static const char *const field_names[] = { "v", "s" };

static int fake_field(const struct ktap_event *ev, int index,
		      struct ktap_field *out)
{
	const struct fake *f = ev->data;

	memset(out, 0, sizeof(*out));
	if (index == 0 && f->has_v) {
		out->type = KTAP_FIELD_INT;
		out->num = f->v;
		return 0;
	}
	if (index == 1) {
		out->type = KTAP_FIELD_STRING;
		out->str = f->s;
		out->len = strlen(f->s);
		return 0;
	}
	return -1;
}

static int fake_field_by_name(const struct ktap_event *ev, const char *name,
			      struct ktap_field *out)
{
	int i;

	for (i = 0; i < 2; i++)
		if (!strcmp(name, field_names[i]))
			return fake_field(ev, i, out);
	return -1;
}

static const char *fake_field_name(const struct ktap_event *ev, int index)
{
	return index >= 0 && index < 2 ? field_names[index] : NULL;
}

static int fake_format(const struct ktap_event *ev, char *buf, size_t size)
{
	return -1;
}

static const struct ktap_event_ops fake_ops = {
	.field = fake_field,
	.field_by_name = fake_field_by_name,
	.format = fake_format,
	.field_name = fake_field_name,
};

#define NEVENTS 40

static struct fake fakes[NEVENTS];

static void make_event(struct ktap_event *ev, int i)
{
	struct fake *f = &fakes[i];

	f->v = (int64_t)i * 37 - 600;
	f->has_v = 1;
	snprintf(f->s, sizeof(f->s), "k%d", i % 4);
	memset(ev, 0, sizeof(*ev));
	ev->ops = &fake_ops;
	ev->data = f;
	ev->name = "x:y";
	ev->timestamp = 1000 + (uint64_t)i;
	ev->task.pid = i % 3;
	ev->task.tid = i % 5;
	ev->task.cpu = i % 2;
	ev->task.comm = i % 3 ? "bb" : "a";
}

/* ------------------------------------------------------------ sessions */

struct run {
	struct counting c;
	struct ktap_platform pf;
	struct ktap_session *s;
};

static int start(struct run *r, const char *src)
{
	const char *argv[] = { "update.kp" };
	size_t len;
	uint8_t *bc = compile_or_die(src, &len);
	int ok;

	memset(r, 0, sizeof(*r));
	counting_init(&r->c, &r->pf);
	r->s = ktap_session_new(&r->pf, NULL);
	ok = r->s && !ktap_session_load(r->s, bc, len, 1, argv) &&
	     !ktap_session_run(r->s);
	return ok ? 0 : -1;
}

static void stop(struct run *r)
{
	ktap_session_free(r->s);
	counting_fini(&r->c);
}

/* ---------------------------------------------------------------- cases */

static void test_recognized(void)
{
	static const struct {
		const char *name, *handler;
		int update;
	} cases[] = {
		{ "count-execname", "s[execname] += 1", 1 },
		{ "sum-const", "s[$s] += 3", 1 },
		{ "const-key", "s[\"all\"] += 1", 1 },
		{ "agg-field", "s[pid] <<< $v", 1 },
		{ "agg-const", "s[probename] <<< 5", 1 },
		{ "agg-big-const", "s[probename] <<< 5000000", 1 },
		{ "table-not-global", "var t = {} t[pid] += 1", 0 },
		{ "return-after", "s[execname] += 1 return", 0 },
		{ "argstr-key", "s[argstr] += 1", 0 },
		{ "value-not-const", "s[execname] += $v", 0 },
		{ "two-updates", "s[execname] += 1 s[pid] += 1", 0 },
		{ "global-key", "s[s] += 1", 0 },
		{ "empty", "", 0 },
	};
	char src[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ktap_update u;
		struct run r;
		int got;

		snprintf(src, sizeof(src), "var s = {} trace x:y { %s }",
			 cases[i].handler);
		if (start(&r, src)) {
			fail(cases[i].name, "cannot run: %s",
			     r.s ? ktap_session_error(r.s) : "no session");
			stop(&r);
			continue;
		}
		got = ktap_session_update(r.s, 0, &u);
		snprintf(src, sizeof(src), "update/recognized-%s",
			 cases[i].name);
		check(got == cases[i].update, src,
		      "ktap_session_update says %d for { %s }", got,
		      cases[i].handler);
		stop(&r);
	}
}

/* The same events through the VM and as partial results: same output. */
struct part {
	struct ktap_field key;
	char str[16];
	struct ktap_update_part p;
};

static void same_as_vm(const char *name, const char *src, int missing_v)
{
	struct part parts[NEVENTS];
	struct run vm, up;
	struct ktap_update u;
	struct ktap_event ev;
	int i, j, nparts = 0, slow = 0, bad = 0;

	if (start(&vm, src) || start(&up, src) ||
	    !ktap_session_update(up.s, 0, &u)) {
		fail(name, "cannot set up: %s / %s", ktap_session_error(vm.s),
		     ktap_session_error(up.s));
		stop(&vm);
		stop(&up);
		return;
	}
	counting_reset_output(&vm.c);
	counting_reset_output(&up.c);
	for (i = 0; i < NEVENTS; i++) {
		struct ktap_field key;
		int64_t v;
		int r;

		make_event(&ev, i);
		if (missing_v && i == NEVENTS - 1)
			fakes[i].has_v = 0;
		if (ktap_session_fire(vm.s, 0, &ev))
			bad++;
		r = ktap_update_eval(up.s, 0, &u, &ev, &key, &v);
		if (r < 0) {
			/* what a host does: the VM runs this one */
			slow++;
			if (ktap_session_fire(up.s, 0, &ev))
				bad++;
			continue;
		}
		if (!r)
			continue;
		for (j = 0; j < nparts; j++)
			if (parts[j].key.type == key.type &&
			    (key.type == KTAP_FIELD_INT ?
			     parts[j].key.num == key.num :
			     parts[j].key.len == key.len &&
			     !memcmp(parts[j].str, key.str, key.len)))
				break;
		if (j == nparts) {
			memset(&parts[j], 0, sizeof(parts[j]));
			parts[j].key = key;
			if (key.type == KTAP_FIELD_STRING) {
				memcpy(parts[j].str, key.str, key.len);
				parts[j].key.str = parts[j].str;
			}
			nparts++;
		}
		ktap_update_part_add(&u, &parts[j].p, v);
	}
	for (j = 0; j < nparts; j++)
		if (ktap_session_update_merge(up.s, &u, &parts[j].key,
					      &parts[j].p))
			bad++;
	ktap_session_end(vm.s);
	ktap_session_end(up.s);
	check(!strcmp(vm.c.out ? vm.c.out : "", up.c.out ? up.c.out : "") &&
	      vm.c.out && *vm.c.out && slow == missing_v,
	      name, "VM: \"%s\" (%s), merged: \"%s\" (%s), %d through the VM, %d errors",
	      vm.c.out ? vm.c.out : "", ktap_session_error(vm.s),
	      up.c.out ? up.c.out : "", ktap_session_error(up.s), slow, bad);
	stop(&vm);
	stop(&up);
}

static void test_same_as_vm(void)
{
	same_as_vm("update/count-by-comm",
		   "var s = {} trace x:y { s[execname] += 2 }"
		   " trace_end { print(s[\"a\"], s[\"bb\"], len(s)) }", 0);
	same_as_vm("update/sum-by-field-filtered",
		   "var s = {} trace x:y /v > 0/ { s[$s] += 1 }"
		   " trace_end { print(s[\"k0\"], s[\"k1\"], s[\"k2\"], s[\"k3\"]) }",
		   0);
	same_as_vm("update/agg-by-pid",
		   "var h = {} trace x:y { h[pid] <<< $v }"
		   " trace_end { print(h[0], h[1], h[2]) print_hist(h) }", 0);
	same_as_vm("update/agg-const-key",
		   "var h = {} trace x:y { h[\"all\"] <<< $v }"
		   " trace_end { print(h[\"all\"]) print_hist(h) }", 0);
	same_as_vm("update/const-key-count",
		   "var s = {} trace x:y { s[\"n\"] += 3 }"
		   " trace_end { print(s[\"n\"]) }", 0);
	same_as_vm("update/agg-const-value",
		   "var h = {} trace x:y { h[execname] <<< 7 }"
		   " trace_end { print(h[\"a\"], h[\"bb\"]) }", 0);
	/* a missing field: that event goes to the VM, which says why */
	same_as_vm("update/missing-field",
		   "var h = {} trace x:y { h[tid] <<< $v }"
		   " trace_end { print(h[0], h[4]) }", 1);
}

int main(void)
{
	test_recognized();
	test_same_as_vm();
	tk_free_all();
	return failures();
}

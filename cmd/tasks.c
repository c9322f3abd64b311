// SPDX-License-Identifier: GPL-2.0
/*
 * tasks.c - thread id -> process id and command, in event order.
 *
 * A direct-mapped table: a thread evicted by another with the same slot
 * is asked of /proc again, which is right unless it has exited since.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tasks.h"

#define TASKS_SLOTS	4096
#define COMM_LEN	16
#define CLONE_THREAD_FLAG 0x00010000ULL	/* CLONE_THREAD, <linux/sched.h> */

struct task {
	int tid;			/* 0: free */
	int pid;
	char comm[COMM_LEN];
};

struct tasks {
	struct task slot[TASKS_SLOTS];
	int ids[TASKS_NEVENTS];		/* event ids, learned on first use */
};

const char *const tasks_events[TASKS_NEVENTS][2] = {
	{ "task", "task_newtask" },
	{ "task", "task_rename" },
	{ "sched", "sched_process_exec" },
};

enum { NEWTASK, RENAME, EXEC };

struct tasks *tasks_new(void)
{
	struct tasks *t = calloc(1, sizeof(*t));
	int i;

	if (t) {
		for (i = 0; i < TASKS_NEVENTS; i++)
			t->ids[i] = -1;
	}
	return t;
}

void tasks_free(struct tasks *t)
{
	free(t);
}

static struct task *slot_of(struct tasks *t, int tid)
{
	return &t->slot[(unsigned int)tid % TASKS_SLOTS];
}

static void set_task(struct tasks *t, int tid, int pid, const char *comm,
		     size_t len)
{
	struct task *e = slot_of(t, tid);

	e->tid = tid;
	e->pid = pid;
	if (len >= COMM_LEN)
		len = COMM_LEN - 1;
	memcpy(e->comm, comm, len);
	e->comm[len] = '\0';
}

/* A thread met for the first time: what /proc says of it now. */
static void ask_proc(struct tasks *t, int tid)
{
	char path[64], line[128], comm[COMM_LEN] = "<...>";
	int pid = tid;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", tid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(comm, sizeof(comm), f)) {
			n = strcspn(comm, "\n");
			comm[n] = '\0';
		}
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Tgid: %d", &pid) == 1)
			break;
	}
	if (f)
		fclose(f);
	set_task(t, tid, pid, comm, strlen(comm));
}

void tasks_lookup(struct tasks *t, int tid, int *pid, const char **comm)
{
	struct task *e = slot_of(t, tid);

	if (tid == 0) {
		/* the idle task of every CPU */
		*pid = 0;
		*comm = "swapper";
		return;
	}
	if (e->tid != tid)
		ask_proc(t, tid);
	*pid = e->pid;
	*comm = e->comm;
}

static int num_field(struct tep_event *ev, struct tep_record *rec,
		     const char *name, unsigned long long *val)
{
	struct tep_format_field *f = tep_find_any_field(ev, name);

	return f ? tep_read_number_field(f, rec->data, val) : -1;
}

static const char *str_field(struct tep_event *ev, struct tep_record *rec,
			     const char *name, int *len)
{
	struct tep_format_field *f = tep_find_field(ev, name);

	return f ? tep_get_field_raw(NULL, ev, name, rec, len, 0) : NULL;
}

static int event_index(struct tasks *t, struct tep_handle *tep, int id)
{
	int i;

	for (i = 0; i < TASKS_NEVENTS; i++) {
		if (t->ids[i] < 0) {
			struct tep_event *ev = tep_find_event_by_name(tep,
				tasks_events[i][0], tasks_events[i][1]);

			t->ids[i] = ev ? ev->id : 0;
		}
		if (t->ids[i] == id)
			return i;
	}
	return -1;
}

void tasks_learn(struct tasks *t, struct tep_handle *tep,
		 struct tep_record *rec, int id)
{
	int which, len = 0, cur, curpid;
	unsigned long long tid, flags;
	struct tep_event *ev;
	const char *s, *base, *curcomm;

	/* the common case: none of them */
	if (id != t->ids[0] && id != t->ids[1] && id != t->ids[2] &&
	    t->ids[2] >= 0)
		return;
	which = event_index(t, tep, id);
	if (which < 0)
		return;
	ev = tep_find_event(tep, id);
	cur = tep_data_pid(tep, rec);
	switch (which) {
	case NEWTASK:
		s = str_field(ev, rec, "comm", &len);
		if (!s || num_field(ev, rec, "pid", &tid) ||
		    num_field(ev, rec, "clone_flags", &flags))
			return;
		/* a new thread joins its creator's process */
		curpid = (int)tid;
		if (flags & CLONE_THREAD_FLAG)
			tasks_lookup(t, cur, &curpid, &curcomm);
		set_task(t, (int)tid, curpid, s, strnlen(s, len));
		break;
	case RENAME:
		s = str_field(ev, rec, "newcomm", &len);
		if (!s)
			return;
		/* older kernels have no pid field: the task renames itself */
		if (num_field(ev, rec, "pid", &tid))
			tid = (unsigned long long)cur;
		tasks_lookup(t, (int)tid, &curpid, &curcomm);
		set_task(t, (int)tid, curpid, s, strnlen(s, len));
		break;
	case EXEC:
		s = str_field(ev, rec, "filename", &len);
		if (!s || num_field(ev, rec, "pid", &tid))
			return;
		/* the kernel names the task after the file's base name */
		len = (int)strnlen(s, len);
		base = memrchr(s, '/', len);
		base = base ? base + 1 : s;
		set_task(t, (int)tid, (int)tid, base, len - (base - s));
		break;
	}
}

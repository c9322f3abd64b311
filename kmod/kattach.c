// SPDX-License-Identifier: GPL-2.0
/*
 * kattach.c - probes in the kernel: a session's events run its handlers
 * where they happen.
 *
 * Userspace resolves the script's EVENTDEFs to tracefs event ids and
 * formats (making kprobe and uprobe events as needed) and hands them over
 * with KTAPVM_IOC_ATTACH.  Each tracepoint becomes a perf kernel counter
 * per CPU (or per task with a pid), sample period 1: its overflow handler
 * gets the raw record and runs the probe in the context of the event.
 * Ticks are hrtimers.
 *
 * Probe context may be any context up to NMI, with locks held.  So the VM
 * runs under a raw spinlock with interrupts off (one handler at a time;
 * handlers that only update a table run on every CPU at once without it:
 * kpercpu.c), never sleeps, allocates only
 * from its arena without growing it, and defers waking the reader to an
 * irq_work.  Events that cannot run safely -- in NMI, or from inside a
 * handler on the same CPU -- are counted as dropped, never run.
 */
#include <linux/cred.h>
#include <linux/hrtimer.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/trace_events.h>
#include <linux/uaccess.h>

#include "ktapvm.h"
#include "../include/ktap/ktapvm_ioctl.h"

struct kv_event {
	struct kv_session *ks;
	u32 kind;
	u32 probe;
	u64 id;				/* tracepoint: perf's config */
	u64 period_ns;
	bool prefiltered;
	char name[96];
	struct ktapvm_field *fields;
	u32 nfields;
	struct trace_event_call *call;	/* tracepoint: its output functions */
	struct perf_event **pe;		/* per CPU, or one for a task */
	int npe;
	struct hrtimer timer;
};

/* argstr's iterator keeps a copy of a format this long (longer: unchecked) */
#define KV_FMT_SIZE	512

/* What a handler's event view reads: the record being handled. */
struct kv_current {
	struct kv_event *e;
	const u8 *raw;
	u32 size;
};

/* A handler runs on this CPU: an event from inside it is dropped. */
DEFINE_PER_CPU(int, kv_in_handler);

/* ------------------------------------------------------------ event view */

static int read_field(const struct kv_current *c, const struct ktapvm_field *f,
		      struct ktap_field *out)
{
	u32 off = f->offset, n = f->size;

	memset(out, 0, sizeof(*out));
	if (f->flags & KTAPVM_FIELD_DYNAMIC) {
		u32 loc;

		if (off + 4 > c->size)
			return -1;
		memcpy(&loc, c->raw + off, 4);
		off = (loc & 0xffff) +
		      (f->flags & KTAPVM_FIELD_RELATIVE ? off + f->size : 0);
		n = loc >> 16;
	}
	if ((u64)off + n > c->size)
		return -1;
	if (f->flags & KTAPVM_FIELD_STRING) {
		out->type = KTAP_FIELD_STRING;
		out->str = (const char *)c->raw + off;
		out->len = strnlen(out->str, n);
		return 0;
	}
	if (f->flags & KTAPVM_FIELD_ARRAY) {
		if (f->elem_size != 1 && f->elem_size != 2 &&
		    f->elem_size != 4 && f->elem_size != 8)
			return -1;
		out->type = KTAP_FIELD_ARRAY;
		out->array = c->raw + off;
		out->len = n / f->elem_size;
		out->elem_size = (u8)f->elem_size;
		out->is_signed = !!(f->flags & KTAPVM_FIELD_SIGNED);
		return 0;
	}
	out->type = KTAP_FIELD_INT;
	switch (n) {
	case 1: {
		u8 v = c->raw[off];

		out->num = f->flags & KTAPVM_FIELD_SIGNED ? (s8)v : v;
		return 0;
	}
	case 2: {
		u16 v;

		memcpy(&v, c->raw + off, 2);
		out->num = f->flags & KTAPVM_FIELD_SIGNED ? (s16)v : v;
		return 0;
	}
	case 4: {
		u32 v;

		memcpy(&v, c->raw + off, 4);
		out->num = f->flags & KTAPVM_FIELD_SIGNED ? (s64)(s32)v : (s64)v;
		return 0;
	}
	case 8: {
		u64 v;

		memcpy(&v, c->raw + off, 8);
		out->num = (s64)v;
		return 0;
	}
	default:
		return -1;
	}
}

static int ev_field(const struct ktap_event *ev, int index,
		    struct ktap_field *out)
{
	const struct kv_current *c = ev->data;

	if (!c->raw || index < 0 || index >= (int)c->e->nfields)
		return -1;
	return read_field(c, &c->e->fields[index], out);
}

/*
 * The common fields every record starts with, which userspace does not
 * send (they are no argN): this kernel's own struct trace_entry.
 */
static int common_field(const struct kv_current *c, const char *name,
			struct ktap_field *out)
{
	const struct trace_entry *t = (const void *)c->raw;

	if (c->size < sizeof(*t) || strncmp(name, "common_", 7))
		return -1;
	name += 7;
	memset(out, 0, sizeof(*out));
	out->type = KTAP_FIELD_INT;
	if (!strcmp(name, "pid"))
		out->num = t->pid;
	else if (!strcmp(name, "type"))
		out->num = t->type;
	else if (!strcmp(name, "flags"))
		out->num = t->flags;
	else if (!strcmp(name, "preempt_count"))
		out->num = t->preempt_count;
	else
		return -1;
	return 0;
}

static int ev_field_by_name(const struct ktap_event *ev, const char *name,
			    struct ktap_field *out)
{
	const struct kv_current *c = ev->data;
	u32 i;

	if (!c->raw)
		return -1;
	for (i = 0; i < c->e->nfields; i++) {
		if (!strcmp(c->e->fields[i].name, name))
			return read_field(c, &c->e->fields[i], out);
	}
	return common_field(c, name, out);
}

static const char *ev_field_name(const struct ktap_event *ev, int index)
{
	const struct kv_current *c = ev->data;

	return index >= 0 && index < (int)c->e->nfields ?
	       c->e->fields[index].name : NULL;
}

/*
 * argstr of a syscalls event: the kernel's trace file prints those its
 * own way; every other host applies the format file's print fmt, which
 * for these events is always this ("NAME: 0x%08lx, ..." of the arguments,
 * "0x%lx" of the return value).
 */
static int format_syscall(const struct kv_current *c, bool enter, char *buf,
			  size_t size)
{
	struct ktap_field f;
	size_t n = 0;
	u32 i;

	for (i = 0; i < c->e->nfields; i++) {
		const char *name = c->e->fields[i].name;

		if (!strcmp(name, "__syscall_nr") ||
		    read_field(c, &c->e->fields[i], &f) ||
		    f.type != KTAP_FIELD_INT)
			continue;
		if (enter)
			n += snprintf(buf + min(n, size), size - min(n, size),
				      "%s%s: 0x%08llx", n ? ", " : "", name,
				      (unsigned long long)f.num);
		else
			n += snprintf(buf + min(n, size), size - min(n, size),
				      "0x%llx", (unsigned long long)f.num);
	}
	if (!n && size)
		buf[0] = '\0';
	return n;
}

/*
 * argstr: the event formatted by its own output function, as the trace
 * file shows it, through an iterator of our own -- like tp_printk, which
 * formats events where they happen (no trace array: nothing allocates).
 * kprobe and uprobe events print their address symbolized here but as a
 * number elsewhere: they are refused rather than differ between hosts.
 */
static int ev_format(const struct ktap_event *ev, char *buf, size_t size)
{
	const struct kv_current *c = ev->data;
	struct trace_event_call *call = c->e->call;
	struct trace_iterator *it = c->e->ks->att.iter;
	const char *name, *text;
	size_t len, skip;

	if (!c->raw || !call || !it ||
	    call->flags & (TRACE_EVENT_FL_KPROBE | TRACE_EVENT_FL_UPROBE))
		return -1;
	name = trace_event_name(call);
	if (call->class->system && !strcmp(call->class->system, "syscalls"))
		return format_syscall(c, !strncmp(name, "sys_enter_", 10),
				      buf, size);
	trace_seq_init(&it->seq);
	it->ent = (struct trace_entry *)c->raw;
	it->ent_size = c->size;
	it->cpu = raw_smp_processor_id();
	if (call->event.funcs->trace(it, 0, &call->event) != TRACE_TYPE_HANDLED)
		return -1;
	text = it->seq.buffer;
	len = trace_seq_used(&it->seq);
	/* "name: " first, a newline last: not part of the event's text */
	skip = strlen(name);
	if (len >= skip + 2 && !memcmp(text, name, skip) &&
	    !memcmp(text + skip, ": ", 2)) {
		text += skip + 2;
		len -= skip + 2;
	}
	if (len && text[len - 1] == '\n')
		len--;
	return snprintf(buf, size, "%.*s", (int)len, text);
}

static const struct ktap_event_ops kv_event_ops = {
	.field = ev_field,
	.field_by_name = ev_field_by_name,
	.format = ev_format,
	.field_name = ev_field_name,
};

/* ------------------------------------------------------------- running */

/*
 * Run probe @e for the record @raw (NULL: a timer).  Any context: the
 * lock keeps handlers one at a time; a handler's error stops the session
 * (STATUS reports it).
 */
static void kv_fire(struct kv_event *e, const void *raw, u32 size,
		    struct pt_regs *regs)
{
	struct kv_session *ks = e->ks;
	struct kv_current c = { .e = e, .raw = raw, .size = size };
	struct ktap_event ev = {
		.ops = &kv_event_ops,
		.data = &c,
		.name = e->name,
		.prefiltered = e->prefiltered,
	};
	unsigned long flags;
	int *in = this_cpu_ptr(&kv_in_handler);
	bool wrote = false;

	if (in_nmi() || *in) {
		atomic64_inc(&ks->att.dropped);
		return;
	}
	if (!READ_ONCE(ks->att.running))
		return;
	ev.timestamp = local_clock();
	ev.task.cpu = raw_smp_processor_id();
	ev.task.pid = task_tgid_nr(current);
	ev.task.tid = task_pid_nr(current);
	ev.task.uid = from_kuid_munged(&init_user_ns, current_uid());
	(*in)++;
	/* t[k] += n and t[k] <<< v: on this CPU, without the VM's lock */
	if (ks->cpus && e->kind != KTAPVM_EVENT_TICK &&
	    ks->is_update[e->probe] && !kv_percpu_run(ks, e->probe, &ev)) {
		(*in)--;
		return;
	}
	raw_spin_lock_irqsave(&ks->att.vm_lock, flags);
	if (READ_ONCE(ks->att.running)) {
		/*
		 * Copied without task_lock(): the event may have come with
		 * locks held that its holder can want (sched_switch).  A
		 * rename racing with it shows a mix: tracing lives with that.
		 */
		memcpy(ks->att.comm, current->comm, sizeof(ks->att.comm));
		ks->att.comm[sizeof(ks->att.comm) - 1] = '\0';
		ev.task.comm = ks->att.comm;
		ks->att.in_event = e->kind != KTAPVM_EVENT_TICK;
		ks->att.profile = e->kind == KTAPVM_EVENT_PROFILE;
		ks->att.regs = regs;
		ks->in_probe = true;
		/* the VM reads tables: every CPU's additions first */
		if (kv_percpu_merge(ks) ||
		    ktap_session_fire(ks->s, e->probe,
				      e->kind == KTAPVM_EVENT_TICK ? NULL : &ev)) {
			/* the error stays in the session for STATUS */
			WRITE_ONCE(ks->att.running, false);
			ks->att.failed = true;
		}
		if (ktap_session_exited(ks->s, NULL))
			WRITE_ONCE(ks->att.running, false);
		/* a printf without newline is the event's all the same */
		kv_ftrace_flush(&ks->ftrace, true);
		ks->in_probe = false;
		wrote = ks->ring.wrote;
		ks->ring.wrote = false;
		atomic64_inc(&ks->att.events);
	}
	raw_spin_unlock_irqrestore(&ks->att.vm_lock, flags);
	(*in)--;
	/*
	 * Waking the reader here could take locks the event holds; and
	 * only output is worth an irq_work (a self-interrupt) per event.
	 */
	if (wrote)
		kv_ring_kick(&ks->ring);
}

static void kv_overflow(struct perf_event *pe, struct perf_sample_data *data,
			struct pt_regs *regs)
{
	struct kv_event *e = pe->overflow_handler_context;

	if (e->kind == KTAPVM_EVENT_PROFILE)
		kv_fire(e, NULL, 0, regs);
	else if (data->raw && data->raw->frag.data)
		kv_fire(e, data->raw->frag.data, data->raw->frag.size, regs);
}

static enum hrtimer_restart kv_tick(struct hrtimer *t)
{
	struct kv_event *e = container_of(t, struct kv_event, timer);

	kv_fire(e, NULL, 0, NULL);
	hrtimer_forward_now(t, ns_to_ktime(e->period_ns));
	return HRTIMER_RESTART;
}

/* ------------------------------------------------------------ attaching */

static int kv_open_counter(struct kv_event *e, int cpu,
			   struct task_struct *task)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.disabled = 1,
		.sample_period = 1,
		.sample_type = PERF_SAMPLE_RAW,
		.inherit = task != NULL,
	};
	struct perf_event *pe;

	if (e->kind == KTAPVM_EVENT_PROFILE) {
		attr.type = PERF_TYPE_SOFTWARE;
		attr.config = PERF_COUNT_SW_CPU_CLOCK;
		attr.sample_period = e->period_ns;
		attr.sample_type = 0;
	} else {
		attr.type = PERF_TYPE_TRACEPOINT;
		attr.config = e->id;
	}
	pe = perf_event_create_kernel_counter(&attr, cpu, task, kv_overflow, e);
	if (IS_ERR(pe))
		return PTR_ERR(pe);
	e->pe[e->npe++] = pe;
	if (e->kind == KTAPVM_EVENT_TRACEPOINT)
		e->call = pe->tp_event;
	return 0;
}

static void kv_event_free(struct kv_event *e)
{
	int i;

	for (i = 0; i < e->npe; i++)
		perf_event_release_kernel(e->pe[i]);
	kfree(e->pe);
	kfree(e->fields);
	kfree(e);
}

/* Check event @u against the manifest; copy its fields in. */
static struct kv_event *kv_event_new(struct kv_session *ks,
				     const struct ktapvm_event *u, int slots)
{
	const struct ktap_probe *p = ktap_session_probe(ks->s, u->probe);
	static const enum ktap_probe_kind kinds[] = {
		[KTAPVM_EVENT_TRACEPOINT] = KTAP_PROBE_TRACE,
		[KTAPVM_EVENT_TICK] = KTAP_PROBE_TICK,
		[KTAPVM_EVENT_PROFILE] = KTAP_PROBE_PROFILE,
	};
	struct kv_event *e;
	u32 i;

	if (!p || u->kind >= ARRAY_SIZE(kinds) || p->kind != kinds[u->kind] ||
	    u->nfields > KTAPVM_MAX_FIELDS ||
	    (u->kind != KTAPVM_EVENT_TRACEPOINT &&
	     (u->period_ns < 1000 || u->nfields)))
		return ERR_PTR(-EINVAL);
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return ERR_PTR(-ENOMEM);
	e->ks = ks;
	e->kind = u->kind;
	e->probe = u->probe;
	e->id = u->id;
	e->period_ns = u->period_ns;
	e->prefiltered = u->prefiltered;
	memcpy(e->name, u->name, sizeof(e->name));
	e->name[sizeof(e->name) - 1] = '\0';
	e->pe = kcalloc(slots, sizeof(*e->pe), GFP_KERNEL);
	e->nfields = u->nfields;
	e->fields = u->nfields ?
		    memdup_user(u64_to_user_ptr(u->fields),
				u->nfields * sizeof(*e->fields)) : NULL;
	if (!e->pe || IS_ERR(e->fields)) {
		long err = IS_ERR(e->fields) ? PTR_ERR(e->fields) : -ENOMEM;

		e->fields = NULL;
		kv_event_free(e);
		return ERR_PTR(err);
	}
	for (i = 0; i < e->nfields; i++)
		e->fields[i].name[sizeof(e->fields[i].name) - 1] = '\0';
	return e;
}

static int kv_event_attach(struct kv_event *e, int cpu,
			   struct task_struct *task)
{
	int c, r;

	if (e->kind == KTAPVM_EVENT_TICK) {
		hrtimer_init(&e->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
		e->timer.function = kv_tick;
		return 0;
	}
	/* a task's events follow it from CPU to CPU, and its children */
	if (task)
		return kv_open_counter(e, -1, task);
	for_each_online_cpu(c) {
		if (cpu >= 0 && c != cpu)
			continue;
		r = kv_open_counter(e, c, NULL);
		if (r)
			return r;
	}
	return 0;
}

void kv_detach(struct kv_session *ks)
{
	u32 i;

	kv_stop(ks);
	for (i = 0; i < ks->att.nev; i++)
		kv_event_free(ks->att.ev[i]);
	kfree(ks->att.ev);
	ks->att.ev = NULL;
	ks->att.nev = 0;
	if (ks->att.iter)
		kfree(ks->att.iter->fmt);
	kfree(ks->att.iter);
	ks->att.iter = NULL;
}

long kv_attach(struct kv_session *ks, void __user *uarg)
{
	struct ktapvm_attach a;
	struct ktapvm_event *u;
	struct task_struct *task = NULL;
	long r = 0;
	u32 i;

	if (!ks->s || ks->att.ev)
		return ks->s ? -EBUSY : -ENOENT;
	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (!a.nevents || a.nevents > KTAPVM_MAX_EVENTS || a.flags ||
	    a.cpu >= (s32)nr_cpu_ids || a.cpu < -1 || a.pid < 0)
		return -EINVAL;
	u = memdup_user(u64_to_user_ptr(a.events), a.nevents * sizeof(*u));
	if (IS_ERR(u))
		return PTR_ERR(u);
	if (a.pid) {
		struct pid *pid = find_get_pid(a.pid);

		task = pid ? get_pid_task(pid, PIDTYPE_PID) : NULL;
		put_pid(pid);
		if (!task) {
			kfree(u);
			return -ESRCH;
		}
	}
	ks->att.ev = kcalloc(a.nevents, sizeof(*ks->att.ev), GFP_KERNEL);
	ks->att.iter = kzalloc(sizeof(*ks->att.iter), GFP_KERNEL);
	if (ks->att.iter) {
		ks->att.iter->fmt = kmalloc(KV_FMT_SIZE, GFP_KERNEL);
		ks->att.iter->fmt_size = KV_FMT_SIZE;
	}
	if (!ks->att.ev || !ks->att.iter || !ks->att.iter->fmt) {
		kv_detach(ks);
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < a.nevents && !r; i++) {
		struct kv_event *e = kv_event_new(ks, &u[i], task ? 1 :
						  num_online_cpus());

		if (IS_ERR(e)) {
			r = PTR_ERR(e);
			break;
		}
		ks->att.ev[ks->att.nev++] = e;
		r = kv_event_attach(e, a.cpu, task);
	}
	if (r)
		kv_detach(ks);
out:
	if (task)
		put_task_struct(task);
	kfree(u);
	return r;
}

void kv_start(struct kv_session *ks)
{
	u32 i;
	int k;

	WRITE_ONCE(ks->att.running, true);
	ks->att.started = true;
	for (i = 0; i < ks->att.nev; i++) {
		struct kv_event *e = ks->att.ev[i];

		if (e->kind == KTAPVM_EVENT_TICK)
			hrtimer_start(&e->timer, ns_to_ktime(e->period_ns),
				      HRTIMER_MODE_REL);
		for (k = 0; k < e->npe; k++)
			perf_event_enable(e->pe[k]);
	}
}

/*
 * Switch the events off and wait for the handlers still running: after
 * this the VM is the ioctls' alone again.
 */
void kv_stop(struct kv_session *ks)
{
	u32 i;
	int k;

	if (!ks->att.started)
		return;
	WRITE_ONCE(ks->att.running, false);
	for (i = 0; i < ks->att.nev; i++) {
		struct kv_event *e = ks->att.ev[i];

		if (e->kind == KTAPVM_EVENT_TICK)
			hrtimer_cancel(&e->timer);
		for (k = 0; k < e->npe; k++)
			perf_event_disable(e->pe[k]);
	}
	/*
	 * A handler past its check of running holds the lock until done;
	 * then what the CPUs added on their own goes into the tables.
	 */
	raw_spin_lock_irq(&ks->att.vm_lock);
	if (kv_percpu_merge(ks))
		ks->att.failed = true;
	raw_spin_unlock_irq(&ks->att.vm_lock);
	kv_ring_kick_sync(&ks->ring);
	ks->att.started = false;
}

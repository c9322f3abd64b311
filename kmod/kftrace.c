// SPDX-License-Identifier: GPL-2.0
/*
 * kftrace.c - a session's output as ktap:print trace events, one per line
 * (`ktap --ftrace`; the event is defined in ktap_trace.h).
 *
 * Lines written by the ioctls (the top level, trace_end) are emitted at
 * once.  Lines written by a handler are queued and emitted by an irq_work
 * right after it: a handler runs inside a perf overflow, where perf's own
 * recursion guard would drop a ktap:print that `perf record` asked for.
 * While a line is emitted no kernel-VM handler runs on the CPU (as inside
 * a handler), so a script tracing ktap:print cannot feed on its own output.
 */
#include <linux/irq_work.h>
#include <linux/percpu.h>
#include <linux/slab.h>

#include "ktapvm.h"

#define CREATE_TRACE_POINTS
#include "ktap_trace.h"

#define KV_PENDING	(64U << 10)	/* queued lines of a session, bytes */

/* The line an irq_work emits, taken out of the queue. */
static DEFINE_PER_CPU(char [KV_LINE_MAX], kv_emit_buf);

static void emit(struct kv_ftrace *f, const char *text, u32 len)
{
	int *in = get_cpu_ptr(&kv_in_handler);

	(*in)++;
	trace_print(f->session, text, len);
	(*in)--;
	put_cpu_ptr(&kv_in_handler);
}

/* Queue entries: a u16 length, then the text; wrapping around. */
static void pend_copy_in(struct kv_ftrace *f, const void *p, u32 n)
{
	const char *s = p;
	u32 i;

	for (i = 0; i < n; i++)
		f->pend[(f->head + i) % KV_PENDING] = s[i];
	f->head += n;
}

static void pend_copy_out(struct kv_ftrace *f, void *p, u32 n)
{
	char *d = p;
	u32 i;

	for (i = 0; i < n; i++)
		d[i] = f->pend[(f->tail + i) % KV_PENDING];
	f->tail += n;
}

static void kv_ftrace_drain(struct irq_work *w)
{
	struct kv_ftrace *f = container_of(w, struct kv_ftrace, drain);
	char *buf = this_cpu_ptr(kv_emit_buf);
	unsigned long flags;
	u16 len;

	for (;;) {
		raw_spin_lock_irqsave(&f->lock, flags);
		if (f->head == f->tail) {
			raw_spin_unlock_irqrestore(&f->lock, flags);
			return;
		}
		pend_copy_out(f, &len, sizeof(len));
		pend_copy_out(f, buf, len);
		raw_spin_unlock_irqrestore(&f->lock, flags);
		emit(f, buf, len);
	}
}

int kv_ftrace_init(struct kv_ftrace *f, u32 session)
{
	f->pend = kvmalloc(KV_PENDING, GFP_KERNEL);
	if (!f->pend)
		return -ENOMEM;
	f->session = session;
	f->len = 0;
	f->head = f->tail = 0;
	raw_spin_lock_init(&f->lock);
	init_irq_work(&f->drain, kv_ftrace_drain);
	return 0;
}

void kv_ftrace_free(struct kv_ftrace *f)
{
	if (!f->pend)
		return;
	irq_work_sync(&f->drain);
	kvfree(f->pend);
	f->pend = NULL;
}

/* The line so far becomes an event, now or queued for the irq_work. */
void kv_ftrace_flush(struct kv_ftrace *f, bool in_probe)
{
	u16 len = f->len;
	unsigned long flags;

	if (!f->pend || !len)
		return;
	f->len = 0;
	if (!in_probe) {
		emit(f, f->line, len);
		return;
	}
	raw_spin_lock_irqsave(&f->lock, flags);
	if (KV_PENDING - (f->head - f->tail) < sizeof(len) + len) {
		f->lost += len;
	} else {
		pend_copy_in(f, &len, sizeof(len));
		pend_copy_in(f, f->line, len);
	}
	raw_spin_unlock_irqrestore(&f->lock, flags);
	irq_work_queue(&f->drain);
}

/* Output of the session: complete lines become events. */
void kv_ftrace_write(struct kv_ftrace *f, const char *buf, size_t len,
		     bool in_probe)
{
	if (!f->pend)
		return;
	while (len) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? nl - buf : len;
		size_t take = min_t(size_t, n, KV_LINE_MAX - f->len);

		memcpy(f->line + f->len, buf, take);
		f->len += take;
		buf += take;
		len -= take;
		/* a line longer than an event holds goes on in the next */
		if ((nl && take == n) || f->len == KV_LINE_MAX) {
			kv_ftrace_flush(f, in_probe);
			if (nl && take == n) {
				buf++;
				len--;
			}
		}
	}
}

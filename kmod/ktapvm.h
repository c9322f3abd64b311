/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktapvm.h - the kernel host of the ktap runtime: a session per open file
 * of /dev/ktap, its memory arena and its output ring.
 */
#ifndef KTAPVM_H
#define KTAPVM_H

#include <linux/atomic.h>
#include <linux/irq_work.h>
#include <linux/kallsyms.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "../include/ktap/ktap.h"

#define KV_NCLASS	8	/* small block classes: 16 .. 2048 bytes */

/*
 * Memory of one session.  Blocks come from chunks the arena owns; freed
 * blocks go to per-size free lists and are reused.  New chunks are only
 * taken where sleeping is allowed (the session's ioctls): code running in
 * probe context later allocates from what is already there, never from
 * a sleeping allocator.
 */
struct kv_arena {
	struct kv_chunk *chunks;
	char *bump, *end;
	struct kv_free *small[KV_NCLASS];
	struct kv_free *large;
	size_t reserved;	/* bytes in chunks */
	bool can_grow;
};

/* The script's output, read by the ktap command through read()/poll(). */
struct kv_ring {
	char *buf;
	size_t size;
	size_t head, tail;	/* data is [tail, head) modulo size */
	spinlock_t lock;
	wait_queue_head_t readers;	/* data arrived, or the end */
	wait_queue_head_t writers;	/* room appeared */
	u64 lost;
	bool finished;		/* no more output will come */
	bool reader_gone;
	bool wrote;		/* a handler wrote: kick after it (vm_lock) */
	struct irq_work kick;	/* wakes readers after a probe wrote */
};

/*
 * The output as ktap:print events (kftrace.c): the line being written,
 * and the lines handlers wrote, waiting for the irq_work that emits them.
 */
#define KV_LINE_MAX	512

struct kv_ftrace {
	char *pend;		/* NULL: the session's output stays out of ftrace */
	u32 head, tail;		/* queued lines are [tail, head) */
	raw_spinlock_t lock;
	struct irq_work drain;
	u64 lost;		/* bytes that found the queue full */
	u32 session;		/* the events' session field */
	u32 len;
	char line[KV_LINE_MAX];
};

struct kv_cpu;
struct kv_event;
struct kv_stack;
struct pt_regs;
struct trace_iterator;

/* The events a session's probes run on (kattach.c). */
struct kv_attach {
	struct kv_event **ev;
	u32 nev;
	raw_spinlock_t vm_lock;	/* one handler at a time */
	bool running;		/* events run their probes */
	bool started;		/* START without STOP */
	bool failed;		/* a handler failed: STATUS says why */
	atomic64_t events;	/* handlers run */
	atomic64_t dropped;	/* events not run: NMI, recursion */
	struct trace_iterator *iter;	/* formats argstr (one handler at a time) */
	/* the event being handled, for stack() */
	bool in_event;		/* a tracepoint or a profile sample, not a tick */
	bool profile;
	struct pt_regs *regs;	/* perf's registers of it */
	char comm[TASK_COMM_LEN];
};

struct kv_session {
	struct mutex lock;	/* one ioctl at a time */
	bool may_sleep;		/* inside an ioctl: the arena may grow, writers wait */
	bool in_probe;		/* the VM runs for an event: never sleep */
	struct ktap_session *s;
	struct ktap_platform pf;
	struct kv_arena arena;
	struct kv_ring ring;
	struct kv_attach att;
	struct kv_ftrace ftrace;
	struct kv_stack *stack;	/* stack()'s frames and text, if the script calls it */
	/* kpercpu.c: probes that only update a table, run on every CPU */
	struct ktap_update *updates;	/* per probe */
	bool *is_update;		/* per probe */
	struct kv_cpu **cpus;		/* partial results per CPU; NULL: none */
	bool ring_off;		/* the output only goes to ftrace */
	char comm[TASK_COMM_LEN];
	char sym[KSYM_SYMBOL_LEN];
};

/* kplatform.c */
void kv_platform_init(struct kv_session *ks);
int kv_ring_init(struct kv_ring *r, size_t size);
void kv_ring_free(struct kv_ring *r);
void kv_ring_finish(struct kv_ring *r);
ssize_t kv_ring_read(struct kv_ring *r, char __user *buf, size_t len,
		     bool nonblock);
__poll_t kv_ring_poll(struct kv_ring *r, struct file *file, poll_table *wait);
void kv_arena_free(struct kv_arena *a);
int kv_arena_reserve(struct kv_arena *a, size_t size);
void kv_ring_kick(struct kv_ring *r);
void kv_ring_kick_sync(struct kv_ring *r);

/* kftrace.c */
int kv_ftrace_init(struct kv_ftrace *f, u32 session);
void kv_ftrace_free(struct kv_ftrace *f);
void kv_ftrace_write(struct kv_ftrace *f, const char *buf, size_t len,
		     bool in_probe);
void kv_ftrace_flush(struct kv_ftrace *f, bool in_probe);

/* kpercpu.c */
int kv_percpu_prepare(struct kv_session *ks);
void kv_percpu_free(struct kv_session *ks);
int kv_percpu_run(struct kv_session *ks, u32 probe, struct ktap_event *ev);
int kv_percpu_merge(struct kv_session *ks);
u64 kv_percpu_events(struct kv_session *ks);

/* kstack.c */
int kv_stack_register(struct kv_session *ks);
int kv_stack_prepare(struct kv_session *ks);
void kv_stack_free(struct kv_session *ks);

/* kattach.c */
DECLARE_PER_CPU(int, kv_in_handler);	/* a handler (or emission) runs here */
long kv_attach(struct kv_session *ks, void __user *uarg);
void kv_start(struct kv_session *ks);
void kv_stop(struct kv_session *ks);
void kv_detach(struct kv_session *ks);

#endif /* KTAPVM_H */

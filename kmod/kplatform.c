// SPDX-License-Identifier: GPL-2.0
/*
 * kplatform.c - the ktap platform inside the kernel: memory from a session
 * arena, output into a ring the ktap command reads, kernel clocks, the
 * current task and kallsyms.
 */
#include <linux/kallsyms.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/utsname.h>
#include <linux/cred.h>

#include "ktapvm.h"

/* ----------------------------------------------------------------- arena */

#define KV_CHUNK	(1UL << 20)
#define KV_ALIGN	16
#define KV_SMALL_MAX	(KV_ALIGN << (KV_NCLASS - 1))

struct kv_chunk {
	struct kv_chunk *next;
	size_t size;
	char data[] __aligned(KV_ALIGN);
};

struct kv_free {
	struct kv_free *next;
	size_t size;
};

static int kv_class(size_t size)
{
	return size <= KV_ALIGN ? 0 : ilog2(roundup_pow_of_two(size)) -
				      ilog2(KV_ALIGN);
}

/* Carve @size bytes from the current chunk, taking a new one if @grow. */
static void *kv_bump(struct kv_arena *a, size_t size, bool grow)
{
	struct kv_chunk *c;
	size_t csize;
	void *p;

	if (a->bump && a->end - a->bump >= (ptrdiff_t)size) {
		p = a->bump;
		a->bump += size;
		return p;
	}
	if (!grow)
		return NULL;
	csize = max_t(size_t, KV_CHUNK, size);
	c = kvmalloc(sizeof(*c) + csize, GFP_KERNEL | __GFP_NOWARN);
	if (!c)
		return NULL;
	c->size = csize;
	c->next = a->chunks;
	a->chunks = c;
	a->reserved += csize;
	a->bump = c->data + size;
	a->end = c->data + csize;
	return c->data;
}

static void *kv_alloc(void *ctx, size_t size)
{
	struct kv_session *ks = ctx;
	struct kv_arena *a = &ks->arena;
	/* in probe context no allocator may be called */
	bool grow = a->can_grow && !ks->in_probe;
	struct kv_free **pp, *f;

	size = ALIGN(size ? size : 1, KV_ALIGN);
	if (size <= KV_SMALL_MAX) {
		int c = kv_class(size);

		f = a->small[c];
		if (f) {
			a->small[c] = f->next;
			return f;
		}
		return kv_bump(a, KV_ALIGN << c, grow);
	}
	/* first fit among the large free blocks, splitting the rest off */
	for (pp = &a->large; (f = *pp); pp = &f->next) {
		if (f->size < size)
			continue;
		*pp = f->next;
		if (f->size - size >= KV_SMALL_MAX + KV_ALIGN) {
			struct kv_free *rest = (void *)((char *)f + size);

			rest->size = f->size - size;
			rest->next = a->large;
			a->large = rest;
		}
		return f;
	}
	return kv_bump(a, size, grow);
}

static void kv_free_block(void *ctx, void *p, size_t size)
{
	struct kv_arena *a = &((struct kv_session *)ctx)->arena;
	struct kv_free *f = p;

	if (!p)
		return;
	size = ALIGN(size ? size : 1, KV_ALIGN);
	if (size <= KV_SMALL_MAX) {
		int c = kv_class(size);

		f->next = a->small[c];
		a->small[c] = f;
		return;
	}
	f->size = size;
	f->next = a->large;
	a->large = f;
}

/*
 * Make sure @size bytes can be carved without a new chunk: probes allocate
 * where no allocator may be called, from what the arena holds.
 */
int kv_arena_reserve(struct kv_arena *a, size_t size)
{
	void *p;

	if (a->bump && a->end - a->bump >= (ptrdiff_t)size)
		return 0;
	if (!a->can_grow)
		return -ENOMEM;
	/* a fresh chunk of that size; what was left of the last one is lost */
	a->bump = a->end = NULL;
	p = kv_bump(a, size, true);
	if (!p)
		return -ENOMEM;
	a->bump = p;
	return 0;
}

void kv_arena_free(struct kv_arena *a)
{
	while (a->chunks) {
		struct kv_chunk *c = a->chunks;

		a->chunks = c->next;
		kvfree(c);
	}
	memset(a, 0, sizeof(*a));
}

/* ------------------------------------------------------------ output ring */

static void kv_ring_wake(struct irq_work *w)
{
	struct kv_ring *r = container_of(w, struct kv_ring, kick);

	wake_up_interruptible(&r->readers);
}

void kv_ring_kick(struct kv_ring *r)
{
	irq_work_queue(&r->kick);
}

void kv_ring_kick_sync(struct kv_ring *r)
{
	irq_work_sync(&r->kick);
}

int kv_ring_init(struct kv_ring *r, size_t size)
{
	r->buf = kvmalloc(size, GFP_KERNEL);
	if (!r->buf)
		return -ENOMEM;
	r->size = size;
	r->head = r->tail = 0;
	r->lost = 0;
	r->finished = false;
	r->reader_gone = false;
	spin_lock_init(&r->lock);
	init_waitqueue_head(&r->readers);
	init_waitqueue_head(&r->writers);
	init_irq_work(&r->kick, kv_ring_wake);
	return 0;
}

void kv_ring_free(struct kv_ring *r)
{
	kvfree(r->buf);
	r->buf = NULL;
}

static size_t ring_used(const struct kv_ring *r)
{
	return r->head - r->tail;
}

/* Copy what fits; returns how much was taken. */
static size_t ring_put(struct kv_ring *r, const char *buf, size_t len)
{
	size_t room = r->size - ring_used(r), n = min(len, room), i;

	for (i = 0; i < n; i++)
		r->buf[(r->head + i) % r->size] = buf[i];
	r->head += n;
	return n;
}

static bool ring_has_room(struct kv_ring *r)
{
	bool room;

	spin_lock_irq(&r->lock);
	room = ring_used(r) < r->size || r->reader_gone;
	spin_unlock_irq(&r->lock);
	return room;
}

/*
 * Where the caller may sleep (the session's ioctls) a full ring waits for
 * the reader; elsewhere what does not fit is counted as lost.
 */
static void kv_write(void *ctx, const char *buf, size_t len)
{
	struct kv_session *ks = ctx;
	struct kv_ring *r = &ks->ring;
	unsigned long flags;

	kv_ftrace_write(&ks->ftrace, buf, len, ks->in_probe);
	if (ks->ring_off)
		return;
	while (len) {
		size_t n;

		spin_lock_irqsave(&r->lock, flags);
		if (r->reader_gone) {
			spin_unlock_irqrestore(&r->lock, flags);
			return;
		}
		n = ring_put(r, buf, len);
		spin_unlock_irqrestore(&r->lock, flags);
		/* a probe's caller may hold what waking takes: kick later */
		if (ks->in_probe)
			r->wrote = true;
		else
			wake_up_interruptible(&r->readers);
		buf += n;
		len -= n;
		if (!len)
			break;
		if (!ks->may_sleep || ks->in_probe ||
		    wait_event_interruptible(r->writers, ring_has_room(r))) {
			spin_lock_irqsave(&r->lock, flags);
			r->lost += len;
			spin_unlock_irqrestore(&r->lock, flags);
			return;
		}
	}
}

void kv_ring_finish(struct kv_ring *r)
{
	spin_lock_irq(&r->lock);
	r->finished = true;
	spin_unlock_irq(&r->lock);
	wake_up_interruptible(&r->readers);
}

static bool ring_readable(struct kv_ring *r)
{
	bool ok;

	spin_lock_irq(&r->lock);
	ok = ring_used(r) || r->finished;
	spin_unlock_irq(&r->lock);
	return ok;
}

ssize_t kv_ring_read(struct kv_ring *r, char __user *ubuf, size_t len,
		     bool nonblock)
{
	char chunk[256];
	ssize_t done = 0;

	if (!ring_readable(r)) {
		if (nonblock)
			return -EAGAIN;
		if (wait_event_interruptible(r->readers, ring_readable(r)))
			return -ERESTARTSYS;
	}
	while (len) {
		size_t n, i;

		spin_lock_irq(&r->lock);
		n = min3(len, ring_used(r), sizeof(chunk));
		for (i = 0; i < n; i++)
			chunk[i] = r->buf[(r->tail + i) % r->size];
		r->tail += n;
		spin_unlock_irq(&r->lock);
		if (!n)
			break;
		wake_up_interruptible(&r->writers);
		if (copy_to_user(ubuf + done, chunk, n))
			return done ? done : -EFAULT;
		done += n;
		len -= n;
	}
	return done;
}

__poll_t kv_ring_poll(struct kv_ring *r, struct file *file, poll_table *wait)
{
	poll_wait(file, &r->readers, wait);
	return ring_readable(r) ? EPOLLIN | EPOLLRDNORM : 0;
}

/* ---------------------------------------------------------- the machine */

static u64 kv_realtime_ns(void *ctx)
{
	return ktime_get_real_ns();
}

static int kv_num_cpus(void *ctx)
{
	return num_possible_cpus();
}

static const char *kv_arch(void *ctx)
{
	return utsname()->machine;
}

static const char *kv_kernel_release(void *ctx)
{
	return utsname()->release;
}

static int kv_current_task(void *ctx, struct ktap_task *t)
{
	struct kv_session *ks = ctx;

	t->cpu = raw_smp_processor_id();
	t->pid = task_tgid_nr(current);
	t->tid = task_pid_nr(current);
	t->uid = from_kuid_munged(current_user_ns(), current_uid());
	/* in probe context no lock may be taken: see kattach.c */
	if (ks->in_probe) {
		memcpy(ks->comm, current->comm, sizeof(ks->comm));
		ks->comm[sizeof(ks->comm) - 1] = '\0';
	} else {
		get_task_comm(ks->comm, current);
	}
	t->comm = ks->comm;
	return 0;
}

static int kv_symbolize(void *ctx, u64 addr, char *buf, size_t size)
{
	struct kv_session *ks = ctx;
	int n;

	n = sprint_symbol(ks->sym, (unsigned long)addr);
	/* unknown addresses come back as bare hex: let ktap print those */
	if (n <= 0 || ks->sym[0] == '0')
		return -1;
	return snprintf(buf, size, "%s", ks->sym);
}

/* Long runs in an ioctl: let others run, and let a signal stop us. */
static int kv_yield(void *ctx)
{
	struct kv_session *ks = ctx;

	if (!ks->may_sleep || ks->in_probe)
		return 0;
	cond_resched();
	return signal_pending(current);
}

static const struct ktap_platform_ops kv_ops = {
	.alloc = kv_alloc,
	.free = kv_free_block,
	.write = kv_write,
	.realtime_ns = kv_realtime_ns,
	.num_cpus = kv_num_cpus,
	.arch = kv_arch,
	.kernel_release = kv_kernel_release,
	.current_task = kv_current_task,
	.symbolize = kv_symbolize,
	.yield = kv_yield,
};

void kv_platform_init(struct kv_session *ks)
{
	ks->pf.ops = &kv_ops;
	ks->pf.ctx = ks;
}

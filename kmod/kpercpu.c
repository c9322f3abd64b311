// SPDX-License-Identifier: GPL-2.0
/*
 * kpercpu.c - table updates on every CPU at once.
 *
 * A handler that only does `t[KEY] += N` or `t[KEY] <<< VALUE`
 * (lib/update.c) runs without the VM and its lock: each CPU adds into a
 * small table of partial results of its own, under a lock of its own that
 * only merging takes from elsewhere.  The partial results are merged into
 * the script's tables, under the VM's lock, before anything else runs the
 * VM -- another handler, a tick, trace_end -- so whatever reads a table
 * finds it as if the VM had run every event.  An event whose key does not
 * fit here (a long string, this CPU's table full) runs in the VM instead.
 */
#include <linux/jhash.h>
#include <linux/slab.h>

#include "ktapvm.h"

#define KV_SLOTS	64	/* partial results per CPU */
#define KV_FULL		48	/* keys per CPU before events go to the VM */
#define KV_KEY_MAX	64	/* longest string key kept per CPU */

struct kv_slot {
	u32 probe;		/* the probe's index + 1; 0: a free slot */
	u32 keylen;		/* string keys */
	bool is_str;
	s64 num;		/* number keys */
	char str[KV_KEY_MAX];
	struct ktap_update_part part;
};

struct kv_cpu {
	raw_spinlock_t lock;
	u32 used;
	u64 events;		/* handlers run here */
	char comm[TASK_COMM_LEN];
	struct kv_slot slot[KV_SLOTS];
};

/* At START: which probes are updates; a table per CPU if any is. */
int kv_percpu_prepare(struct kv_session *ks)
{
	u32 i, n = ktap_session_probe_count(ks->s);
	bool any = false;
	int cpu;

	if (ks->cpus || !n)
		return 0;
	ks->updates = kcalloc(n, sizeof(*ks->updates), GFP_KERNEL);
	ks->is_update = kcalloc(n, sizeof(*ks->is_update), GFP_KERNEL);
	if (!ks->updates || !ks->is_update)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct ktap_probe *p = ktap_session_probe(ks->s, i);

		ks->is_update[i] = p->kind != KTAP_PROBE_TICK &&
				   ktap_session_update(ks->s, i, &ks->updates[i]);
		any |= ks->is_update[i];
	}
	if (!any)
		return 0;
	ks->cpus = kcalloc(nr_cpu_ids, sizeof(*ks->cpus), GFP_KERNEL);
	if (!ks->cpus)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		ks->cpus[cpu] = kvzalloc(sizeof(*ks->cpus[cpu]), GFP_KERNEL);
		if (!ks->cpus[cpu])
			return -ENOMEM;
		raw_spin_lock_init(&ks->cpus[cpu]->lock);
	}
	return 0;
}

void kv_percpu_free(struct kv_session *ks)
{
	int cpu;

	if (ks->cpus) {
		for_each_possible_cpu(cpu)
			kvfree(ks->cpus[cpu]);
	}
	kfree(ks->cpus);
	kfree(ks->updates);
	kfree(ks->is_update);
	ks->cpus = NULL;
	ks->updates = NULL;
	ks->is_update = NULL;
}

/* The slot of @key for @probe on CPU @c, taken if new; NULL: no room. */
static struct kv_slot *slot_of(struct kv_cpu *c, u32 probe,
			       const struct ktap_field *key)
{
	bool is_str = key->type == KTAP_FIELD_STRING;
	u32 h, i;

	if (is_str && key->len > KV_KEY_MAX)
		return NULL;
	h = is_str ? jhash(key->str, key->len, probe) :
		     jhash_2words((u32)key->num, (u32)((u64)key->num >> 32),
				  probe);
	for (i = 0; i < KV_SLOTS; i++) {
		struct kv_slot *s = &c->slot[(h + i) % KV_SLOTS];

		if (!s->probe) {
			if (c->used >= KV_FULL)
				return NULL;
			c->used++;
			s->probe = probe + 1;
			s->is_str = is_str;
			if (is_str) {
				s->keylen = key->len;
				memcpy(s->str, key->str, key->len);
			} else {
				s->num = key->num;
			}
			return s;
		}
		if (s->probe == probe + 1 && s->is_str == is_str &&
		    (is_str ? s->keylen == key->len &&
			      !memcmp(s->str, key->str, key->len) :
			      s->num == key->num))
			return s;
	}
	return NULL;
}

/*
 * Run update probe @probe for @ev on this CPU.  Returns 0 when done
 * (added, or nothing to do), -1 when the VM must run it.
 */
int kv_percpu_run(struct kv_session *ks, u32 probe, struct ktap_event *ev)
{
	struct kv_cpu *c = ks->cpus[raw_smp_processor_id()];
	const struct ktap_update *u = &ks->updates[probe];
	struct ktap_field key;
	struct kv_slot *s;
	unsigned long flags;
	s64 v;
	int r = 0;

	raw_spin_lock_irqsave(&c->lock, flags);
	/* after STOP took this lock to merge, nothing more is added */
	if (READ_ONCE(ks->att.running)) {
		/* without task_lock(), as in kv_fire() */
		memcpy(c->comm, current->comm, sizeof(c->comm));
		c->comm[sizeof(c->comm) - 1] = '\0';
		ev->task.comm = c->comm;
		r = ktap_update_eval(ks->s, probe, u, ev, &key, &v);
		if (r > 0) {
			s = slot_of(c, probe, &key);
			r = s ? 0 : -1;
			if (s)
				ktap_update_part_add(u, &s->part, v);
		}
		if (!r)
			c->events++;
	}
	raw_spin_unlock_irqrestore(&c->lock, flags);
	return r < 0 ? -1 : 0;
}

/*
 * Merge every CPU's partial results into the tables; the VM's lock is
 * held (or no handler runs).  Returns 0, or -1 with the session's error.
 */
int kv_percpu_merge(struct kv_session *ks)
{
	int cpu, r = 0;
	u32 i;

	if (!ks->cpus)
		return 0;
	for_each_possible_cpu(cpu) {
		struct kv_cpu *c = ks->cpus[cpu];
		unsigned long flags;

		if (!READ_ONCE(c->used))
			continue;
		raw_spin_lock_irqsave(&c->lock, flags);
		for (i = 0; i < KV_SLOTS && c->used; i++) {
			struct kv_slot *s = &c->slot[i];
			struct ktap_field key = { .type = KTAP_FIELD_INT };

			if (!s->probe)
				continue;
			if (s->is_str) {
				key.type = KTAP_FIELD_STRING;
				key.str = s->str;
				key.len = s->keylen;
			} else {
				key.num = s->num;
			}
			if (!r)
				r = ktap_session_update_merge(ks->s,
							      &ks->updates[s->probe - 1],
							      &key, &s->part);
			memset(s, 0, sizeof(*s));
			c->used--;
		}
		raw_spin_unlock_irqrestore(&c->lock, flags);
	}
	return r;
}

/* Handlers run without the VM, for STATUS. */
u64 kv_percpu_events(struct kv_session *ks)
{
	u64 n = 0;
	int cpu;

	if (ks->cpus) {
		for_each_possible_cpu(cpu)
			n += READ_ONCE(ks->cpus[cpu]->events);
	}
	return n;
}

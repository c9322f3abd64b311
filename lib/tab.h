/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tab.h - tables.  Lookups return a pointer to the stored value, or to
 * kp_nil when the key is absent, so the VM reads them without branches on
 * "found".  The fast paths are inline: the VM calls them per instruction.
 */
#ifndef KTAP_TAB_H
#define KTAP_TAB_H

#include "kp_state.h"

extern const struct kp_value kp_nil;

static inline uint32_t tab_hashint(int64_t n)
{
	return (uint32_t)(((uint64_t)n * 0x9e3779b97f4a7c15ULL) >> 32);
}

static inline const struct kp_value *tab_getstr(const struct kp_tab *t,
						const struct kp_str *k)
{
	uint32_t i;

	if (!t->node)
		return &kp_nil;
	for (i = k->hash & t->hmask;; i = (i + 1) & t->hmask) {
		const struct kp_node *n = &t->node[i];

		if (n->key.type == KT_STR && n->key.u.s == k)
			return &n->val;
		if (n->key.type == KT_NIL)
			return &kp_nil;
	}
}

const struct kp_value *tab_getint_hash(const struct kp_tab *t, int64_t k);

static inline const struct kp_value *tab_getint(const struct kp_tab *t,
						int64_t k)
{
	if ((uint64_t)k - 1 < t->asize)
		return &t->arr[k - 1];
	return tab_getint_hash(t, k);
}

/*
 * t[k] = v when k is inside the array part: no allocation, no error.
 * Returns 0 when the caller must take the general path (tab_set).
 */
static inline int tab_fastsetint(struct kp_tab *t, int64_t k,
				 const struct kp_value *v)
{
	struct kp_value *slot;

	if ((uint64_t)k - 1 >= t->asize)
		return 0;
	slot = &t->arr[k - 1];
	t->count += (uint64_t)(int64_t)(is_nil(slot) - is_nil(v));
	setobj(slot, v);
	return 1;
}

/* Any key; invalid key types simply are not found. */
const struct kp_value *tab_get(const struct kp_tab *t,
			       const struct kp_value *key);

struct kp_tab *tab_new(struct ktap_session *S, uint32_t narr, uint32_t nhash);
/* t[key] = val; a nil val deletes.  Returns 0 or -1 (bad key, memory). */
int tab_set(struct ktap_session *S, struct kp_tab *t,
	    const struct kp_value *key, const struct kp_value *val);
int tab_setint(struct ktap_session *S, struct kp_tab *t, int64_t k,
	       const struct kp_value *val);
int tab_setstr(struct ktap_session *S, struct kp_tab *t, struct kp_str *k,
	       const struct kp_value *val);
/*
 * The slot of t[key], created (nil) if absent, for read-modify-write;
 * the caller stores into it and calls tab_note_set().  NULL on error.
 */
struct kp_value *tab_ref(struct ktap_session *S, struct kp_tab *t,
			 const struct kp_value *key);
/* Keep len() right after a store through tab_ref(). */
static inline void tab_note_set(struct kp_tab *t, int was_nil, int is_nil_now)
{
	t->count += (uint64_t)(int64_t)(was_nil - is_nil_now);
}

/*
 * Iteration: *pos starts at 0; returns 1 and the next pair, or 0 at the
 * end.  Safe whatever the script does to the table meanwhile.
 */
int tab_next(const struct kp_tab *t, uint64_t *pos, struct kp_value *k,
	     struct kp_value *v);
/* Remove every entry and release the parts (delete(t), the collector). */
void tab_free(struct ktap_session *S, struct kp_tab *t);

#endif /* KTAP_TAB_H */

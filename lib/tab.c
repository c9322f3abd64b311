// SPDX-License-Identifier: GPL-2.0
/*
 * tab.c - tables with an array part and an open-addressed hash part.
 *
 * The hash part uses linear probing in a power-of-two array kept at most
 * 3/4 full (nodes with a key, tombstones included), so every probe sequence
 * ends at a free node.  Hashes come from the key's value, never from an
 * address: iteration order is the same on every machine and every run.
 */
#include "tab.h"
#include "str.h"

const struct kp_value kp_nil = { .type = KT_NIL };

#define MIN_HASH	4
#define MIN_ARRAY	4

static uint32_t key_hash(const struct kp_value *k)
{
	switch (k->type) {
	case KT_NUM:
		return tab_hashint(k->u.n);
	case KT_STR:
		return k->u.s->hash;
	default:
		return (uint32_t)k->u.b + 0x7f4a7c15u;
	}
}

static int key_eq(const struct kp_value *a, const struct kp_value *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case KT_NUM:
		return a->u.n == b->u.n;
	case KT_BOOL:
		return a->u.b == b->u.b;
	default:
		return a->u.o == b->u.o;
	}
}

static int tab_check_key(struct ktap_session *S, const struct kp_value *key)
{
	switch (key->type) {
	case KT_NUM:
	case KT_STR:
	case KT_BOOL:
		return 0;
	case KT_NIL:
		return kp_error(S, "table index is nil");
	default:
		return kp_error(S, "a %s cannot be a table key",
				kp_typename(key));
	}
}

static struct kp_node *hash_find(const struct kp_tab *t,
				 const struct kp_value *key)
{
	uint32_t i;

	if (!t->node)
		return NULL;
	for (i = key_hash(key) & t->hmask;; i = (i + 1) & t->hmask) {
		struct kp_node *n = &t->node[i];

		if (n->key.type == KT_NIL)
			return NULL;
		if (key_eq(&n->key, key))
			return n;
	}
}

const struct kp_value *tab_getint_hash(const struct kp_tab *t, int64_t k)
{
	uint32_t i;

	if (!t->node)
		return &kp_nil;
	for (i = tab_hashint(k) & t->hmask;; i = (i + 1) & t->hmask) {
		const struct kp_node *n = &t->node[i];

		if (n->key.type == KT_NUM && n->key.u.n == k)
			return &n->val;
		if (n->key.type == KT_NIL)
			return &kp_nil;
	}
}

const struct kp_value *tab_get(const struct kp_tab *t,
			       const struct kp_value *key)
{
	const struct kp_node *n;

	switch (key->type) {
	case KT_NUM:
		return tab_getint(t, key->u.n);
	case KT_STR:
		return tab_getstr(t, key->u.s);
	case KT_BOOL:
		n = hash_find(t, key);
		return n ? &n->val : &kp_nil;
	default:
		return &kp_nil;
	}
}

/* Rebuild the hash part with room for @extra more keys. */
static int hash_resize(struct ktap_session *S, struct kp_tab *t,
		       uint32_t extra)
{
	uint32_t oldsize = t->node ? t->hmask + 1 : 0;
	struct kp_node *old = t->node, *nn;
	uint32_t live = 0, size = MIN_HASH, i;

	for (i = 0; i < oldsize; i++)
		live += !is_nil(&old[i].val);
	while ((uint64_t)size * 3 / 4 < (uint64_t)live + extra) {
		if (size >= (1U << 30))
			return kp_error(S, "table too large");
		size <<= 1;
	}
	nn = kp_malloc(S, (size_t)size * sizeof(*nn));
	if (!nn)
		return -1;
	for (i = 0; i < size; i++) {
		set_nil(&nn[i].key);
		set_nil(&nn[i].val);
	}
	t->node = nn;
	t->hmask = size - 1;
	t->hused = 0;
	for (i = 0; i < oldsize; i++) {
		uint32_t j;

		if (is_nil(&old[i].val))
			continue;
		for (j = key_hash(&old[i].key) & t->hmask;
		     !is_nil(&nn[j].key); j = (j + 1) & t->hmask)
			;
		nn[j] = old[i];
		t->hused++;
	}
	if (old)
		kp_free(S, old, (size_t)oldsize * sizeof(*old));
	return 0;
}

struct kp_tab *tab_new(struct ktap_session *S, uint32_t narr, uint32_t nhash)
{
	struct kp_tab *t = (struct kp_tab *)gc_new(S, KT_TAB, sizeof(*t));
	struct kp_value v;
	int r = 0;
	uint32_t i;

	if (!t)
		return NULL;
	t->asize = 0;
	t->hmask = 0;
	t->hused = 0;
	t->count = 0;
	t->arr = NULL;
	t->node = NULL;
	if (!narr && !nhash)
		return t;
	set_tab(&v, t);
	gc_pin(S, &v);
	if (narr) {
		t->arr = kp_malloc(S, narr * sizeof(*t->arr));
		if (t->arr) {
			for (i = 0; i < narr; i++)
				set_nil(&t->arr[i]);
			t->asize = narr;
		} else {
			r = -1;
		}
	}
	if (nhash && !r)
		r = hash_resize(S, t, nhash);
	gc_unpin(S);
	return r ? NULL : t;
}

/* Find or insert @key in the hash part; the new node's value is nil. */
static struct kp_value *hash_ref(struct ktap_session *S, struct kp_tab *t,
				 const struct kp_value *key)
{
	struct kp_node *n = hash_find(t, key), *tomb = NULL;
	uint32_t i;

	if (n)
		return &n->val;
	if (!t->node || (uint64_t)(t->hused + 1) * 4 > (uint64_t)(t->hmask + 1) * 3) {
		if (hash_resize(S, t, 1))
			return NULL;
	}
	for (i = key_hash(key) & t->hmask;; i = (i + 1) & t->hmask) {
		n = &t->node[i];
		if (is_nil(&n->key))
			break;
		if (!tomb && is_nil(&n->val))
			tomb = n;
	}
	if (tomb) {
		n = tomb;
	} else {
		t->hused++;
	}
	n->key = *key;
	set_nil(&n->val);
	return &n->val;
}

/* Append after the array part: grow it and pull in following keys. */
static int array_grow(struct ktap_session *S, struct kp_tab *t)
{
	uint32_t nsize = t->asize ? t->asize * 2 : MIN_ARRAY, i;
	struct kp_value *na;

	if (t->asize >= (1U << 30))
		return 1;
	na = kp_realloc(S, t->arr, t->asize * sizeof(*na), nsize * sizeof(*na));
	if (!na)
		return -1;
	for (i = t->asize; i < nsize; i++) {
		struct kp_value k;
		struct kp_node *n = NULL;

		set_num(&k, (int64_t)i + 1);
		if (t->node)
			n = hash_find(t, &k);
		if (n && !is_nil(&n->val)) {
			na[i] = n->val;
			set_nil(&n->val);
		} else {
			set_nil(&na[i]);
		}
	}
	t->arr = na;
	t->asize = nsize;
	return 0;
}

struct kp_value *tab_ref(struct ktap_session *S, struct kp_tab *t,
			 const struct kp_value *key)
{
	if (key->type == KT_STR) {
		/* counting by name: the key is usually there already */
		const struct kp_value *v = tab_getstr(t, key->u.s);

		if (v != &kp_nil)
			return (struct kp_value *)v;
		return hash_ref(S, t, key);
	}
	if (key->type == KT_NUM) {
		int64_t k = key->u.n;

		if ((uint64_t)k - 1 < t->asize)
			return &t->arr[k - 1];
		if ((uint64_t)k - 1 == t->asize) {
			int r = array_grow(S, t);

			if (r < 0)
				return NULL;
			if (r == 0)
				return &t->arr[k - 1];
		}
	} else if (tab_check_key(S, key)) {
		return NULL;
	}
	return hash_ref(S, t, key);
}

int tab_set(struct ktap_session *S, struct kp_tab *t,
	    const struct kp_value *key, const struct kp_value *val)
{
	struct kp_value *slot;
	int was_nil;

	if (is_nil(val)) {
		/* deleting never allocates */
		const struct kp_value *cur = tab_get(t, key);

		if (is_nil(cur))
			return tab_check_key(S, key);
		slot = (struct kp_value *)cur;
	} else {
		slot = tab_ref(S, t, key);
		if (!slot)
			return -1;
	}
	was_nil = is_nil(slot);
	*slot = *val;
	tab_note_set(t, was_nil, is_nil(val));
	return 0;
}

int tab_setint(struct ktap_session *S, struct kp_tab *t, int64_t k,
	       const struct kp_value *val)
{
	struct kp_value key;

	set_num(&key, k);
	return tab_set(S, t, &key, val);
}

int tab_setstr(struct ktap_session *S, struct kp_tab *t, struct kp_str *k,
	       const struct kp_value *val)
{
	struct kp_value key;

	set_str(&key, k);
	return tab_set(S, t, &key, val);
}

int tab_next(const struct kp_tab *t, uint64_t *pos, struct kp_value *k,
	     struct kp_value *v)
{
	uint64_t i = *pos;
	uint64_t hsize = t->node ? (uint64_t)t->hmask + 1 : 0;

	for (; i < t->asize; i++) {
		if (!is_nil(&t->arr[i])) {
			set_num(k, (int64_t)i + 1);
			*v = t->arr[i];
			*pos = i + 1;
			return 1;
		}
	}
	for (; i - t->asize < hsize; i++) {
		const struct kp_node *n = &t->node[i - t->asize];

		if (!is_nil(&n->val)) {
			*k = n->key;
			*v = n->val;
			*pos = i + 1;
			return 1;
		}
	}
	*pos = i;
	return 0;
}

void tab_free(struct ktap_session *S, struct kp_tab *t)
{
	if (t->arr)
		kp_free(S, t->arr, t->asize * sizeof(*t->arr));
	if (t->node)
		kp_free(S, t->node, ((size_t)t->hmask + 1) * sizeof(*t->node));
	t->arr = NULL;
	t->node = NULL;
	t->asize = 0;
	t->hmask = 0;
	t->hused = 0;
	t->count = 0;
}

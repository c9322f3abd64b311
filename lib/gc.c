// SPDX-License-Identifier: GPL-2.0
/*
 * gc.c - the session heap: accounting against the session cap, and a
 * stop-the-world mark-and-sweep collector.
 *
 * Every byte the runtime holds goes through kp_malloc(), so the cap is
 * exact.  Collection starts when the heap has doubled since the last one,
 * and always before the cap would refuse an allocation, so a script fails
 * with "out of memory" only when its live data really exceed the cap.
 * Marking uses an intrusive gray list instead of recursion: deeply nested
 * tables cannot overflow a (kernel) stack.
 */
#include "kp_state.h"
#include "str.h"
#include "tab.h"

#define GC_MIN_THRESHOLD	(1ULL << 20)

static void gc_collect(struct ktap_session *S);

static void gc_update_threshold(struct ktap_session *S)
{
	uint64_t t = S->mem * 2;

	if (t < GC_MIN_THRESHOLD)
		t = GC_MIN_THRESHOLD;
	if (t > S->lim.max_mem)
		t = S->lim.max_mem;
	S->gc_threshold = t;
}

/* Make room for @size more bytes under the cap, collecting if needed. */
static int reserve(struct ktap_session *S, size_t size)
{
	if (S->mem + size > S->gc_threshold && !S->gc_off)
		gc_collect(S);
	if (S->mem + size > S->lim.max_mem) {
		kp_error(S, "out of memory: the session limit of %llu bytes is reached",
			 (unsigned long long)S->lim.max_mem);
		return -1;
	}
	return 0;
}

void *kp_malloc(struct ktap_session *S, size_t size)
{
	void *p;

	if (reserve(S, size))
		return NULL;
	p = S->pf.ops->alloc(S->pf.ctx, size);
	if (!p) {
		kp_error(S, "out of memory: the host refused %zu bytes", size);
		return NULL;
	}
	S->mem += size;
	if (S->mem > S->mem_peak)
		S->mem_peak = S->mem;
	return p;
}

void kp_free(struct ktap_session *S, void *p, size_t size)
{
	S->mem -= size;
	S->pf.ops->free(S->pf.ctx, p, size);
}

void *kp_realloc(struct ktap_session *S, void *p, size_t old, size_t size)
{
	void *np;

	/* a host realloc can grow big arrays in place (mremap) */
	if (p && S->pf.ops->realloc && size > old) {
		if (reserve(S, size - old))
			return NULL;
		np = S->pf.ops->realloc(S->pf.ctx, p, old, size);
		if (!np) {
			kp_error(S, "out of memory: the host refused %zu bytes",
				 size);
			return NULL;
		}
		S->mem += size - old;
		if (S->mem > S->mem_peak)
			S->mem_peak = S->mem;
		return np;
	}
	np = kp_malloc(S, size);
	if (!np)
		return NULL;
	if (p) {
		kp_memcpy(np, p, old < size ? old : size);
		kp_free(S, p, old);
	}
	return np;
}

struct kp_obj *gc_new(struct ktap_session *S, int type, size_t size)
{
	struct kp_obj *o = kp_malloc(S, size);

	if (!o)
		return NULL;
	o->type = (uint8_t)type;
	o->marked = 0;
	o->gcnext = S->objs;
	S->objs = o;
	return o;
}

/* ---------------------------------------------------------------- mark */

static void mark_obj(struct ktap_session *S, struct kp_obj *o)
{
	if (!o || o->marked)
		return;
	o->marked = 1;
	switch (o->type) {
	case KT_TAB:
		((struct kp_tab *)o)->gclist = S->gray;
		S->gray = o;
		break;
	case KT_FUNC:
		((struct kp_closure *)o)->gclist = S->gray;
		S->gray = o;
		break;
	case KT_UPVAL: {
		struct kp_upval *uv = (struct kp_upval *)o;

		/* an open upvalue's value is on the stack, marked there */
		if (uv->v == &uv->closed && is_collectable(&uv->closed))
			mark_obj(S, uv->closed.u.o);
		break;
	}
	default:
		break;
	}
}

static inline void mark_value(struct ktap_session *S, const struct kp_value *v)
{
	if (is_collectable(v))
		mark_obj(S, v->u.o);
}

static void traverse_table(struct ktap_session *S, struct kp_tab *t)
{
	uint32_t i;

	for (i = 0; i < t->asize; i++)
		mark_value(S, &t->arr[i]);
	if (!t->node)
		return;
	for (i = 0; i <= t->hmask; i++) {
		/* tombstone keys stay reachable: the node still holds them */
		mark_value(S, &t->node[i].key);
		mark_value(S, &t->node[i].val);
	}
}

static void traverse_closure(struct ktap_session *S, struct kp_closure *cl)
{
	int i;

	for (i = 0; i < cl->p->nupvals; i++)
		mark_obj(S, (struct kp_obj *)cl->up[i]);
}

static void propagate(struct ktap_session *S)
{
	while (S->gray) {
		struct kp_obj *o = S->gray;

		if (o->type == KT_TAB) {
			S->gray = ((struct kp_tab *)o)->gclist;
			traverse_table(S, (struct kp_tab *)o);
		} else {
			S->gray = ((struct kp_closure *)o)->gclist;
			traverse_closure(S, (struct kp_closure *)o);
		}
	}
}

static void mark_roots(struct ktap_session *S)
{
	struct kp_value *v;
	struct kp_upval *uv;
	uint32_t i, j;
	int k;

	for (v = S->stack; v && v < S->hwm; v++)
		mark_value(S, v);
	for (uv = S->open_upvals; uv; uv = uv->open_next)
		mark_obj(S, &uv->hdr);
	for (k = 0; k < S->npins; k++)
		mark_value(S, &S->pins[k]);
	mark_obj(S, (struct kp_obj *)S->last_comm);
	if (!S->mod)
		return;
	for (i = 0; i < S->mod->nglobals; i++)
		mark_value(S, &S->globals[i]);
	for (i = 0; i < S->mod->nprobes; i++)
		mark_obj(S, (struct kp_obj *)S->handlers[i]);
	for (i = 0; i < S->mod->nallprotos; i++) {
		const struct kp_proto *p = S->mod->allprotos[i];

		for (j = 0; j < p->nk; j++)
			mark_value(S, &p->k[j]);
	}
}

/* --------------------------------------------------------------- sweep */

static size_t obj_size(const struct kp_obj *o)
{
	switch (o->type) {
	case KT_STR:
		return sizeof(struct kp_str) + ((struct kp_str *)o)->len + 1;
	case KT_TAB:
		return sizeof(struct kp_tab);
	case KT_FUNC:
		return sizeof(struct kp_closure) +
		       ((struct kp_closure *)o)->p->nupvals *
		       sizeof(struct kp_upval *);
	case KT_UPVAL:
		return sizeof(struct kp_upval);
	case KT_AGG:
		return sizeof(struct kp_agg);
	default:
		return 0;
	}
}

static void free_obj(struct ktap_session *S, struct kp_obj *o)
{
	switch (o->type) {
	case KT_STR:
		str_unlink(S, (struct kp_str *)o);
		break;
	case KT_TAB:
		tab_free(S, (struct kp_tab *)o);
		break;
	case KT_AGG: {
		struct kp_agg *a = (struct kp_agg *)o;

		if (a->log2)
			kp_free(S, a->log2, KP_AGG_NBUCKETS * sizeof(uint64_t));
		if (a->linear)
			kp_free(S, a->linear,
				a->lspec->nbuckets * sizeof(uint64_t));
		break;
	}
	default:
		break;
	}
	kp_free(S, o, obj_size(o));
}

static void gc_collect(struct ktap_session *S)
{
	struct kp_obj **pp = &S->objs;

	S->gray = NULL;
	mark_roots(S);
	propagate(S);
	while (*pp) {
		struct kp_obj *o = *pp;

		if (o->marked) {
			o->marked = 0;
			pp = &o->gcnext;
		} else {
			*pp = o->gcnext;
			free_obj(S, o);
		}
	}
	gc_update_threshold(S);
}

void gc_free_all(struct ktap_session *S)
{
	while (S->objs) {
		struct kp_obj *o = S->objs;

		S->objs = o->gcnext;
		free_obj(S, o);
	}
}

/* ------------------------------------------------------------- buffers */

int buf_reserve(struct ktap_session *S, struct kp_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 128;
	char *p;

	if (b->len + n <= b->cap)
		return 0;
	while (cap < b->len + n) {
		if (cap > KP_MAX_STRLEN)
			return kp_error(S, "string too long");
		cap *= 2;
	}
	p = kp_realloc(S, b->p, b->cap, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

int buf_add(struct ktap_session *S, struct kp_buf *b, const char *s, size_t n)
{
	if (!n)		/* s may be NULL then: an empty buffer's bytes */
		return 0;
	if (buf_reserve(S, b, n))
		return -1;
	kp_memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

void buf_free(struct ktap_session *S, struct kp_buf *b)
{
	if (b->p)
		kp_free(S, b->p, b->cap);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kp_obj.h - values and objects of the VM.
 *
 * A value is a 16-byte tagged union.  Numbers are int64 and every
 * arithmetic operation wraps (it is done on uint64_t), so results are
 * identical on every machine.  Strings, tables, closures, upvalues and
 * aggregations are collectable objects linked on one list for the
 * mark-and-sweep collector (gc.c); built-in functions are plain pointers to
 * static descriptors and need no memory.
 */
#ifndef KTAP_KP_OBJ_H
#define KTAP_KP_OBJ_H

#include "kp_sys.h"

struct ktap_session;
struct kp_value;

enum kp_type {
	KT_NIL = 0,
	KT_BOOL,
	KT_NUM,
	KT_STR,
	KT_TAB,
	KT_FUNC,	/* script closure */
	KT_BUILTIN,	/* built-in function */
	KT_AGG,		/* aggregation (t[k] <<< v) */
	KT_EVENT,	/* the current event, as the 0.1 API hands it over */
	KT_UPVAL,	/* internal: never stored in a value */
	KT_NTYPES
};

/*
 * A built-in function gets its arguments in a[0..n) and may use a[n..n+
 * KP_BUILTIN_SLOTS) as rooted scratch.  It returns how many results it left
 * in a[0..], or -1 after kp_error().
 */
#define KP_BUILTIN_SLOTS 8
typedef int (*kp_builtin_fn)(struct ktap_session *S, struct kp_value *a,
			     int n);

struct kp_builtin {
	const char *name;
	kp_builtin_fn fn;
};

struct kp_obj {
	struct kp_obj *gcnext;
	uint8_t type;
	uint8_t marked;
};

struct kp_str;
struct kp_tab;
struct kp_closure;
struct kp_agg;

struct kp_value {
	union {
		int64_t n;
		int b;
		struct kp_obj *o;
		struct kp_str *s;
		struct kp_tab *t;
		struct kp_closure *cl;
		struct kp_agg *a;
		const struct kp_builtin *bf;
	} u;
	uint32_t type;
};

#define is_nil(v)	((v)->type == KT_NIL)
#define is_num(v)	((v)->type == KT_NUM)
#define is_str(v)	((v)->type == KT_STR)
#define is_tab(v)	((v)->type == KT_TAB)
#define is_false(v)	((v)->type == KT_NIL || \
			 ((v)->type == KT_BOOL && !(v)->u.b))
#define is_collectable(v) ((v)->type >= KT_STR && (v)->type != KT_BUILTIN && \
			   (v)->type != KT_EVENT)

#define set_nil(v)	((v)->type = KT_NIL)
#define set_bool(v, x)	((v)->u.b = !!(x), (v)->type = KT_BOOL)
#define set_num(v, x)	((v)->u.n = (x), (v)->type = KT_NUM)
#define set_str(v, x)	((v)->u.s = (x), (v)->type = KT_STR)
#define set_tab(v, x)	((v)->u.t = (x), (v)->type = KT_TAB)
#define set_func(v, x)	((v)->u.cl = (x), (v)->type = KT_FUNC)
#define set_agg(v, x)	((v)->u.a = (x), (v)->type = KT_AGG)
#define set_builtin(v, x) ((v)->u.bf = (x), (v)->type = KT_BUILTIN)

/*
 * Copy a value field by field: a 16-byte copy after an 8-byte store to
 * the same value (x += 1; then moving x) defeats store forwarding and
 * costs a stall in the interpreter's hottest paths.
 */
#define setobj(d, s) \
	do { \
		struct kp_value *d_ = (d); \
		const struct kp_value *s_ = (s); \
		d_->u = s_->u; \
		d_->type = s_->type; \
	} while (0)

/* Wrapping int64 arithmetic without undefined behaviour. */
#define kp_add(a, b)	((int64_t)((uint64_t)(a) + (uint64_t)(b)))
#define kp_sub(a, b)	((int64_t)((uint64_t)(a) - (uint64_t)(b)))
#define kp_mul(a, b)	((int64_t)((uint64_t)(a) * (uint64_t)(b)))
#define kp_neg(a)	((int64_t)(0 - (uint64_t)(a)))

/* Interned, immutable string; data is NUL-terminated for convenience. */
struct kp_str {
	struct kp_obj hdr;
	uint32_t len;
	uint32_t hash;
	struct kp_str *hnext;	/* chain in the intern table */
	char data[];
};

struct kp_node {
	struct kp_value key;
	struct kp_value val;
};

/*
 * Table: integer keys 1..asize live in arr[], everything else in an
 * open-addressed hash part (linear probing).  A node whose key is nil is
 * free; a node with a key and a nil value is a tombstone, kept so that
 * deleting during pairs() keeps the iteration order.
 */
struct kp_tab {
	struct kp_obj hdr;
	struct kp_obj *gclist;	/* gray list of the collector */
	uint32_t asize;
	uint32_t hmask;		/* hash size - 1, or 0 with node == NULL */
	uint32_t hused;		/* nodes with a key (live + tombstones) */
	uint64_t count;		/* non-nil entries: len() */
	struct kp_value *arr;
	struct kp_node *node;
};

struct kp_upval {
	struct kp_obj hdr;
	struct kp_value *v;	/* points into the stack while open */
	struct kp_value closed;
	struct kp_upval *open_next;
};

struct kp_updesc {
	uint8_t instack;	/* captures a register of the enclosing frame */
	uint8_t idx;
};

/* Function prototype: owned by the loaded module, never collected. */
struct kp_proto {
	uint8_t nparams;
	uint8_t is_vararg;
	uint8_t framesize;
	uint8_t nupvals;
	uint32_t linedefined;
	uint32_t ncode;
	uint32_t nk;
	uint32_t nprotos;
	const char *name;
	uint32_t *code;
	struct kp_value *k;
	struct kp_updesc *up;
	struct kp_proto **p;
	uint32_t *lines;
};

struct kp_closure {
	struct kp_obj hdr;
	struct kp_obj *gclist;
	const struct kp_proto *p;
	struct kp_upval *up[];
};

/* Linear-histogram bounds of an aggregation (print_lhist). */
struct kp_lspec {
	int64_t lo, hi, step;
	uint32_t nbuckets;	/* (hi - lo) / step, plus under- and overflow */
};

#define KP_AGG_LOG2		64	/* buckets per sign */
#define KP_AGG_NBUCKETS		(2 * KP_AGG_LOG2 + 1)

struct kp_agg {
	struct kp_obj hdr;
	int64_t count, sum, min, max;
	const struct kp_lspec *lspec;
	uint64_t *log2;		/* KP_AGG_NBUCKETS counters */
	uint64_t *linear;	/* lspec->nbuckets counters, if lspec */
};

#define KP_TYPENAMES { "nil", "boolean", "number", "string", "table", \
		       "function", "function", "aggregation", "event", \
		       "upvalue" }
extern const char *const kp_typenames[KT_NTYPES];

#define kp_typename(v)	(kp_typenames[(v)->type])

#endif /* KTAP_KP_OBJ_H */

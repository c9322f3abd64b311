// SPDX-License-Identifier: GPL-2.0
/*
 * update.c - handlers that only update a table, run without the VM.
 *
 * A handler compiled from `t[KEY] += N` is
 *
 *	(load KEY into R)  GTINCR t R N  RETURN0
 *
 * (or the loads of t and KEY and TINCR), and one from `t[KEY] <<< VALUE`
 * is the loads of KEY, t and VALUE, TAGG, EXTRAARG 0 (no linear spec),
 * RETURN0; a load is EVGET (pid, execname, argN, ...), EVFIELD ($name),
 * LOADK or LOADI, and t's is GETGLOBAL, in any order.  Nothing else may be
 * in the handler, so evaluating those loads on the event and adding into
 * a partial result is all it does.  See ktap.h for how hosts use it.
 */
#include "agg.h"
#include "event.h"
#include "filter.h"
#include "opcodes.h"
#include "str.h"
#include "vm.h"

enum { SRC_NONE, SRC_EVVAR, SRC_FIELD, SRC_CONST, SRC_INT };

/* The load of register @reg among the handler's first @n instructions. */
static int load_of(const struct kp_proto *p, uint32_t n, uint32_t reg,
		   struct ktap_update_src *src)
{
	uint32_t pc;

	for (pc = 0; pc < n; pc++) {
		uint32_t i = p->code[pc];

		if (GETARG_A(i) != reg)
			continue;
		switch (GET_OP(i)) {
		case OP_EVGET:
			/* argstr allocates; the rest is read off the event */
			if (GETARG_B(i) == EV_ARGSTR)
				return -1;
			src->kind = SRC_EVVAR;
			src->var = (uint8_t)GETARG_B(i);
			return 0;
		case OP_EVFIELD:
			src->kind = SRC_FIELD;
			src->ref = p->k[GETARG_Bx(i)].u.s->data;
			return 0;
		case OP_LOADI:
			src->kind = SRC_INT;
			src->num = GETARG_sBx(i);
			return 0;
		case OP_LOADK:
			if (!is_num(&p->k[GETARG_Bx(i)]) &&
			    !is_str(&p->k[GETARG_Bx(i)]))
				return -1;
			src->kind = SRC_CONST;
			src->ref = &p->k[GETARG_Bx(i)];
			return 0;
		default:
			return -1;
		}
	}
	return -1;
}

/* Whether the first @n instructions only load, each register once. */
static int only_loads(const struct kp_proto *p, uint32_t n)
{
	uint32_t pc, seen = 0;

	for (pc = 0; pc < n; pc++) {
		uint32_t i = p->code[pc];
		int op = GET_OP(i);

		if ((op != OP_EVGET && op != OP_EVFIELD && op != OP_LOADK &&
		     op != OP_LOADI && op != OP_GETGLOBAL) ||
		    GETARG_A(i) >= 32 ||
		    (seen & (1U << GETARG_A(i))))
			return 0;
		seen |= 1U << GETARG_A(i);
	}
	return 1;
}

/* Whether register @reg holds a global (the table): sets u->global. */
static int table_of(const struct kp_proto *p, uint32_t n, uint32_t reg,
		    struct ktap_update *u)
{
	uint32_t pc;

	for (pc = 0; pc < n; pc++) {
		uint32_t i = p->code[pc];

		if (GET_OP(i) == OP_GETGLOBAL && GETARG_A(i) == reg) {
			u->global = GETARG_Bx(i);
			return 1;
		}
	}
	return 0;
}

int ktap_session_update(const struct ktap_session *S, uint32_t index,
			struct ktap_update *u)
{
	const struct kp_closure *cl;
	const struct kp_proto *p;
	uint32_t n, i, pc;

	if (!S->mod || index >= S->mod->nprobes || !S->handlers[index] ||
	    S->mod->probes[index].legacy)
		return 0;
	cl = S->handlers[index];
	p = cl->p;
	kp_memset(u, 0, sizeof(*u));
	u->handler = cl;
	n = p->ncode;
	if (n < 2 || GET_OP(p->code[n - 1]) != OP_RETURN0)
		return 0;
	i = p->code[n - 2];
	if (GET_OP(i) == OP_GTINCR || GET_OP(i) == OP_TINCR) {
		/* G[A][R[B]] or R[A][R[B]] += K, K a number */
		const struct kp_value *k = &p->k[GETARG_C(i)];

		pc = n - 2;
		if (!GETARG_k(i) || !is_num(k) || !only_loads(p, pc) ||
		    load_of(p, pc, GETARG_B(i), &u->key))
			return 0;
		u->val.kind = SRC_INT;
		u->val.num = k->u.n;
		if (GET_OP(i) == OP_GTINCR) {
			u->global = GETARG_A(i);
			return 1;
		}
		return table_of(p, pc, GETARG_A(i), u);
	}
	if (n < 3 || GET_OP(i) != OP_EXTRAARG || GETARG_Ax(i) ||
	    GET_OP(p->code[n - 3]) != OP_TAGG)
		return 0;
	/* R[A][R[B]] <<< R[C], R[A] a global */
	i = p->code[n - 3];
	pc = n - 3;
	if (!only_loads(p, pc) || load_of(p, pc, GETARG_B(i), &u->key) ||
	    load_of(p, pc, GETARG_C(i), &u->val))
		return 0;
	u->agg = 1;
	return table_of(p, pc, GETARG_A(i), u);
}

/* The value of @src on @ev, read as the VM's loads would. */
static int src_value(const struct ktap_update_src *src,
		     const struct ktap_event *ev, struct ktap_field *f)
{
	const struct kp_value *k;

	f->type = KTAP_FIELD_NONE;
	switch (src->kind) {
	case SRC_INT:
		f->type = KTAP_FIELD_INT;
		f->num = src->num;
		return 0;
	case SRC_CONST:
		k = src->ref;
		if (is_num(k)) {
			f->type = KTAP_FIELD_INT;
			f->num = k->u.n;
		} else {
			f->type = KTAP_FIELD_STRING;
			f->str = k->u.s->data;
			f->len = k->u.s->len;
		}
		return 0;
	case SRC_FIELD:
		return ev->ops->field_by_name(ev, src->ref, f);
	case SRC_EVVAR:
		return ev_var_field(ev, src->var, f);
	default:
		return -1;
	}
}

int ktap_update_eval(const struct ktap_session *S, uint32_t index,
		     const struct ktap_update *u, const struct ktap_event *ev,
		     struct ktap_field *key, int64_t *value)
{
	struct ktap_field v;

	/* rebound since (a handler declared a probe): the VM decides */
	if (index >= S->mod->nprobes ||
	    *(const void *const volatile *)&S->handlers[index] != u->handler)
		return -1;
	if (S->exited)
		return 0;
	if (S->mod->filters[index] && !ev->prefiltered &&
	    !filter_eval(S->mod->filters[index], ev))
		return 0;
	if (src_value(&u->key, ev, key) || src_value(&u->val, ev, &v) ||
	    (key->type != KTAP_FIELD_INT && key->type != KTAP_FIELD_STRING) ||
	    v.type != KTAP_FIELD_INT)
		return -1;
	*value = v.num;
	return 1;
}

void ktap_update_part_add(const struct ktap_update *u,
			  struct ktap_update_part *part, int64_t value)
{
	if (u->agg) {
		agg_part_add(part, value);
	} else {
		part->count++;
		part->sum = kp_add(part->sum, value);
	}
}

int ktap_session_update_merge(struct ktap_session *S,
			      const struct ktap_update *u,
			      const struct ktap_field *key,
			      const struct ktap_update_part *part)
{
	struct kp_value k, d, *slot;
	int r;

	if (!part->count)
		return 0;
	if (key->type == KTAP_FIELD_INT) {
		set_num(&k, key->num);
	} else {
		struct kp_str *s = str_new(S, key->str, key->len);

		if (!s)
			return -1;
		set_str(&k, s);
	}
	/* the new key string is referenced by nothing until stored */
	gc_pin(S, &k);
	if (u->agg) {
		slot = vm_table_agg_slot(S, &S->globals[u->global], &k, NULL);
		r = slot ? agg_merge(S, slot, part) : -1;
	} else {
		set_num(&d, part->sum);
		r = vm_table_incr(S, &S->globals[u->global], &k, &d);
	}
	gc_unpin(S);
	return r;
}

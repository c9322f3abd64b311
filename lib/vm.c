// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c - the interpreter.
 *
 * One function, one dispatch (computed goto with GCC and clang, a switch
 * elsewhere).  Script-to-script calls never recurse in C: a call pushes a
 * frame and the loop continues in the callee, so the C stack stays small
 * whatever the script does (the kernel's is 16 KB).
 *
 * Every operand was checked by the verifier, so the loop indexes registers,
 * constants, upvalues and prototypes without bounds checks.  What the
 * verifier cannot know -- value types, stack depth, loop counts -- is
 * checked here, and every failure ends in kp_error() and the vm_error exit,
 * which prefixes the message with the script position.
 */
#include "vm.h"
#include "opcodes.h"
#include "str.h"
#include "tab.h"
#include "agg.h"
#include "fmt.h"
#include "event.h"

const char *const kp_typenames[KT_NTYPES] = KP_TYPENAMES;

const char *const kp_opnames[NUM_OPCODES] = {
#define KP_OPNAME(name, mode, doc) #name,
	KTAP_OPCODES(KP_OPNAME)
#undef KP_OPNAME
};

const char *const kp_evvar_names[NUM_EVVARS] = {
#define KP_EVNAME(name, str) str,
	KTAP_EVVARS(KP_EVNAME)
#undef KP_EVNAME
};

/* ------------------------------------------------------------ helpers */

int vm_equal(const struct kp_value *a, const struct kp_value *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case KT_NIL:
		return 1;
	case KT_BOOL:
		return a->u.b == b->u.b;
	case KT_NUM:
		return a->u.n == b->u.n;
	case KT_BUILTIN:
		return a->u.bf == b->u.bf;
	case KT_EVENT:
		return 1;
	default:
		return a->u.o == b->u.o;
	}
}

int vm_strcmp(const struct kp_str *a, const struct kp_str *b)
{
	uint32_t n = a->len < b->len ? a->len : b->len;
	int r = kp_memcmp(a->data, b->data, n);

	if (r)
		return r;
	return a->len < b->len ? -1 : a->len > b->len;
}

int vm_tostring(struct ktap_session *S, struct kp_buf *b,
		const struct kp_value *v)
{
	char tmp[40];
	int n;

	switch (v->type) {
	case KT_NIL:
		return buf_add(S, b, "nil", 3);
	case KT_BOOL:
		return v->u.b ? buf_add(S, b, "true", 4) :
				buf_add(S, b, "false", 5);
	case KT_NUM:
		n = fmt_int(tmp, v->u.n);
		return buf_add(S, b, tmp, n);
	case KT_STR:
		return buf_add(S, b, v->u.s->data, v->u.s->len);
	case KT_AGG:
		return agg_tostring(S, b, v->u.a);
	case KT_EVENT:
		return ev_format(S, b);
	default:
		n = fmt_ptr(tmp, kp_typename(v), v->u.o);
		return buf_add(S, b, tmp, n);
	}
}

static struct kp_upval *find_upval(struct ktap_session *S,
				   struct kp_value *level)
{
	struct kp_upval **pp = &S->open_upvals, *uv;

	while ((uv = *pp) && uv->v >= level) {
		if (uv->v == level)
			return uv;
		pp = &uv->open_next;
	}
	uv = (struct kp_upval *)gc_new(S, KT_UPVAL, sizeof(*uv));
	if (!uv)
		return NULL;
	uv->v = level;
	set_nil(&uv->closed);
	/* the list may have changed if the allocation collected */
	pp = &S->open_upvals;
	while (*pp && (*pp)->v > level)
		pp = &(*pp)->open_next;
	uv->open_next = *pp;
	*pp = uv;
	return uv;
}

static void vm_close_upvals(struct ktap_session *S, struct kp_value *level)
{
	struct kp_upval *uv;

	while ((uv = S->open_upvals) && uv->v >= level) {
		uv->closed = *uv->v;
		uv->v = &uv->closed;
		S->open_upvals = uv->open_next;
	}
}

/* Index a value that is not a table (the slow path of the GET opcodes). */
static int vm_index(struct ktap_session *S, const struct kp_value *obj,
	     const struct kp_value *key, struct kp_value *res)
{
	if (obj->type == KT_TAB) {
		*res = *tab_get(obj->u.t, key);
		return 0;
	}
	if (obj->type == KT_EVENT && key->type == KT_STR) {
		return ev_index(S, key->u.s, res);
	}
	return kp_error(S, "attempt to index a %s value", kp_typename(obj));
}

static int vm_setindex(struct ktap_session *S, const struct kp_value *obj,
		       const struct kp_value *key, const struct kp_value *val)
{
	if (obj->type == KT_TAB)
		return tab_set(S, obj->u.t, key, val);
	return kp_error(S, "attempt to index a %s value", kp_typename(obj));
}

static int arith_error(struct ktap_session *S, const struct kp_value *a,
		       const struct kp_value *b)
{
	const struct kp_value *bad = is_num(a) ? b : a;

	return kp_error(S, "attempt to perform arithmetic on a %s value",
			kp_typename(bad));
}

/*
 * Arithmetic when an operand is not a number: nil propagates (a missing
 * value stays missing), anything else is an error.  Division by zero and
 * the one overflowing division are handled here too, off the fast path.
 */
static KP_NOINLINE int arith_slow(struct ktap_session *S, int op,
				  struct kp_value *ra,
		      const struct kp_value *a, const struct kp_value *b)
{
	int64_t x, y;

	if ((is_nil(a) && (is_num(b) || is_nil(b))) ||
	    (is_nil(b) && is_num(a))) {
		set_nil(ra);
		return 0;
	}
	if (!is_num(a) || !is_num(b))
		return arith_error(S, a, b);
	x = a->u.n;
	y = b->u.n;
	if (y == 0)
		return kp_error(S, op == OP_DIV ? "divide by zero" :
				"modulo by zero");
	/* INT64_MIN / -1 overflows in C; it wraps in ktap */
	if (op == OP_DIV)
		set_num(ra, y == -1 ? kp_neg(x) : x / y);
	else
		set_num(ra, y == -1 ? 0 : x % y);
	return 0;
}

static int compare_error(struct ktap_session *S, const struct kp_value *a,
			 const struct kp_value *b)
{
	return kp_error(S, "attempt to compare %s with %s", kp_typename(a),
			kp_typename(b));
}

/* a < b (le == 0) or a <= b (le == 1) for non-numbers; -1 on error. */
static KP_NOINLINE int less_slow(struct ktap_session *S,
				 const struct kp_value *a,
		     const struct kp_value *b, int le)
{
	if (is_str(a) && is_str(b)) {
		int r = vm_strcmp(a->u.s, b->u.s);

		return le ? r <= 0 : r < 0;
	}
	return compare_error(S, a, b);
}

/* R[A] := R[A] .. ... .. R[A+n-1]; returns the length made, or -1. */
static KP_NOINLINE int64_t concat(struct ktap_session *S, struct kp_value *ra,
				  int n)
{
	struct kp_buf *b = &S->tmp;
	struct kp_str *s;
	int i;

	b->len = 0;
	for (i = 0; i < n; i++) {
		const struct kp_value *v = &ra[i];

		if (is_str(v)) {
			if (buf_add(S, b, v->u.s->data, v->u.s->len))
				return -1;
		} else if (is_num(v)) {
			char tmp[24];

			if (buf_add(S, b, tmp, fmt_int(tmp, v->u.n)))
				return -1;
		} else {
			return kp_error(S, "attempt to concatenate a %s value",
					kp_typename(v));
		}
	}
	s = str_new(S, b->p ? b->p : "", b->len);
	if (!s)
		return -1;
	set_str(ra, s);
	return (int64_t)b->len;
}

/* `x += e`: a nil x starts from 0. */
static int incr(struct ktap_session *S, struct kp_value *v,
		const struct kp_value *delta)
{
	if (!is_num(delta))
		return kp_error(S, "'+=' needs a number, got a %s value",
				kp_typename(delta));
	if (is_nil(v))
		set_num(v, delta->u.n);
	else if (is_num(v))
		v->u.n = kp_add(v->u.n, delta->u.n);
	else
		return kp_error(S, "attempt to perform arithmetic on a %s value",
				kp_typename(v));
	return 0;
}

int vm_table_incr(struct ktap_session *S, const struct kp_value *t,
		  const struct kp_value *key, const struct kp_value *delta)
{
	struct kp_value *slot;
	int was_nil;

	if (!is_tab(t))
		return kp_error(S, "attempt to index a %s value", kp_typename(t));
	slot = tab_ref(S, t->u.t, key);
	if (!slot)
		return -1;
	if (kp_likely(is_num(slot) && is_num(delta))) {
		slot->u.n = kp_add(slot->u.n, delta->u.n);
		return 0;
	}
	was_nil = is_nil(slot);
	if (incr(S, slot, delta))
		return -1;
	tab_note_set(t->u.t, was_nil, 0);
	return 0;
}

struct kp_value *vm_table_agg_slot(struct ktap_session *S,
				   const struct kp_value *t,
				   const struct kp_value *key,
				   const struct kp_lspec *spec)
{
	struct kp_value *slot;

	if (!is_tab(t)) {
		kp_error(S, "attempt to index a %s value", kp_typename(t));
		return NULL;
	}
	slot = tab_ref(S, t->u.t, key);
	if (slot && is_nil(slot)) {
		/* collecting frees, it never moves a live table's slots */
		struct kp_agg *a = agg_new(S, spec);

		if (!a)
			return NULL;
		set_agg(slot, a);
		tab_note_set(t->u.t, 1, 0);
	}
	return slot;
}

static KP_NOINLINE int table_agg(struct ktap_session *S,
				 const struct kp_value *t,
		     const struct kp_value *key, const struct kp_value *val,
		     const struct kp_lspec *spec)
{
	struct kp_value *slot = vm_table_agg_slot(S, t, key, spec);

	return slot ? agg_add(S, slot, val) : -1;
}

/* Set up a frame for script function @func called with @nargs. */
static struct kp_frame *push_frame(struct ktap_session *S,
				   struct kp_frame *f, struct kp_value *func,
				   int nargs, int nresults)
{
	const struct kp_proto *p = func->u.cl->p;
	struct kp_value *base = func + 1;
	int nvar = 0, i;

	if (kp_unlikely(f + 1 >= S->frame_last)) {
		kp_error(S, "stack overflow (more than %u nested calls)",
			 S->lim.max_depth);
		return NULL;
	}
	if (p->is_vararg && nargs > p->nparams) {
		nvar = nargs - p->nparams;
		base = func + 1 + nargs;
	}
	if (kp_unlikely(base + p->framesize > S->stack_last)) {
		kp_error(S, "stack overflow (the stack of %u slots is full)",
			 S->lim.stack_slots);
		return NULL;
	}
	if (nvar) {
		for (i = 0; i < p->nparams; i++) {
			base[i] = func[1 + i];
			set_nil(&func[1 + i]);
		}
	} else {
		for (i = nargs; i < p->nparams; i++)
			set_nil(&base[i]);
	}
	if (base + p->framesize > S->hwm)
		S->hwm = base + p->framesize;
	f++;
	f->cl = func->u.cl;
	f->func = func;
	f->base = base;
	f->nresults = nresults;
	f->nvarargs = nvar;
	return f;
}

/*
 * Call built-in @func with @nargs arguments; its results end up at func[0]
 * and the count is returned (-1 on error).
 */
static int call_builtin(struct ktap_session *S, struct kp_value *func,
			int nargs)
{
	struct kp_value *a = func + 1;
	int n, i;

	if (kp_unlikely(a + nargs + KP_BUILTIN_SLOTS > S->stack_last))
		return kp_error(S, "stack overflow");
	if (a + nargs + KP_BUILTIN_SLOTS > S->hwm)
		S->hwm = a + nargs + KP_BUILTIN_SLOTS;
	for (i = nargs; i < nargs + KP_BUILTIN_SLOTS; i++)
		set_nil(&a[i]);
	S->cur_builtin = func->u.bf;
	n = func->u.bf->fn(S, a, nargs);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++)
		func[i] = a[i];
	return n;
}

/* Place @n results found at @src for a caller wanting @wanted (-1: all). */
static inline void move_results(struct ktap_session *S, struct kp_value *dst,
				const struct kp_value *src, int n, int wanted)
{
	int i;

	if (wanted < 0) {
		for (i = 0; i < n; i++)
			setobj(dst + i, src + i);
		S->top = dst + n;
		if (S->top > S->hwm)
			S->hwm = S->top;
		return;
	}
	for (i = 0; i < n && i < wanted; i++)
		setobj(dst + i, src + i);
	for (; i < wanted; i++)
		set_nil(&dst[i]);
}

static int has_paren(const char *s)
{
	for (; *s; s++)
		if (*s == '(')
			return 1;
	return 0;
}

static KP_NOINLINE int yield(struct ktap_session *S)
{
	if (S->pf.ops->yield && S->pf.ops->yield(S->pf.ctx))
		return kp_error(S, "interrupted");
	return 0;
}

/* Prefix the error message with the script position of @pc. */
static KP_NOINLINE void locate_error(struct ktap_session *S,
				     const struct kp_frame *f,
			 const uint32_t *pc)
{
	const struct kp_proto *p = f->cl->p;
	uint32_t at = (uint32_t)(pc - p->code) - 1;
	char msg[KP_ERRLEN], name[96] = "";

	kp_memcpy(msg, S->err, sizeof(msg));
	/* name the culprit of "attempt to call/index a nil value" */
	if (at < p->ncode && !kp_memcmp(msg, "attempt to ", 11) &&
	    (!kp_memcmp(msg + 11, "call a ", 7) ||
	     !kp_memcmp(msg + 11, "index a ", 8)) && !has_paren(msg))
		vm_name_operand(S->mod, p, at, name, sizeof(name));
	kp_error(S, "%s:%u: %s%s", S->mod->chunkname,
		 at < p->ncode ? p->lines[at] : p->linedefined, msg, name);
}

/* Building a string costs one unit of the loop budget per this many bytes. */
#define CONCAT_BYTES_PER_UNIT	64

#define loop_error(S) \
	kp_error(S, "loop execution count exceeds max limit (%llu)", \
		 (unsigned long long)S->lim.max_loop)

/* ---------------------------------------------------------- the loop */

#if defined(__GNUC__) && !defined(KTAP_NO_COMPUTED_GOTO)
#define KP_COMPUTED_GOTO 1
#endif

#define RKC(i)	(GETARG_k(i) ? k + GETARG_C(i) : base + GETARG_C(i))

/* Re-read the frame's registers and constants after a call or return. */
#define load_frame() \
	do { \
		cl = f->cl; \
		base = f->base; \
		k = cl->p->k; \
	} while (0)

#define protect(x) do { if (kp_unlikely((x) < 0)) goto vm_error; } while (0)
/*
 * One unit of the budget.  Every YIELD_EVERY units the host may take the
 * CPU back or stop the run (the kernel: cond_resched() and signals), so
 * even an unlimited budget never hangs a CPU.
 */
#define YIELD_EVERY	65536
#define check_budget() \
	do { \
		if (kp_unlikely((--budget & (YIELD_EVERY - 1)) == 0)) { \
			if (budget == 0) { \
				loop_error(S); \
				goto vm_error; \
			} \
			if (yield(S)) \
				goto vm_error; \
		} \
	} while (0)
/*
 * Take the JMP at pc; a backward jump costs one unit of the budget (the
 * check comes first so that an error points at the loop, not its target).
 */
#define do_jump() \
	do { \
		int j_ = GETARG_sJ(*pc); \
		if (j_ < 0) \
			check_budget(); \
		pc += j_ + 1; \
	} while (0)
/* A test that holds executes the JMP that follows it. */
#define cond_jump(cond) \
	do { \
		if ((cond) != GETARG_k(i)) \
			pc++; \
		else \
			do_jump(); \
	} while (0)

#ifdef KP_COMPUTED_GOTO
#define vmdispatch(x)	goto *disptab[x];
#define vmcase(l)	L_##l:
#define vmbreak		do { i = *pc++; ra = base + GETARG_A(i); \
			     goto *disptab[GET_OP(i)]; } while (0)
#else
#define vmdispatch(x)	switch (x)
#define vmcase(l)	case l:
#define vmbreak		break
#endif

#define arith_op(op, name) \
	do { \
		const struct kp_value *rb = base + GETARG_B(i); \
		const struct kp_value *rc = base + GETARG_C(i); \
		if (kp_likely(is_num(rb) && is_num(rc))) \
			set_num(ra, op(rb->u.n, rc->u.n)); \
		else if (is_nil(rb) || is_nil(rc)) \
			protect(arith_slow(S, name, ra, rb, rc)); \
		else \
			protect(arith_error(S, rb, rc)); \
	} while (0)

#define arithk_op(op) \
	do { \
		const struct kp_value *rb = base + GETARG_B(i); \
		if (kp_likely(is_num(rb))) \
			set_num(ra, op(rb->u.n, k[GETARG_C(i)].u.n)); \
		else \
			protect(arith_slow(S, OP_ADD, ra, rb, &k[GETARG_C(i)])); \
	} while (0)

#define div_op(name, vb, vc) \
	do { \
		const struct kp_value *rb = (vb), *rc = (vc); \
		if (kp_likely(is_num(rb) && is_num(rc) && rc->u.n > 0)) \
			set_num(ra, name == OP_DIV ? rb->u.n / rc->u.n : \
					rb->u.n % rc->u.n); \
		else \
			protect(arith_slow(S, name, ra, rb, rc)); \
	} while (0)

#define cmp_op(numop, le) \
	do { \
		const struct kp_value *rb = base + GETARG_B(i); \
		int c; \
		if (kp_likely(is_num(ra) && is_num(rb))) \
			c = ra->u.n numop rb->u.n; \
		else \
			protect(c = less_slow(S, ra, rb, le)); \
		cond_jump(c); \
	} while (0)

#define cmpi_op(numop) \
	do { \
		int c; \
		if (kp_likely(is_num(ra))) { \
			c = ra->u.n numop (int64_t)GETARG_sB(i); \
		} else { \
			struct kp_value imm; \
			set_num(&imm, GETARG_sB(i)); \
			protect(compare_error(S, ra, &imm)); \
			c = 0; \
		} \
		cond_jump(c); \
	} while (0)

/* R[A] := t[key], integer keys of the array part without a call. */
#define table_get(tab, key) \
	do { \
		const struct kp_value *t_ = (tab), *k_ = (key); \
		if (kp_likely(is_tab(t_) && is_num(k_))) \
			setobj(ra, tab_getint(t_->u.t, k_->u.n)); \
		else if (kp_likely(is_tab(t_))) \
			setobj(ra, tab_get(t_->u.t, k_)); \
		else \
			protect(vm_index(S, t_, k_, ra)); \
	} while (0)

/* t[key] := val, the array part without a call. */
#define table_set(tab, key, val) \
	do { \
		struct kp_value *t_ = (tab); \
		const struct kp_value *k_ = (key), *v_ = (val); \
		if (!(is_tab(t_) && is_num(k_) && \
		      tab_fastsetint(t_->u.t, k_->u.n, v_))) \
			protect(vm_setindex(S, t_, k_, v_)); \
	} while (0)

#define num_add(a, b)	kp_add(a, b)
#define num_sub(a, b)	kp_sub(a, b)
#define num_mul(a, b)	kp_mul(a, b)

static int execute(struct ktap_session *S, struct kp_frame *f)
{
	struct kp_frame *const entry = f;
	struct kp_closure *cl;
	struct kp_value *base, *ra;
	struct kp_value *const globals = S->globals;
	const struct kp_value *k;
	const uint32_t *pc;
	uint64_t budget = S->lim.max_loop;
	uint32_t i;
#ifdef KP_COMPUTED_GOTO
	static const void *const disptab[1 << SIZE_OP] KP_JUMP_TABLE = {
#define KP_LABEL(name, mode, doc) [OP_##name] = &&L_OP_##name,
		KTAP_OPCODES(KP_LABEL)
#undef KP_LABEL
	};
#endif

	load_frame();
	pc = cl->p->code;
	for (;;) {
		i = *pc++;
		ra = base + GETARG_A(i);
		vmdispatch(GET_OP(i)) {
		vmcase(OP_MOVE) {
			setobj(ra, base + GETARG_B(i));
			vmbreak;
		}
		vmcase(OP_LOADI) {
			set_num(ra, GETARG_sBx(i));
			vmbreak;
		}
		vmcase(OP_LOADK) {
			setobj(ra, k + GETARG_Bx(i));
			vmbreak;
		}
		vmcase(OP_LOADFALSE) {
			set_bool(ra, 0);
			vmbreak;
		}
		vmcase(OP_LOADTRUE) {
			set_bool(ra, 1);
			vmbreak;
		}
		vmcase(OP_LOADNIL) {
			int b = GETARG_B(i);

			do {
				set_nil(ra++);
			} while (b--);
			vmbreak;
		}
		vmcase(OP_GETUPVAL) {
			setobj(ra, cl->up[GETARG_B(i)]->v);
			vmbreak;
		}
		vmcase(OP_SETUPVAL) {
			setobj(cl->up[GETARG_B(i)]->v, ra);
			vmbreak;
		}
		vmcase(OP_GETGLOBAL) {
			setobj(ra, globals + GETARG_Bx(i));
			vmbreak;
		}
		vmcase(OP_SETGLOBAL) {
			setobj(globals + GETARG_Bx(i), ra);
			vmbreak;
		}
		vmcase(OP_GETTABLE) {
			table_get(base + GETARG_B(i), base + GETARG_C(i));
			vmbreak;
		}
		vmcase(OP_GGETTABLE) {
			table_get(globals + GETARG_B(i), base + GETARG_C(i));
			vmbreak;
		}
		vmcase(OP_GETINT) {
			const struct kp_value *rb = base + GETARG_B(i);

			if (kp_likely(is_tab(rb))) {
				setobj(ra, tab_getint(rb->u.t, GETARG_C(i)));
			} else {
				struct kp_value key;

				set_num(&key, GETARG_C(i));
				protect(vm_index(S, rb, &key, ra));
			}
			vmbreak;
		}
		vmcase(OP_GETFIELD) {
			const struct kp_value *rb = base + GETARG_B(i);
			const struct kp_value *kc = &k[GETARG_C(i)];

			if (kp_likely(is_tab(rb)))
				setobj(ra, tab_getstr(rb->u.t, kc->u.s));
			else
				protect(vm_index(S, rb, kc, ra));
			vmbreak;
		}
		vmcase(OP_SETTABLE) {
			table_set(ra, base + GETARG_B(i), RKC(i));
			vmbreak;
		}
		vmcase(OP_GSETTABLE) {
			table_set(globals + GETARG_A(i), base + GETARG_B(i), RKC(i));
			vmbreak;
		}
		vmcase(OP_SETINT) {
			struct kp_value key;

			set_num(&key, GETARG_B(i));
			protect(vm_setindex(S, ra, &key, RKC(i)));
			vmbreak;
		}
		vmcase(OP_SETFIELD) {
			protect(vm_setindex(S, ra, &k[GETARG_B(i)], RKC(i)));
			vmbreak;
		}
		vmcase(OP_NEWTABLE) {
			struct kp_tab *t = tab_new(S, GETARG_B(i), GETARG_C(i));

			if (!t)
				goto vm_error;
			set_tab(ra, t);
			vmbreak;
		}
		vmcase(OP_SELF) {
			const struct kp_value *rb = base + GETARG_B(i);
			struct kp_value obj = *rb;

			ra[1] = obj;
			protect(vm_index(S, &obj, RKC(i), ra));
			vmbreak;
		}
		vmcase(OP_ADDI) {
			const struct kp_value *rb = base + GETARG_B(i);

			if (kp_likely(is_num(rb))) {
				set_num(ra, kp_add(rb->u.n, GETARG_sC(i)));
			} else {
				struct kp_value imm;

				set_num(&imm, GETARG_sC(i));
				protect(arith_slow(S, OP_ADD, ra, rb, &imm));
			}
			vmbreak;
		}
		vmcase(OP_ADDK) {
			arithk_op(num_add);
			vmbreak;
		}
		vmcase(OP_SUBK) {
			arithk_op(num_sub);
			vmbreak;
		}
		vmcase(OP_MULK) {
			arithk_op(num_mul);
			vmbreak;
		}
		vmcase(OP_DIVK) {
			div_op(OP_DIV, base + GETARG_B(i), &k[GETARG_C(i)]);
			vmbreak;
		}
		vmcase(OP_MODK) {
			div_op(OP_MOD, base + GETARG_B(i), &k[GETARG_C(i)]);
			vmbreak;
		}
		vmcase(OP_ADD) {
			arith_op(num_add, OP_ADD);
			vmbreak;
		}
		vmcase(OP_SUB) {
			arith_op(num_sub, OP_SUB);
			vmbreak;
		}
		vmcase(OP_MUL) {
			arith_op(num_mul, OP_MUL);
			vmbreak;
		}
		vmcase(OP_DIV) {
			div_op(OP_DIV, base + GETARG_B(i), base + GETARG_C(i));
			vmbreak;
		}
		vmcase(OP_MOD) {
			div_op(OP_MOD, base + GETARG_B(i), base + GETARG_C(i));
			vmbreak;
		}
		vmcase(OP_UNM) {
			const struct kp_value *rb = base + GETARG_B(i);

			if (kp_likely(is_num(rb)))
				set_num(ra, kp_neg(rb->u.n));
			else if (is_nil(rb))
				set_nil(ra);
			else
				protect(arith_error(S, rb, rb));
			vmbreak;
		}
		vmcase(OP_NOT) {
			set_bool(ra, is_false(base + GETARG_B(i)));
			vmbreak;
		}
		vmcase(OP_CONCAT) {
			int64_t len = concat(S, ra, GETARG_B(i));
			uint64_t cost = (uint64_t)len / CONCAT_BYTES_PER_UNIT;

			if (len < 0)
				goto vm_error;
			/* s = s .. x in a loop is quadratic: charge the bytes */
			if (kp_unlikely(cost >= budget)) {
				loop_error(S);
				goto vm_error;
			}
			budget -= cost;
			vmbreak;
		}
		vmcase(OP_INCR) {
			const struct kp_value *rc = RKC(i);

			if (kp_likely(is_num(ra) && is_num(rc)))
				ra->u.n = kp_add(ra->u.n, rc->u.n);
			else
				protect(incr(S, ra, rc));
			vmbreak;
		}
		vmcase(OP_GINCR) {
			struct kp_value *g = globals + GETARG_Bx(i);

			if (kp_likely(is_num(g) && is_num(ra)))
				g->u.n = kp_add(g->u.n, ra->u.n);
			else
				protect(incr(S, g, ra));
			vmbreak;
		}
		vmcase(OP_TINCR) {
			protect(vm_table_incr(S, ra, base + GETARG_B(i), RKC(i)));
			vmbreak;
		}
		vmcase(OP_GTINCR) {
			protect(vm_table_incr(S, globals + GETARG_A(i),
					   base + GETARG_B(i), RKC(i)));
			vmbreak;
		}
		vmcase(OP_AGG) {
			uint32_t spec = (uint32_t)GETARG_Ax(*pc++);
			const struct kp_lspec *ls = spec ?
				&S->mod->specs[spec - 1] : NULL;

			if (is_nil(ra)) {
				struct kp_agg *a = agg_new(S, ls);

				if (!a)
					goto vm_error;
				set_agg(ra, a);
			}
			protect(agg_add(S, ra, base + GETARG_B(i)));
			vmbreak;
		}
		vmcase(OP_TAGG) {
			uint32_t spec = (uint32_t)GETARG_Ax(*pc++);

			protect(table_agg(S, ra, base + GETARG_B(i),
					  base + GETARG_C(i),
					  spec ? &S->mod->specs[spec - 1] : NULL));
			vmbreak;
		}
		vmcase(OP_EXTRAARG) {
			/* the verifier only allows it after AGG and TAGG */
			vmbreak;
		}
		vmcase(OP_CLOSE) {
			vm_close_upvals(S, ra);
			vmbreak;
		}
		vmcase(OP_JMP) {
			int j = GETARG_sJ(i);

			if (j < 0)
				check_budget();
			pc += j;
			vmbreak;
		}
		vmcase(OP_EQ) {
			cond_jump(vm_equal(ra, base + GETARG_B(i)));
			vmbreak;
		}
		vmcase(OP_LT) {
			cmp_op(<, 0);
			vmbreak;
		}
		vmcase(OP_LE) {
			cmp_op(<=, 1);
			vmbreak;
		}
		vmcase(OP_EQK) {
			cond_jump(vm_equal(ra, &k[GETARG_B(i)]));
			vmbreak;
		}
		vmcase(OP_EQI) {
			cond_jump(is_num(ra) && ra->u.n == GETARG_sB(i));
			vmbreak;
		}
		vmcase(OP_LTI) {
			cmpi_op(<);
			vmbreak;
		}
		vmcase(OP_LEI) {
			cmpi_op(<=);
			vmbreak;
		}
		vmcase(OP_GTI) {
			cmpi_op(>);
			vmbreak;
		}
		vmcase(OP_GEI) {
			cmpi_op(>=);
			vmbreak;
		}
		vmcase(OP_TEST) {
			cond_jump(!is_false(ra));
			vmbreak;
		}
		vmcase(OP_TESTSET) {
			const struct kp_value *rb = base + GETARG_B(i);

			if (is_false(rb) == GETARG_k(i)) {
				pc++;
			} else {
				*ra = *rb;
				do_jump();
			}
			vmbreak;
		}
		vmcase(OP_CALL) {
			int b = GETARG_B(i);
			int nargs = b ? b - 1 : (int)(S->top - ra) - 1;
			int nresults = GETARG_C(i) - 1;

			check_budget();
			if (kp_likely(ra->type == KT_FUNC)) {
				struct kp_frame *nf;

				f->pc = pc;
				nf = push_frame(S, f, ra, nargs, nresults);
				if (!nf)
					goto vm_error;
				f = nf;
				load_frame();
				pc = cl->p->code;
			} else if (ra->type == KT_BUILTIN) {
				int n = call_builtin(S, ra, nargs);

				if (n < 0)
					goto vm_error;
				move_results(S, ra, ra, n, nresults);
			} else {
				kp_error(S, "attempt to call a %s value",
					 kp_typename(ra));
				goto vm_error;
			}
			vmbreak;
		}
		vmcase(OP_TAILCALL) {
			int b = GETARG_B(i);
			int nargs = b ? b - 1 : (int)(S->top - ra) - 1;
			struct kp_value *func = f->func;
			struct kp_frame *nf;
			int j;

			check_budget();
			if (ra->type != KT_FUNC) {
				/* a built-in: call it and return its results */
				int n;

				if (ra->type != KT_BUILTIN) {
					kp_error(S, "attempt to call a %s value",
						 kp_typename(ra));
					goto vm_error;
				}
				n = call_builtin(S, ra, nargs);
				if (n < 0)
					goto vm_error;
				S->top = ra + n;
				goto do_return;
			}
			vm_close_upvals(S, base);
			for (j = 0; j <= nargs; j++)
				func[j] = ra[j];
			nf = push_frame(S, f - 1, func, nargs, f->nresults);
			if (!nf)
				goto vm_error;
			f = nf;
			load_frame();
			pc = cl->p->code;
			vmbreak;
		}
		vmcase(OP_RETURN) {
			int b = GETARG_B(i);

			S->top = b ? ra + b - 1 : S->top;
do_return:
			{
				int n = (int)(S->top - ra);
				struct kp_value *dst = f->func;

				if (S->open_upvals && S->open_upvals->v >= base)
					vm_close_upvals(S, base);
				move_results(S, dst, ra, n, f->nresults);
				if (f == entry)
					return 0;
				f--;
				load_frame();
				pc = f->pc;
			}
			vmbreak;
		}
		vmcase(OP_RETURN0) {
			int n = f->nresults;
			struct kp_value *dst = f->func;

			if (S->open_upvals && S->open_upvals->v >= base)
				vm_close_upvals(S, base);
			if (n < 0)
				S->top = dst;
			while (n-- > 0)
				set_nil(dst++);
			if (f == entry)
				return 0;
			f--;
			load_frame();
			pc = f->pc;
			vmbreak;
		}
		vmcase(OP_RETURN1) {
			struct kp_value *dst = f->func;
			int n = f->nresults;

			if (S->open_upvals && S->open_upvals->v >= base)
				vm_close_upvals(S, base);
			setobj(dst, ra);
			if (n < 0) {
				S->top = dst + 1;
			} else {
				while (--n > 0)
					set_nil(++dst);
			}
			if (f == entry)
				return 0;
			f--;
			load_frame();
			pc = f->pc;
			vmbreak;
		}
		vmcase(OP_FORPREP) {
			int64_t init, limit, step;
			uint64_t count;

			if (!is_num(ra) || !is_num(ra + 1) || !is_num(ra + 2)) {
				kp_error(S, "'for' %s must be a number",
					 !is_num(ra) ? "initial value" :
					 !is_num(ra + 1) ? "limit" : "step");
				goto vm_error;
			}
			init = ra->u.n;
			limit = ra[1].u.n;
			step = ra[2].u.n;
			if (step == 0) {
				kp_error(S, "'for' step is zero");
				goto vm_error;
			}
			if (step > 0 ? init > limit : init < limit) {
				pc += GETARG_Bx(i) + 1;
				vmbreak;
			}
			/* iterations after the first, computed without overflow */
			if (step > 0)
				count = ((uint64_t)limit - (uint64_t)init) /
					(uint64_t)step;
			else
				count = ((uint64_t)init - (uint64_t)limit) /
					(0 - (uint64_t)step);
			ra[1].u.n = (int64_t)count;
			ra[3] = *ra;
			vmbreak;
		}
		vmcase(OP_FORLOOP) {
			uint64_t count = (uint64_t)ra[1].u.n;

			/* set_num: bytecode may have stored anything here */
			if (count > 0) {
				set_num(ra + 1, (int64_t)(count - 1));
				set_num(ra, kp_add(ra->u.n, ra[2].u.n));
				set_num(ra + 3, ra->u.n);
				check_budget();
				pc -= GETARG_Bx(i);
			}
			vmbreak;
		}
		vmcase(OP_TFORPREP) {
			set_num(ra + 3, 0);
			pc += GETARG_Bx(i);
			vmbreak;
		}
		vmcase(OP_TFORCALL) {
			int c = GETARG_C(i), j;

			if (ra->type == KT_BUILTIN && ra->u.bf == &kp_builtin_next &&
			    is_tab(ra + 1)) {
				/* pairs(): walk the table by position */
				uint64_t pos = (uint64_t)ra[3].u.n;

				if (!tab_next(ra[1].u.t, &pos, ra + 4, ra + 5))
					set_nil(ra + 4);
				set_num(ra + 3, (int64_t)pos);
				for (j = 2; j < c; j++)
					set_nil(ra + 4 + j);
				vmbreak;
			}
			ra[4] = ra[0];
			ra[5] = ra[1];
			ra[6] = ra[2];
			ra += 4;
			if (ra->type == KT_FUNC) {
				struct kp_frame *nf;

				f->pc = pc;
				nf = push_frame(S, f, ra, 2, c);
				if (!nf)
					goto vm_error;
				f = nf;
				load_frame();
				pc = cl->p->code;
			} else if (ra->type == KT_BUILTIN) {
				int n = call_builtin(S, ra, 2);

				if (n < 0)
					goto vm_error;
				move_results(S, ra, ra, n, c);
			} else {
				kp_error(S, "attempt to call a %s value (for iterator)",
					 kp_typename(ra));
				goto vm_error;
			}
			vmbreak;
		}
		vmcase(OP_TFORLOOP) {
			if (!is_nil(ra + 4)) {
				ra[2] = ra[4];
				check_budget();
				pc -= GETARG_Bx(i);
			}
			vmbreak;
		}
		vmcase(OP_SETLIST) {
			int n = GETARG_B(i), j;
			int64_t first = (int64_t)GETARG_C(i) * LFIELDS_PER_FLUSH;

			if (n == 0)
				n = (int)(S->top - ra) - 1;
			if (!is_tab(ra)) {
				kp_error(S, "SETLIST on a %s value", kp_typename(ra));
				goto vm_error;
			}
			for (j = 1; j <= n; j++)
				protect(tab_setint(S, ra->u.t, first + j, ra + j));
			vmbreak;
		}
		vmcase(OP_CLOSURE) {
			const struct kp_proto *p = cl->p->p[GETARG_Bx(i)];
			struct kp_closure *ncl;
			int j;

			ncl = (struct kp_closure *)gc_new(S, KT_FUNC,
				sizeof(*ncl) + p->nupvals * sizeof(ncl->up[0]));
			if (!ncl)
				goto vm_error;
			ncl->p = p;
			for (j = 0; j < p->nupvals; j++)
				ncl->up[j] = NULL;
			set_func(ra, ncl);
			for (j = 0; j < p->nupvals; j++) {
				if (p->up[j].instack) {
					ncl->up[j] = find_upval(S, base + p->up[j].idx);
					if (!ncl->up[j])
						goto vm_error;
				} else {
					ncl->up[j] = cl->up[p->up[j].idx];
				}
			}
			vmbreak;
		}
		vmcase(OP_VARARG) {
			int n = GETARG_C(i) - 1, nvar = f->nvarargs, j;
			struct kp_value *src = f->func + 1 + cl->p->nparams;

			if (n < 0) {
				if (ra + nvar > S->stack_last) {
					kp_error(S, "stack overflow");
					goto vm_error;
				}
				n = nvar;
				S->top = ra + nvar;
				if (S->top > S->hwm)
					S->hwm = S->top;
			}
			for (j = 0; j < n && j < nvar; j++)
				ra[j] = src[j];
			for (; j < n; j++)
				set_nil(ra + j);
			vmbreak;
		}
		vmcase(OP_EVGET) {
			protect(ev_var(S, GETARG_B(i), ra));
			vmbreak;
		}
		vmcase(OP_EVFIELD) {
			protect(ev_field(S, k[GETARG_Bx(i)].u.s, ra));
			vmbreak;
		}
		vmcase(OP_PROBE) {
			if (ra->type != KT_FUNC) {
				kp_error(S, "a probe handler must be a script function, not a %s",
					 kp_typename(ra));
				goto vm_error;
			}
			S->handlers[GETARG_Bx(i)] = ra->u.cl;
			vmbreak;
		}
#ifndef KP_COMPUTED_GOTO
		default:
			break;
#endif
		}
	}

vm_error:
	locate_error(S, f, pc);
	vm_close_upvals(S, entry->base);
	return -1;
}

int vm_enter(struct ktap_session *S, struct kp_value *func, int nargs)
{
	const struct kp_proto *p = func->u.cl->p;
	struct kp_frame *f = S->frames + 1;
	int i;

	/* a handler's frame, set up directly: this runs for every event */
	if (kp_unlikely(p->is_vararg ||
			func + 1 + p->framesize > S->stack_last)) {
		f = push_frame(S, S->frames, func, nargs, 0);
		if (!f)
			return -1;
		return execute(S, f);
	}
	for (i = nargs; i < p->nparams; i++)
		set_nil(&func[1 + i]);
	if (func + 1 + p->framesize > S->hwm)
		S->hwm = func + 1 + p->framesize;
	f->cl = func->u.cl;
	f->func = func;
	f->base = func + 1;
	f->nresults = 0;
	f->nvarargs = 0;
	return execute(S, f);
}

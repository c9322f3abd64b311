// SPDX-License-Identifier: GPL-2.0
/*
 * code.c - the code generator: registers, constants, jumps and turning
 * expression descriptors into instructions.
 *
 * Jump lists: a list of pending JMPs is threaded through their own sJ
 * fields (each points to the next; NO_JUMP ends it) until the target is
 * known and code_patchlist() fixes them all.  A JMP that follows a test
 * instruction is "controlled" by it: TESTSET jumps may leave a value in a
 * register, which is how `a or b` avoids extra moves.
 */
#include <string.h>

#include "code.h"
#include "../lib/bytecode.h"

void *code_grow(struct compiler *C, void *arr, int *cap, size_t itemsize)
{
	int ncap = *cap ? *cap * 2 : 16;
	void *n = lex_alloc(C->ls, (size_t)ncap * itemsize);

	if (arr)
		memcpy(n, arr, (size_t)*cap * itemsize);
	*cap = ncap;
	return n;
}

static void __attribute__((noreturn)) error(struct funcstate *fs,
					     const char *msg)
{
	lex_error(fs->C->ls, "%s", msg);
}

/* ------------------------------------------------------------ emitting */

static int code_emit(struct funcstate *fs, uint32_t i)
{
	struct protob *f = fs->f;
	struct compiler *C = fs->C;

	if (f->ncode >= (int)KBC_MAX_CODE)
		error(fs, "function too long");
	if (f->ncode + 1 > f->capcode) {
		int cap = f->capcode;

		f->code = code_grow(C, f->code, &cap, sizeof(*f->code));
		f->lines = code_grow(C, f->lines, &f->capcode,
				     sizeof(*f->lines));
	}
	f->code[f->ncode] = i;
	f->lines[f->ncode] = C->lastline;
	return f->ncode++;
}

int code_ABCk(struct funcstate *fs, int op, int a, int b, int c, int k)
{
	return code_emit(fs, CREATE_ABCk(op, a, b, c, k));
}

int code_ABx(struct funcstate *fs, int op, int a, unsigned int bx)
{
	return code_emit(fs, CREATE_ABx(op, a, bx));
}

static int code_sJ(struct funcstate *fs, int op, int sj)
{
	return code_emit(fs, CREATE_sJ(op, sj));
}

static int code_extraarg(struct funcstate *fs, int a)
{
	return code_emit(fs, CREATE_Ax(OP_EXTRAARG, a));
}

void code_fixline(struct funcstate *fs, int line)
{
	fs->f->lines[fs->f->ncode - 1] = line;
}

/* ---------------------------------------------------------- registers */

void code_checkstack(struct funcstate *fs, int n)
{
	int newstack = fs->freereg + n;

	if (newstack > fs->f->maxstack) {
		if (newstack >= MAXREGS)
			error(fs, "function or expression needs too many registers");
		fs->f->maxstack = newstack;
	}
}

void code_reserveregs(struct funcstate *fs, int n)
{
	code_checkstack(fs, n);
	fs->freereg += n;
}

/* Registers of active locals are never freed here. */
static void freereg(struct funcstate *fs, int reg)
{
	if (reg >= fs->nactvar) {
		fs->freereg--;
	}
}

static void freeregs(struct funcstate *fs, int r1, int r2)
{
	if (r1 > r2) {
		freereg(fs, r1);
		freereg(fs, r2);
	} else {
		freereg(fs, r2);
		freereg(fs, r1);
	}
}

static void code_freeexp(struct funcstate *fs, struct expdesc *e)
{
	if (e->k == VNONRELOC)
		freereg(fs, e->u.info);
}

static void freeexps(struct funcstate *fs, struct expdesc *e1,
		     struct expdesc *e2)
{
	int r1 = e1->k == VNONRELOC ? e1->u.info : -1;
	int r2 = e2->k == VNONRELOC ? e2->u.info : -1;

	if (r1 >= 0 && r2 >= 0)
		freeregs(fs, r1, r2);
	else if (r1 >= 0)
		freereg(fs, r1);
	else if (r2 >= 0)
		freereg(fs, r2);
}

/* ----------------------------------------------------------- constants */

static int addk(struct funcstate *fs, const struct kconst *k)
{
	struct protob *f = fs->f;
	int i;

	/* functions have few constants; a scan keeps the code simple */
	for (i = 0; i < f->nk; i++) {
		const struct kconst *o = &f->k[i];

		if (o->type != k->type)
			continue;
		if (k->type == KBC_INT && o->num == k->num)
			return i;
		if (k->type == KBC_STR && o->len == k->len &&
		    !memcmp(o->str, k->str, k->len))
			return i;
		if (k->type != KBC_INT && k->type != KBC_STR)
			return i;
	}
	if (f->nk >= (int)KBC_MAX_ITEMS)
		error(fs, "too many constants in one function");
	GROW(fs->C, f->k, f->nk, f->capk);
	f->k[f->nk] = *k;
	return f->nk++;
}

int code_stringk(struct funcstate *fs, const char *s, size_t len)
{
	struct kconst k = { .type = KBC_STR, .str = s, .len = len };

	return addk(fs, &k);
}

static int code_intk(struct funcstate *fs, int64_t v)
{
	struct kconst k = { .type = KBC_INT, .num = v };

	return addk(fs, &k);
}

static int boolk(struct funcstate *fs, int b)
{
	struct kconst k = { .type = b ? KBC_TRUE : KBC_FALSE };

	return addk(fs, &k);
}

static int nilk(struct funcstate *fs)
{
	struct kconst k = { .type = KBC_NIL };

	return addk(fs, &k);
}

static int fits_sBx(int64_t v)
{
	return v >= -OFFSET_sBx && v <= MAXARG_Bx - OFFSET_sBx;
}

static int fits_sC(int64_t v)
{
	return v >= -OFFSET_sC && v <= MAXARG_C - OFFSET_sC;
}

void code_int(struct funcstate *fs, int reg, int64_t v)
{
	if (fits_sBx(v))
		code_ABx(fs, OP_LOADI, reg, (unsigned int)(v + OFFSET_sBx));
	else
		code_ABx(fs, OP_LOADK, reg, (unsigned int)code_intk(fs, v));
}

static void code_loadk(struct funcstate *fs, int reg, int k)
{
	if (k > MAXARG_Bx)
		error(fs, "too many constants in one function");
	code_ABx(fs, OP_LOADK, reg, (unsigned int)k);
}

void code_nil(struct funcstate *fs, int from, int n)
{
	struct protob *f = fs->f;

	/* merge with a LOADNIL just before, unless it is a jump target */
	if (f->ncode > 0 && fs->lasttarget < f->ncode) {
		uint32_t *prev = &f->code[f->ncode - 1];

		if (GET_OP(*prev) == OP_LOADNIL) {
			int pfrom = GETARG_A(*prev);
			int pl = pfrom + GETARG_B(*prev);
			int l = from + n - 1;

			if ((pfrom <= from && from <= pl + 1) ||
			    (from <= pfrom && pfrom <= l + 1)) {
				if (pfrom < from)
					from = pfrom;
				if (pl > l)
					l = pl;
				SETARG_A(*prev, from);
				SETARG_B(*prev, l - from);
				return;
			}
		}
	}
	code_ABC(fs, OP_LOADNIL, from, n - 1, 0);
}

/* --------------------------------------------------------------- jumps */

static int getjump(struct funcstate *fs, int pc)
{
	int off = GETARG_sJ(fs->f->code[pc]);

	return off == NO_JUMP ? NO_JUMP : pc + 1 + off;
}

static void code_fixjump(struct funcstate *fs, int pc, int dest)
{
	int off = dest - (pc + 1);

	if (off < -OFFSET_sJ || off > MAXARG_sJ - OFFSET_sJ)
		error(fs, "control structure too long");
	SETARG_sJ(fs->f->code[pc], off);
}

void code_concat(struct funcstate *fs, int *l1, int l2)
{
	int list, next;

	if (l2 == NO_JUMP)
		return;
	if (*l1 == NO_JUMP) {
		*l1 = l2;
		return;
	}
	list = *l1;
	while ((next = getjump(fs, list)) != NO_JUMP)
		list = next;
	code_fixjump(fs, list, l2);
}

int code_jump(struct funcstate *fs)
{
	return code_sJ(fs, OP_JMP, NO_JUMP);
}

int code_getlabel(struct funcstate *fs)
{
	fs->lasttarget = fs->f->ncode;
	return fs->f->ncode;
}

static int is_test(uint32_t i)
{
	switch (GET_OP(i)) {
	case OP_EQ: case OP_LT: case OP_LE: case OP_EQK: case OP_EQI:
	case OP_LTI: case OP_LEI: case OP_GTI: case OP_GEI:
	case OP_TEST: case OP_TESTSET:
		return 1;
	default:
		return 0;
	}
}

static uint32_t *getjumpcontrol(struct funcstate *fs, int pc)
{
	uint32_t *pi = &fs->f->code[pc];

	if (pc >= 1 && is_test(*(pi - 1)))
		return pi - 1;
	return pi;
}

/*
 * Make the TESTSET controlling jump @node put its value in @reg, or turn
 * it into a TEST when no value is wanted.  Returns 0 if the jump is not
 * controlled by a TESTSET (it produces a boolean elsewhere).
 */
static int patchtestreg(struct funcstate *fs, int node, int reg)
{
	uint32_t *i = getjumpcontrol(fs, node);

	if (GET_OP(*i) != OP_TESTSET)
		return 0;
	if (reg != NO_REG && reg != GETARG_B(*i))
		SETARG_A(*i, reg);
	else
		*i = CREATE_ABCk(OP_TEST, GETARG_B(*i), 0, 0, GETARG_k(*i));
	return 1;
}

static void removevalues(struct funcstate *fs, int list)
{
	for (; list != NO_JUMP; list = getjump(fs, list))
		patchtestreg(fs, list, NO_REG);
}

static void patchlistaux(struct funcstate *fs, int list, int vtarget,
			 int reg, int dtarget)
{
	while (list != NO_JUMP) {
		int next = getjump(fs, list);

		if (patchtestreg(fs, list, reg))
			code_fixjump(fs, list, vtarget);
		else
			code_fixjump(fs, list, dtarget);
		list = next;
	}
}

void code_patchlist(struct funcstate *fs, int list, int target)
{
	patchlistaux(fs, list, target, NO_REG, target);
}

void code_patchtohere(struct funcstate *fs, int list)
{
	code_patchlist(fs, list, code_getlabel(fs));
}

/* Emit a test and its jump; the jump is taken when the test equals k. */
static int condjump(struct funcstate *fs, int op, int a, int b, int c, int k)
{
	code_ABCk(fs, op, a, b, c, k);
	return code_jump(fs);
}

void code_ret(struct funcstate *fs, int first, int nret)
{
	if (nret == 0)
		code_ABC(fs, OP_RETURN0, 0, 0, 0);
	else if (nret == 1)
		code_ABC(fs, OP_RETURN1, first, 0, 0);
	else
		code_ABC(fs, OP_RETURN, first, nret + 1, 0);
}

/* ---------------------------------------------------------- discharge */

void code_setreturns(struct funcstate *fs, struct expdesc *e, int nresults)
{
	uint32_t *pc = &getinstr(fs, e);

	if (e->k == VCALL) {
		SETARG_C(*pc, nresults + 1);
	} else {
		SETARG_C(*pc, nresults + 1);
		SETARG_A(*pc, fs->freereg);
		code_reserveregs(fs, 1);
	}
}

void code_setoneret(struct funcstate *fs, struct expdesc *e)
{
	if (e->k == VCALL) {
		e->k = VNONRELOC;
		e->u.info = GETARG_A(getinstr(fs, e));
	} else if (e->k == VVARARG) {
		SETARG_C(getinstr(fs, e), 2);
		e->k = VRELOC;
	}
}

void code_dischargevars(struct funcstate *fs, struct expdesc *e)
{
	switch (e->k) {
	case VLOCAL:
		e->k = VNONRELOC;
		break;
	case VUPVAL:
		e->u.info = code_ABC(fs, OP_GETUPVAL, 0, e->u.info, 0);
		e->k = VRELOC;
		break;
	case VGLOBAL:
		e->u.info = code_ABx(fs, OP_GETGLOBAL, 0, (unsigned int)e->u.info);
		e->k = VRELOC;
		break;
	case VINDEXED:
		freeregs(fs, e->u.ind.t, e->u.ind.idx);
		e->u.info = code_ABC(fs, OP_GETTABLE, 0, e->u.ind.t,
				     e->u.ind.idx);
		e->k = VRELOC;
		break;
	case VGINDEXED:
		freereg(fs, e->u.ind.idx);
		e->u.info = code_ABC(fs, OP_GGETTABLE, 0, e->u.ind.t,
				     e->u.ind.idx);
		e->k = VRELOC;
		break;
	case VINDEXSTR:
		freereg(fs, e->u.ind.t);
		e->u.info = code_ABC(fs, OP_GETFIELD, 0, e->u.ind.t,
				     e->u.ind.idx);
		e->k = VRELOC;
		break;
	case VINDEXINT:
		freereg(fs, e->u.ind.t);
		e->u.info = code_ABC(fs, OP_GETINT, 0, e->u.ind.t,
				     e->u.ind.idx);
		e->k = VRELOC;
		break;
	case VCALL:
	case VVARARG:
		code_setoneret(fs, e);
		break;
	default:
		break;
	}
}

static void discharge2reg(struct funcstate *fs, struct expdesc *e, int reg)
{
	code_dischargevars(fs, e);
	switch (e->k) {
	case VNIL:
		code_nil(fs, reg, 1);
		break;
	case VFALSE:
		code_ABC(fs, OP_LOADFALSE, reg, 0, 0);
		break;
	case VTRUE:
		code_ABC(fs, OP_LOADTRUE, reg, 0, 0);
		break;
	case VKSTR:
		code_loadk(fs, reg, code_stringk(fs, e->u.str.s, e->u.str.len));
		break;
	case VK:
		code_loadk(fs, reg, e->u.info);
		break;
	case VKINT:
		code_int(fs, reg, e->u.ival);
		break;
	case VRELOC:
		SETARG_A(getinstr(fs, e), reg);
		break;
	case VNONRELOC:
		if (reg != e->u.info)
			code_ABC(fs, OP_MOVE, reg, e->u.info, 0);
		break;
	default:
		/* VJMP: nothing to do yet */
		return;
	}
	e->u.info = reg;
	e->k = VNONRELOC;
}

static void discharge2anyreg(struct funcstate *fs, struct expdesc *e)
{
	if (e->k != VNONRELOC) {
		code_reserveregs(fs, 1);
		discharge2reg(fs, e, fs->freereg - 1);
	}
}

/* Does any jump of @list need to produce a boolean (not a TESTSET)? */
static int need_value(struct funcstate *fs, int list)
{
	for (; list != NO_JUMP; list = getjump(fs, list)) {
		if (GET_OP(*getjumpcontrol(fs, list)) != OP_TESTSET)
			return 1;
	}
	return 0;
}

static void code_exp2reg(struct funcstate *fs, struct expdesc *e, int reg)
{
	discharge2reg(fs, e, reg);
	if (e->k == VJMP)
		code_concat(fs, &e->t, e->u.info);
	if (hasjumps(e)) {
		int final, skip, p_f = NO_JUMP, p_t = NO_JUMP;

		if (need_value(fs, e->t) || need_value(fs, e->f)) {
			int fj = e->k == VJMP ? NO_JUMP : code_jump(fs);

			p_f = code_getlabel(fs);
			code_ABC(fs, OP_LOADFALSE, reg, 0, 0);
			skip = code_jump(fs);
			/* over the LOADTRUE that follows */
			code_patchlist(fs, skip, skip + 2);
			p_t = code_getlabel(fs);
			code_ABC(fs, OP_LOADTRUE, reg, 0, 0);
			code_patchtohere(fs, fj);
		}
		final = code_getlabel(fs);
		patchlistaux(fs, e->f, final, reg, p_f);
		patchlistaux(fs, e->t, final, reg, p_t);
	}
	e->f = e->t = NO_JUMP;
	e->u.info = reg;
	e->k = VNONRELOC;
}

void code_exp2nextreg(struct funcstate *fs, struct expdesc *e)
{
	code_dischargevars(fs, e);
	code_freeexp(fs, e);
	code_reserveregs(fs, 1);
	code_exp2reg(fs, e, fs->freereg - 1);
}

int code_exp2anyreg(struct funcstate *fs, struct expdesc *e)
{
	code_dischargevars(fs, e);
	if (e->k == VNONRELOC) {
		if (!hasjumps(e))
			return e->u.info;
		if (e->u.info >= fs->nactvar) {
			code_exp2reg(fs, e, e->u.info);
			return e->u.info;
		}
	}
	code_exp2nextreg(fs, e);
	return e->u.info;
}

void code_exp2anyregup(struct funcstate *fs, struct expdesc *e)
{
	if (e->k != VUPVAL || hasjumps(e))
		code_exp2anyreg(fs, e);
}

void code_exp2val(struct funcstate *fs, struct expdesc *e)
{
	if (hasjumps(e))
		code_exp2anyreg(fs, e);
	else
		code_dischargevars(fs, e);
}

/* Make @e a constant if it can be one; returns 1 and sets VK. */
static int exp2K(struct funcstate *fs, struct expdesc *e)
{
	int info;

	if (hasjumps(e))
		return 0;
	switch (e->k) {
	case VTRUE:
		info = boolk(fs, 1);
		break;
	case VFALSE:
		info = boolk(fs, 0);
		break;
	case VNIL:
		info = nilk(fs);
		break;
	case VKINT:
		info = code_intk(fs, e->u.ival);
		break;
	case VKSTR:
		info = code_stringk(fs, e->u.str.s, e->u.str.len);
		break;
	case VK:
		info = e->u.info;
		break;
	default:
		return 0;
	}
	if (info > MAX_KRK)
		return 0;
	e->k = VK;
	e->u.info = info;
	return 1;
}

static int code_exp2RK(struct funcstate *fs, struct expdesc *e)
{
	if (exp2K(fs, e))
		return 1;
	code_exp2anyreg(fs, e);
	return 0;
}

static void codeABRK(struct funcstate *fs, int op, int a, int b,
		     struct expdesc *ec)
{
	int k = code_exp2RK(fs, ec);

	code_ABCk(fs, op, a, b, ec->u.info, k);
}

void code_storevar(struct funcstate *fs, struct expdesc *var,
		   struct expdesc *ex)
{
	switch (var->k) {
	case VLOCAL:
		code_freeexp(fs, ex);
		code_exp2reg(fs, ex, var->u.info);
		return;
	case VUPVAL:
		code_ABC(fs, OP_SETUPVAL, code_exp2anyreg(fs, ex), var->u.info, 0);
		break;
	case VGLOBAL:
		code_ABx(fs, OP_SETGLOBAL, code_exp2anyreg(fs, ex),
			 (unsigned int)var->u.info);
		break;
	case VINDEXED:
		codeABRK(fs, OP_SETTABLE, var->u.ind.t, var->u.ind.idx, ex);
		break;
	case VGINDEXED:
		codeABRK(fs, OP_GSETTABLE, var->u.ind.t, var->u.ind.idx, ex);
		break;
	case VINDEXSTR:
		codeABRK(fs, OP_SETFIELD, var->u.ind.t, var->u.ind.idx, ex);
		break;
	case VINDEXINT:
		codeABRK(fs, OP_SETINT, var->u.ind.t, var->u.ind.idx, ex);
		break;
	default:
		error(fs, "cannot assign to this expression");
	}
	code_freeexp(fs, ex);
}

void code_self(struct funcstate *fs, struct expdesc *e, struct expdesc *key)
{
	int ereg;

	code_exp2anyreg(fs, e);
	ereg = e->u.info;
	code_freeexp(fs, e);
	e->u.info = fs->freereg;
	e->k = VNONRELOC;
	code_reserveregs(fs, 2);
	codeABRK(fs, OP_SELF, e->u.info, ereg, key);
	code_freeexp(fs, key);
}

void code_indexed(struct funcstate *fs, struct expdesc *t, struct expdesc *k)
{
	int treg;

	if (k->k == VKSTR)
		exp2K(fs, k);
	/*
	 * g[k] with a global table and a computed key is one instruction
	 * (counting into a global table is what tracing scripts do most)
	 */
	if (t->k == VGLOBAL && t->u.info <= MAXARG_A && k->k != VK &&
	    k->k != VKINT) {
		t->u.ind.t = t->u.info;
		t->u.ind.idx = code_exp2anyreg(fs, k);
		t->k = VGINDEXED;
		return;
	}
	/* the table must be in a register */
	treg = t->k == VLOCAL || t->k == VNONRELOC ? t->u.info :
	       code_exp2anyreg(fs, t);
	t->u.ind.t = treg;
	if (k->k == VK && fs->f->k[k->u.info].type == KBC_STR) {
		t->u.ind.idx = k->u.info;
		t->k = VINDEXSTR;
	} else if (k->k == VKINT && k->u.ival >= 0 && k->u.ival <= MAXARG_C &&
		   !hasjumps(k)) {
		t->u.ind.idx = (int)k->u.ival;
		t->k = VINDEXINT;
	} else {
		t->u.ind.idx = code_exp2anyreg(fs, k);
		t->k = VINDEXED;
	}
}

/* ------------------------------------------------------- conditionals */

static void negatecondition(struct funcstate *fs, struct expdesc *e)
{
	uint32_t *pc = getjumpcontrol(fs, e->u.info);

	SETARG_k(*pc, GETARG_k(*pc) ^ 1);
}

/* Jump if @e is @cond; the jump's pc is returned. */
static int jumponcond(struct funcstate *fs, struct expdesc *e, int cond)
{
	if (e->k == VRELOC) {
		uint32_t ie = getinstr(fs, e);

		if (GET_OP(ie) == OP_NOT) {
			/* jump on the negation of the operand instead */
			fs->f->ncode--;
			return condjump(fs, OP_TEST, GETARG_B(ie), 0, 0, !cond);
		}
	}
	discharge2anyreg(fs, e);
	code_freeexp(fs, e);
	return condjump(fs, OP_TESTSET, NO_REG, e->u.info, 0, cond);
}

void code_goiftrue(struct funcstate *fs, struct expdesc *e)
{
	int pc;

	code_dischargevars(fs, e);
	switch (e->k) {
	case VJMP:
		negatecondition(fs, e);
		pc = e->u.info;
		break;
	case VK:
	case VKINT:
	case VKSTR:
	case VTRUE:
		pc = NO_JUMP;
		break;
	default:
		pc = jumponcond(fs, e, 0);
		break;
	}
	code_concat(fs, &e->f, pc);
	code_patchtohere(fs, e->t);
	e->t = NO_JUMP;
}

static void code_goiffalse(struct funcstate *fs, struct expdesc *e)
{
	int pc;

	code_dischargevars(fs, e);
	switch (e->k) {
	case VJMP:
		pc = e->u.info;
		break;
	case VNIL:
	case VFALSE:
		pc = NO_JUMP;
		break;
	default:
		pc = jumponcond(fs, e, 1);
		break;
	}
	code_concat(fs, &e->t, pc);
	code_patchtohere(fs, e->f);
	e->f = NO_JUMP;
}

static void codenot(struct funcstate *fs, struct expdesc *e)
{
	switch (e->k) {
	case VNIL:
	case VFALSE:
		e->k = VTRUE;
		break;
	case VK:
	case VKINT:
	case VKSTR:
	case VTRUE:
		e->k = VFALSE;
		break;
	case VJMP:
		negatecondition(fs, e);
		break;
	case VRELOC:
	case VNONRELOC:
		discharge2anyreg(fs, e);
		code_freeexp(fs, e);
		e->u.info = code_ABC(fs, OP_NOT, 0, e->u.info, 0);
		e->k = VRELOC;
		break;
	default:
		error(fs, "cannot negate this expression");
	}
	/* swap the exit lists */
	{
		int t = e->f;

		e->f = e->t;
		e->t = t;
	}
	removevalues(fs, e->f);
	removevalues(fs, e->t);
}

/* --------------------------------------------------------- arithmetic */

static int isKint(const struct expdesc *e)
{
	return e->k == VKINT && !hasjumps(e);
}

/* Fold integer arithmetic on literals; division by zero is left to run. */
static int constfold(enum binop op, struct expdesc *e1,
		     const struct expdesc *e2)
{
	uint64_t a, b;

	if (!isKint(e1) || !isKint(e2))
		return 0;
	a = (uint64_t)e1->u.ival;
	b = (uint64_t)e2->u.ival;
	switch (op) {
	case OPR_ADD:
		e1->u.ival = (int64_t)(a + b);
		return 1;
	case OPR_SUB:
		e1->u.ival = (int64_t)(a - b);
		return 1;
	case OPR_MUL:
		e1->u.ival = (int64_t)(a * b);
		return 1;
	default:
		return 0;
	}
}

void code_prefix(struct funcstate *fs, enum unop op, struct expdesc *e,
		 int line)
{
	code_dischargevars(fs, e);
	if (op == OPR_NOT) {
		codenot(fs, e);
		return;
	}
	if (isKint(e)) {
		e->u.ival = (int64_t)(0 - (uint64_t)e->u.ival);
		return;
	}
	{
		int r = code_exp2anyreg(fs, e);

		code_freeexp(fs, e);
		e->u.info = code_ABC(fs, OP_UNM, 0, r, 0);
		e->k = VRELOC;
		code_fixline(fs, line);
	}
}

void code_infix(struct funcstate *fs, enum binop op, struct expdesc *v)
{
	switch (op) {
	case OPR_AND:
		code_goiftrue(fs, v);
		break;
	case OPR_OR:
		code_goiffalse(fs, v);
		break;
	case OPR_CONCAT:
		code_exp2nextreg(fs, v);
		break;
	case OPR_ADD: case OPR_SUB: case OPR_MUL: case OPR_DIV: case OPR_MOD:
		/* keep literals for folding and immediate operands */
		if (!isKint(v))
			code_exp2anyreg(fs, v);
		break;
	case OPR_EQ: case OPR_NE:
		if (!isKint(v) && v->k != VKSTR)
			code_exp2anyreg(fs, v);
		break;
	default:
		if (!isKint(v))
			code_exp2anyreg(fs, v);
		break;
	}
}

static void finishbin(struct funcstate *fs, struct expdesc *e1, int op,
		      int b, int c, int line)
{
	e1->u.info = code_ABC(fs, op, 0, b, c);
	e1->k = VRELOC;
	code_fixline(fs, line);
}

static void codearith(struct funcstate *fs, enum binop opr, struct expdesc *e1,
		      struct expdesc *e2, int line)
{
	static const int rop[] = { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD };
	static const int kop[] = { OP_ADDK, OP_SUBK, OP_MULK, OP_DIVK, OP_MODK };
	int b, c;

	/* 1 + x is x + 1: the literal becomes the immediate operand */
	if (isKint(e1) && !isKint(e2) && (opr == OPR_ADD || opr == OPR_MUL)) {
		struct expdesc t = *e1;

		*e1 = *e2;
		*e2 = t;
	}
	if (isKint(e2)) {
		int64_t v = e2->u.ival;
		int64_t imm = opr == OPR_SUB && v != INT64_MIN ? -v : v;

		if ((opr == OPR_ADD || (opr == OPR_SUB && v != INT64_MIN)) &&
		    fits_sC(imm)) {
			b = code_exp2anyreg(fs, e1);
			code_freeexp(fs, e1);
			finishbin(fs, e1, OP_ADDI, b, (int)(imm + OFFSET_sC),
				  line);
			return;
		}
		c = code_intk(fs, v);
		if (c <= MAX_KRK) {
			b = code_exp2anyreg(fs, e1);
			code_freeexp(fs, e1);
			finishbin(fs, e1, kop[opr - OPR_ADD], b, c, line);
			return;
		}
	}
	/* both in registers; a literal left operand is loaded now */
	c = code_exp2anyreg(fs, e2);
	b = code_exp2anyreg(fs, e1);
	freeexps(fs, e1, e2);
	finishbin(fs, e1, rop[opr - OPR_ADD], b, c, line);
}

/* Comparisons become a test and a JMP (VJMP). */
static void codecompare(struct funcstate *fs, enum binop opr,
			struct expdesc *e1, struct expdesc *e2)
{
	int r1, r2, k = 1, pc;

	if (opr == OPR_EQ || opr == OPR_NE) {
		k = opr == OPR_EQ;
		if (isKint(e1) || e1->k == VKSTR) {
			struct expdesc t = *e1;

			*e1 = *e2;
			*e2 = t;
		}
		r1 = code_exp2anyreg(fs, e1);
		if (isKint(e2) && fits_sC(e2->u.ival)) {
			code_freeexp(fs, e1);
			pc = condjump(fs, OP_EQI, r1,
				      (int)(e2->u.ival + OFFSET_sC), 0, k);
		} else if (exp2K(fs, e2)) {
			code_freeexp(fs, e1);
			pc = condjump(fs, OP_EQK, r1, e2->u.info, 0, k);
		} else {
			r2 = code_exp2anyreg(fs, e2);
			freeexps(fs, e1, e2);
			pc = condjump(fs, OP_EQ, r1, r2, 0, k);
		}
	} else {
		/* a > b is b < a; an immediate on either side is kept */
		int op;

		if (isKint(e2) && fits_sC(e2->u.ival)) {
			r1 = code_exp2anyreg(fs, e1);
			code_freeexp(fs, e1);
			op = opr == OPR_LT ? OP_LTI : opr == OPR_LE ? OP_LEI :
			     opr == OPR_GT ? OP_GTI : OP_GEI;
			pc = condjump(fs, op, r1, (int)(e2->u.ival + OFFSET_sC),
				      0, 1);
		} else if (isKint(e1) && fits_sC(e1->u.ival)) {
			r2 = code_exp2anyreg(fs, e2);
			code_freeexp(fs, e2);
			op = opr == OPR_LT ? OP_GTI : opr == OPR_LE ? OP_GEI :
			     opr == OPR_GT ? OP_LTI : OP_LEI;
			pc = condjump(fs, op, r2, (int)(e1->u.ival + OFFSET_sC),
				      0, 1);
		} else {
			r2 = code_exp2anyreg(fs, e2);
			r1 = code_exp2anyreg(fs, e1);
			freeexps(fs, e1, e2);
			if (opr == OPR_GT || opr == OPR_GE) {
				int t = r1;

				r1 = r2;
				r2 = t;
			}
			op = (opr == OPR_LT || opr == OPR_GT) ? OP_LT : OP_LE;
			pc = condjump(fs, op, r1, r2, 0, 1);
		}
	}
	e1->u.info = pc;
	e1->k = VJMP;
}

void code_posfix(struct funcstate *fs, enum binop opr, struct expdesc *e1,
		 struct expdesc *e2, int line)
{
	switch (opr) {
	case OPR_AND:
		code_dischargevars(fs, e2);
		code_concat(fs, &e2->f, e1->f);
		*e1 = *e2;
		break;
	case OPR_OR:
		code_dischargevars(fs, e2);
		code_concat(fs, &e2->t, e1->t);
		*e1 = *e2;
		break;
	case OPR_CONCAT: {
		/* a .. b .. c: one CONCAT over consecutive registers */
		uint32_t *ie2;

		code_exp2nextreg(fs, e2);
		ie2 = &fs->f->code[fs->f->ncode - 1];
		if (GET_OP(*ie2) == OP_CONCAT &&
		    GETARG_A(*ie2) == e1->u.info + 1 &&
		    e2->k == VNONRELOC && e2->u.info == e1->u.info + 1) {
			freereg(fs, e2->u.info);
			SETARG_A(*ie2, e1->u.info);
			SETARG_B(*ie2, GETARG_B(*ie2) + 1);
		} else {
			code_ABC(fs, OP_CONCAT, e1->u.info, 2, 0);
			freereg(fs, e2->u.info);
			code_fixline(fs, line);
		}
		break;
	}
	case OPR_ADD: case OPR_SUB: case OPR_MUL: case OPR_DIV: case OPR_MOD:
		if (constfold(opr, e1, e2))
			break;
		codearith(fs, opr, e1, e2, line);
		break;
	default:
		codecompare(fs, opr, e1, e2);
		break;
	}
}

/* Store @tostore items (-1: up to the top) after the @nbefore stored. */
void code_setlist(struct funcstate *fs, int base, int nbefore, int tostore)
{
	int block = nbefore / LFIELDS_PER_FLUSH;

	if (block > MAXARG_C)
		error(fs, "table constructor too long");
	code_ABC(fs, OP_SETLIST, base, tostore == -1 ? 0 : tostore, block);
	fs->freereg = base + 1;
}

/* ----------------------------------------------- += and aggregations */

/*
 * `x += e` and `x <<< e` read and write x: whatever that needs in
 * registers is put there before e is parsed, so e's temporaries are freed
 * above it.  @cur receives the current value's register for globals and
 * upvalues; indexed targets get their key in a register.
 */
void code_prepare_update(struct funcstate *fs, struct expdesc *var,
			 struct expdesc *cur, int incr)
{
	int reg;

	*cur = *var;
	switch (var->k) {
	case VUPVAL:
		code_exp2nextreg(fs, cur);
		break;
	case VGLOBAL:
		/* GINCR updates the slot; only <<< needs the value here */
		if (!incr)
			code_exp2nextreg(fs, cur);
		break;
	case VGINDEXED:
		/* TAGG wants the table in a register */
		if (!incr) {
			reg = fs->freereg;
			code_reserveregs(fs, 1);
			code_ABx(fs, OP_GETGLOBAL, reg, (unsigned int)var->u.ind.t);
			var->u.ind.t = reg;
			var->k = VINDEXED;
		}
		break;
	case VINDEXSTR:
	case VINDEXINT:
		reg = fs->freereg;
		code_reserveregs(fs, 1);
		if (var->k == VINDEXSTR)
			code_loadk(fs, reg, var->u.ind.idx);
		else
			code_int(fs, reg, var->u.ind.idx);
		var->u.ind.idx = reg;
		var->k = VINDEXED;
		break;
	default:
		break;
	}
}

void code_incr(struct funcstate *fs, struct expdesc *var,
	       struct expdesc *cur, struct expdesc *e)
{
	int k;

	if (var->k == VGLOBAL) {
		code_ABx(fs, OP_GINCR, code_exp2anyreg(fs, e),
			 (unsigned int)var->u.info);
		return;
	}
	k = code_exp2RK(fs, e);
	switch (var->k) {
	case VLOCAL:
		code_ABCk(fs, OP_INCR, var->u.info, 0, e->u.info, k);
		break;
	case VINDEXED:
		code_ABCk(fs, OP_TINCR, var->u.ind.t, var->u.ind.idx,
			  e->u.info, k);
		break;
	case VGINDEXED:
		code_ABCk(fs, OP_GTINCR, var->u.ind.t, var->u.ind.idx,
			  e->u.info, k);
		break;
	case VUPVAL:
		code_ABCk(fs, OP_INCR, cur->u.info, 0, e->u.info, k);
		code_freeexp(fs, e);
		code_storevar(fs, var, cur);
		break;
	default:
		error(fs, "cannot use '+=' on this expression");
	}
}

int code_agg(struct funcstate *fs, struct expdesc *var, struct expdesc *cur,
	     struct expdesc *e)
{
	int val = code_exp2anyreg(fs, e), pc;

	switch (var->k) {
	case VINDEXED:
		pc = code_ABC(fs, OP_TAGG, var->u.ind.t, var->u.ind.idx, val);
		code_extraarg(fs, 0);
		return pc;
	case VLOCAL:
		pc = code_ABC(fs, OP_AGG, var->u.info, val, 0);
		code_extraarg(fs, 0);
		return pc;
	case VUPVAL:
	case VGLOBAL:
		pc = code_ABC(fs, OP_AGG, cur->u.info, val, 0);
		code_extraarg(fs, 0);
		code_freeexp(fs, e);
		code_storevar(fs, var, cur);
		return pc;
	default:
		error(fs, "cannot use '<<<' on this expression");
	}
}

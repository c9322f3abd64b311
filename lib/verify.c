// SPDX-License-Identifier: GPL-2.0
/*
 * verify.c - the bytecode verifier: the safety boundary of every host.
 *
 * Before the first instruction runs, every operand of every instruction is
 * checked against the opcode's definition (opcodes.h): registers against
 * the frame size, constants against the constant table and its types,
 * upvalues, globals, prototypes, probes and histogram specs against their
 * tables, every jump target against the code, and the few instruction
 * pairs the VM relies on (a test and its JMP, AGG and its EXTRAARG, a
 * numeric or generic for loop's two halves, an instruction consuming
 * "all results" and the one producing them).  The code must end in an
 * instruction that does not fall through.  After this, the VM can index
 * without checks; what remains -- value types, stack depth, budgets -- it
 * checks at run time.
 */
#include "kp_state.h"
#include "builtins.h"
#include "opcodes.h"

struct vctx {
	struct ktap_session *S;
	const struct kp_module *m;
	const struct kp_proto *p;
	uint32_t pc;
};

static int bad(struct vctx *v, const char *what, uint32_t i)
{
	const char *name = v->p->name[0] ? v->p->name : "?";

	return kp_error(v->S, "invalid bytecode: function '%s' (line %u), instruction %u (%s): %s",
			name, v->p->linedefined, v->pc,
			GET_OP(i) < NUM_OPCODES ? kp_opnames[GET_OP(i)] : "?",
			what);
}

/* Registers first..last (inclusive) exist in the frame. */
static int regs(struct vctx *v, uint32_t i, int first, int last)
{
	if (first < 0 || last >= v->p->framesize)
		return bad(v, "register out of the frame", i);
	return 0;
}

static int konst(struct vctx *v, uint32_t i, int idx, int type)
{
	if ((uint32_t)idx >= v->p->nk)
		return bad(v, "constant index out of range", i);
	if (type >= 0 && v->p->k[idx].type != (uint32_t)type)
		return bad(v, type == KT_STR ? "constant is not a string" :
			   "constant is not a number", i);
	return 0;
}

static int global(struct vctx *v, uint32_t i, uint32_t idx)
{
	if (idx >= v->m->nglobals)
		return bad(v, "global index out of range", i);
	return 0;
}

/* RK(C): a constant with the k bit, else a register. */
static int rkc(struct vctx *v, uint32_t i)
{
	if (GETARG_k(i))
		return konst(v, i, GETARG_C(i), -1);
	return regs(v, i, GETARG_C(i), GETARG_C(i));
}

static int target(struct vctx *v, uint32_t i, int64_t to)
{
	if (to < 0 || to >= v->p->ncode)
		return bad(v, "jump out of the function", i);
	return 0;
}

static int next_is(struct vctx *v, uint32_t i, int op, int same_a)
{
	uint32_t n;

	if (v->pc + 1 >= v->p->ncode)
		return bad(v, "missing the instruction that must follow", i);
	n = v->p->code[v->pc + 1];
	if (GET_OP(n) != op || (same_a && GETARG_A(n) != GETARG_A(i)))
		return bad(v, "not followed by the instruction it needs", i);
	return 0;
}

/*
 * A test is followed by its JMP and either takes it or skips it, landing
 * at pc + 2.  The JMP may legally be the last instruction, so the landing
 * place has to be checked here, or the skip runs past the end of the code.
 */
static int test_jmp(struct vctx *v, uint32_t i)
{
	if (next_is(v, i, OP_JMP, 0))
		return -1;
	if (v->pc + 2 >= v->p->ncode)
		return bad(v, "skips past the end of the code", i);
	return 0;
}

static int sets_top(uint32_t i)
{
	int op = GET_OP(i);

	return (op == OP_CALL || op == OP_VARARG) && GETARG_C(i) == 0;
}

/*
 * B == 0 means "up to the top set by the previous instruction": it must
 * exist, set top, and start at or above @min_a.
 */
static int uses_top(struct vctx *v, uint32_t i, int min_a)
{
	uint32_t prev;

	if (v->pc == 0)
		return bad(v, "uses results no instruction produced", i);
	prev = v->p->code[v->pc - 1];
	if (!sets_top(prev) || GETARG_A(prev) < min_a)
		return bad(v, "uses results no instruction produced", i);
	return 0;
}

static int check_insn(struct vctx *v, uint32_t i)
{
	const struct kp_proto *p = v->p;
	int a = GETARG_A(i), b = GETARG_B(i), c = GETARG_C(i);
	int64_t pc = v->pc;

	switch (GET_OP(i)) {
	case OP_MOVE:
	case OP_UNM:
	case OP_NOT:
	case OP_ADDI:
		return regs(v, i, a, a) || regs(v, i, b, b);
	case OP_LOADI:
	case OP_LOADFALSE:
	case OP_LOADTRUE:
	case OP_NEWTABLE:
	case OP_CLOSE:
	case OP_RETURN1:
		return regs(v, i, a, a);
	case OP_LOADK:
		return regs(v, i, a, a) || konst(v, i, GETARG_Bx(i), -1);
	case OP_LOADNIL:
		return regs(v, i, a, a + b);
	case OP_GETUPVAL:
	case OP_SETUPVAL:
		if (b >= p->nupvals)
			return bad(v, "upvalue index out of range", i);
		return regs(v, i, a, a);
	case OP_GETGLOBAL:
	case OP_SETGLOBAL:
	case OP_GINCR:
		return global(v, i, (uint32_t)GETARG_Bx(i)) || regs(v, i, a, a);
	case OP_GETTABLE:
	case OP_ADD:
	case OP_SUB:
	case OP_MUL:
	case OP_DIV:
	case OP_MOD:
		return regs(v, i, a, a) || regs(v, i, b, b) || regs(v, i, c, c);
	case OP_GETINT:
		return regs(v, i, a, a) || regs(v, i, b, b);
	case OP_GGETTABLE:
		return regs(v, i, a, a) || global(v, i, b) || regs(v, i, c, c);
	case OP_GSETTABLE:
	case OP_GTINCR:
		return global(v, i, a) || regs(v, i, b, b) || rkc(v, i);
	case OP_GETFIELD:
		return regs(v, i, a, a) || regs(v, i, b, b) ||
		       konst(v, i, c, KT_STR);
	case OP_SETTABLE:
	case OP_TINCR:
		return regs(v, i, a, a) || regs(v, i, b, b) || rkc(v, i);
	case OP_SETINT:
	case OP_INCR:
		return regs(v, i, a, a) || rkc(v, i);
	case OP_SETFIELD:
		return regs(v, i, a, a) || konst(v, i, b, KT_STR) || rkc(v, i);
	case OP_SELF:
		return regs(v, i, a, a + 1) || regs(v, i, b, b) || rkc(v, i);
	case OP_ADDK:
	case OP_SUBK:
	case OP_MULK:
	case OP_DIVK:
	case OP_MODK:
		return regs(v, i, a, a) || regs(v, i, b, b) ||
		       konst(v, i, c, KT_NUM);
	case OP_CONCAT:
		if (b < 1)
			return bad(v, "empty concatenation", i);
		return regs(v, i, a, a + b - 1);
	case OP_AGG:
	case OP_TAGG:
		if (regs(v, i, a, a) || regs(v, i, b, b) ||
		    (GET_OP(i) == OP_TAGG && regs(v, i, c, c)) ||
		    next_is(v, i, OP_EXTRAARG, 0))
			return -1;
		if ((uint32_t)GETARG_Ax(p->code[v->pc + 1]) > v->m->nspecs)
			return bad(v, "histogram spec out of range", i);
		return 0;
	case OP_EXTRAARG:
		if (v->pc == 0 || (GET_OP(p->code[v->pc - 1]) != OP_AGG &&
				   GET_OP(p->code[v->pc - 1]) != OP_TAGG))
			return bad(v, "EXTRAARG without AGG or TAGG", i);
		return 0;
	case OP_JMP:
		return target(v, i, pc + 1 + GETARG_sJ(i));
	case OP_EQ:
	case OP_LT:
	case OP_LE:
		return regs(v, i, a, a) || regs(v, i, b, b) ||
		       test_jmp(v, i);
	case OP_EQK:
		return regs(v, i, a, a) || konst(v, i, b, -1) ||
		       test_jmp(v, i);
	case OP_EQI:
	case OP_LTI:
	case OP_LEI:
	case OP_GTI:
	case OP_GEI:
	case OP_TEST:
		return regs(v, i, a, a) || test_jmp(v, i);
	case OP_TESTSET:
		return regs(v, i, a, a) || regs(v, i, b, b) ||
		       test_jmp(v, i);
	case OP_CALL:
		if (regs(v, i, a, a) ||
		    (b ? regs(v, i, a, a + b - 1) : uses_top(v, i, a + 1)))
			return -1;
		return c > 1 ? regs(v, i, a, a + c - 2) : 0;
	case OP_TAILCALL:
		return regs(v, i, a, a) ||
		       (b ? regs(v, i, a, a + b - 1) : uses_top(v, i, a + 1));
	case OP_RETURN:
		if (b)
			return b > 1 ? regs(v, i, a, a + b - 2) : 0;
		return uses_top(v, i, a);
	case OP_RETURN0:
		return 0;
	case OP_FORPREP:
		if (regs(v, i, a, a + 3) ||
		    target(v, i, pc + 2 + GETARG_Bx(i)))
			return -1;
		if (GET_OP(p->code[pc + 1 + GETARG_Bx(i)]) != OP_FORLOOP ||
		    GETARG_A(p->code[pc + 1 + GETARG_Bx(i)]) != a)
			return bad(v, "FORPREP without its FORLOOP", i);
		return 0;
	case OP_FORLOOP:
		return regs(v, i, a, a + 3) ||
		       target(v, i, pc + 1 - GETARG_Bx(i));
	case OP_TFORPREP:
		if (regs(v, i, a, a + 3) ||
		    target(v, i, pc + 1 + GETARG_Bx(i)))
			return -1;
		if (GET_OP(p->code[pc + 1 + GETARG_Bx(i)]) != OP_TFORCALL ||
		    GETARG_A(p->code[pc + 1 + GETARG_Bx(i)]) != a)
			return bad(v, "TFORPREP without its TFORCALL", i);
		return 0;
	case OP_TFORCALL:
		/* the generic call copies three values to R[A+4..A+6] */
		return regs(v, i, a, a + 6) || regs(v, i, a, a + 3 + c) ||
		       next_is(v, i, OP_TFORLOOP, 1);
	case OP_TFORLOOP:
		return regs(v, i, a, a + 4) ||
		       target(v, i, pc + 1 - GETARG_Bx(i));
	case OP_SETLIST:
		return regs(v, i, a, a) ||
		       (b ? regs(v, i, a, a + b) : uses_top(v, i, a + 1));
	case OP_CLOSURE:
		if ((uint32_t)GETARG_Bx(i) >= p->nprotos)
			return bad(v, "function index out of range", i);
		return regs(v, i, a, a);
	case OP_VARARG:
		return regs(v, i, a, a) || (c > 1 ? regs(v, i, a, a + c - 2) : 0);
	case OP_EVGET:
		if (b >= NUM_EVVARS)
			return bad(v, "unknown event variable", i);
		return regs(v, i, a, a);
	case OP_EVFIELD:
		return regs(v, i, a, a) || konst(v, i, GETARG_Bx(i), KT_STR);
	case OP_PROBE:
		if ((uint32_t)GETARG_Bx(i) >= v->m->nprobes)
			return bad(v, "probe index out of range", i);
		return regs(v, i, a, a);
	default:
		return bad(v, "unknown opcode", i);
	}
}

/* Instructions whose B == 0 reads the top: nothing may jump to them. */
static int consumes_top(uint32_t i)
{
	switch (GET_OP(i)) {
	case OP_CALL:
	case OP_TAILCALL:
	case OP_SETLIST:
	case OP_RETURN:
		return GETARG_B(i) == 0;
	default:
		return GET_OP(i) == OP_EXTRAARG;
	}
}

/* Where instruction @i at @pc may continue, other than pc + 1. */
static int64_t jump_target(uint32_t i, int64_t pc)
{
	switch (GET_OP(i)) {
	case OP_JMP:
		return pc + 1 + GETARG_sJ(i);
	case OP_FORPREP:
		return pc + 2 + GETARG_Bx(i);
	case OP_TFORPREP:
		return pc + 1 + GETARG_Bx(i);
	case OP_FORLOOP:
	case OP_TFORLOOP:
		return pc + 1 - GETARG_Bx(i);
	default:
		return -1;
	}
}

static int verify_proto(struct vctx *v, const struct kp_proto *p,
			const struct kp_proto *parent)
{
	uint32_t j, last;

	v->p = p;
	v->pc = 0;
	if (p->framesize > MAXREGS || p->framesize < p->nparams)
		return kp_error(v->S, "invalid bytecode: function '%s' has a bad frame size %u",
				p->name, p->framesize);
	if (p->ncode == 0)
		return kp_error(v->S, "invalid bytecode: function '%s' has no code",
				p->name);
	if (p->is_vararg > 1)
		return kp_error(v->S, "invalid bytecode: bad vararg flag");
	for (j = 0; j < p->nupvals; j++) {
		const struct kp_updesc *u = &p->up[j];

		if (!parent || u->instack > 1 ||
		    (u->instack ? u->idx >= parent->framesize :
				  u->idx >= parent->nupvals))
			return kp_error(v->S, "invalid bytecode: function '%s' captures upvalue %u out of range",
					p->name, j);
	}
	for (v->pc = 0; v->pc < p->ncode; v->pc++) {
		uint32_t i = p->code[v->pc];
		int64_t to;

		if (check_insn(v, i))
			return -1;
		to = jump_target(i, v->pc);
		if (to >= 0 && consumes_top(p->code[to]))
			return bad(v, "jump into the middle of an instruction pair", i);
	}
	/* a test skips its JMP: the instruction after exists (test_jmp) */
	last = GET_OP(p->code[p->ncode - 1]);
	if (last != OP_JMP && last != OP_RETURN && last != OP_RETURN0 &&
	    last != OP_RETURN1 && last != OP_TAILCALL)
		return kp_error(v->S, "invalid bytecode: function '%s' can run past its end",
				p->name);
	for (j = 0; j < p->nprotos; j++) {
		if (verify_proto(v, p->p[j], p))
			return -1;
	}
	return 0;
}

static int verify_probes(struct ktap_session *S, const struct kp_module *m)
{
	uint32_t i;

	for (i = 0; i < m->nprobes; i++) {
		const struct ktap_probe *pr = &m->probes[i];

		switch (pr->kind) {
		case KTAP_PROBE_TRACE:
			if (!pr->nevents)
				return kp_error(S, "invalid bytecode: probe %u has no event", i);
			break;
		case KTAP_PROBE_END:
			break;
		case KTAP_PROBE_TICK:
		case KTAP_PROBE_PROFILE:
			if (!pr->period_ns)
				return kp_error(S, "invalid bytecode: timer probe %u has no period", i);
			break;
		default:
			return kp_error(S, "invalid bytecode: probe %u has unknown kind %u",
					i, pr->kind);
		}
		if (pr->legacy > 1)
			return kp_error(S, "invalid bytecode: probe %u has a bad flag", i);
	}
	return 0;
}

int bc_verify(struct ktap_session *S, struct kp_module *m)
{
	struct vctx v = { .S = S, .m = m };
	uint32_t i;

	if (m->main->nupvals || m->main->nparams)
		return kp_error(S, "invalid bytecode: the main function takes no parameters or upvalues");
	for (i = 0; i < m->nspecs; i++) {
		struct kp_lspec *ls = &m->specs[i];

		if (lib_lspec_init(ls, ls->lo, ls->hi, ls->step))
			return kp_error(S, "invalid bytecode: bad histogram spec %u", i);
	}
	return verify_probes(S, m) || verify_proto(&v, m->main, NULL);
}

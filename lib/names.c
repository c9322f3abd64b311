// SPDX-License-Identifier: GPL-2.0
/*
 * names.c - what a register held, for error messages: "attempt to call a
 * nil value (global 'prnt')".
 *
 * Bytecode carries no local names, but the instruction that last wrote a
 * register usually says what the value was: a global, a field, a method.
 * The scan follows the code from the start of the function, forgetting a
 * writer that a forward jump may have skipped (after Lua's findsetreg).
 */
#include "kp_state.h"
#include "fmt.h"
#include "opcodes.h"

/* Does @i write register A (and only it)? */
static int writes_a(uint32_t i)
{
	switch (GET_OP(i)) {
	case OP_SETUPVAL: case OP_SETGLOBAL: case OP_SETTABLE:
	case OP_SETINT: case OP_GSETTABLE: case OP_SETFIELD:
	case OP_GINCR: case OP_TINCR: case OP_GTINCR: case OP_TAGG:
	case OP_EXTRAARG: case OP_CLOSE: case OP_JMP: case OP_EQ:
	case OP_LT: case OP_LE: case OP_EQK: case OP_EQI: case OP_LTI:
	case OP_LEI: case OP_GTI: case OP_GEI: case OP_TEST:
	case OP_RETURN: case OP_RETURN0: case OP_RETURN1:
	case OP_SETLIST: case OP_PROBE: case OP_TFORPREP:
		return 0;
	default:
		return 1;
	}
}

/* The pc of the instruction that last set @reg before @lastpc, or -1. */
static int64_t find_setter(const struct kp_proto *p, uint32_t lastpc,
			   int reg)
{
	int64_t setter = -1, jmptarget = 0;
	uint32_t pc;

	for (pc = 0; pc < lastpc; pc++) {
		uint32_t i = p->code[pc];
		int a = GETARG_A(i), change;

		switch (GET_OP(i)) {
		case OP_LOADNIL:
			change = a <= reg && reg <= a + GETARG_B(i);
			break;
		case OP_CALL:
		case OP_TAILCALL:
		case OP_TFORCALL:
			change = reg >= a;
			break;
		case OP_JMP: {
			int64_t dest = (int64_t)pc + 1 + GETARG_sJ(i);

			if (dest <= lastpc && dest > jmptarget)
				jmptarget = dest;
			change = 0;
			break;
		}
		default:
			change = writes_a(i) && reg == a;
			break;
		}
		if (change)
			setter = (int64_t)pc < jmptarget ? -1 : (int64_t)pc;
	}
	return setter;
}

static int kstring(const struct kp_proto *p, int k, const char **s)
{
	if ((uint32_t)k >= p->nk || p->k[k].type != KT_STR)
		return 0;
	*s = p->k[k].u.s->data;
	return 1;
}

/* " (global 'x')" for the value of @reg at @pc, or "" when unknown. */
static void describe_reg(const struct kp_module *m, const struct kp_proto *p,
			 uint32_t pc, int reg, char *buf, size_t size)
{
	int64_t at = find_setter(p, pc, reg);
	const char *name;
	uint32_t i;

	buf[0] = '\0';
	if (at < 0)
		return;
	i = p->code[at];
	switch (GET_OP(i)) {
	case OP_GETGLOBAL:
		fmt_format(buf, size, " (global '%s')", m->gnames[GETARG_Bx(i)]);
		break;
	case OP_GETFIELD:
		if (kstring(p, GETARG_C(i), &name))
			fmt_format(buf, size, " (field '%s')", name);
		break;
	case OP_SELF:
		if (GETARG_k(i) && kstring(p, GETARG_C(i), &name))
			fmt_format(buf, size, " (method '%s')", name);
		break;
	case OP_GGETTABLE:
		fmt_format(buf, size, " (an entry of global '%s')",
			   m->gnames[GETARG_B(i)]);
		break;
	case OP_GETUPVAL:
		fmt_format(buf, size, " (an upvalue)");
		break;
	default:
		break;
	}
}

void vm_name_operand(const struct kp_module *m, const struct kp_proto *p,
		     uint32_t pc, char *buf, size_t size)
{
	uint32_t i = p->code[pc];

	buf[0] = '\0';
	switch (GET_OP(i)) {
	case OP_CALL:
	case OP_TAILCALL:
	case OP_SETTABLE:
	case OP_SETINT:
	case OP_SETFIELD:
	case OP_TINCR:
	case OP_TAGG:
		describe_reg(m, p, pc, GETARG_A(i), buf, size);
		break;
	case OP_GETTABLE:
	case OP_GETINT:
	case OP_GETFIELD:
	case OP_SELF:
		describe_reg(m, p, pc, GETARG_B(i), buf, size);
		break;
	case OP_GGETTABLE:
		fmt_format(buf, size, " (global '%s')", m->gnames[GETARG_B(i)]);
		break;
	case OP_GSETTABLE:
	case OP_GTINCR:
		fmt_format(buf, size, " (global '%s')", m->gnames[GETARG_A(i)]);
		break;
	default:
		break;
	}
}

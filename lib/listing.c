// SPDX-License-Identifier: GPL-2.0
/*
 * listing.c - a readable listing of loaded bytecode (ktap -b).
 */
#include "kp_state.h"
#include "fmt.h"
#include "opcodes.h"

enum { MODE_ABC, MODE_ABx, MODE_AsBx, MODE_sJ, MODE_Ax };

static const uint8_t op_mode[NUM_OPCODES] = {
#define KP_OPMODE(name, mode, doc) [OP_##name] = MODE_##mode,
	KTAP_OPCODES(KP_OPMODE)
#undef KP_OPMODE
};

static const char *const kind_names[] = {
	"?", "trace", "trace_end", "tick", "profile"
};

static int addf(struct ktap_session *S, const char *fmt, ...)
	KP_PRINTF(2, 3);

static int addf(struct ktap_session *S, const char *fmt, ...)
{
	char line[600];
	kp_va_list ap;
	int n;

	kp_va_start(ap, fmt);
	n = fmt_vformat(line, sizeof(line), fmt, ap);
	kp_va_end(ap);
	return buf_add(S, &S->out, line, (size_t)n);
}

static int list_const(struct ktap_session *S, const struct kp_value *k)
{
	switch (k->type) {
	case KT_NUM:
		return addf(S, "%lld", (long long)k->u.n);
	case KT_STR:
		return addf(S, "\"%.60s\"%s", k->u.s->data,
			    k->u.s->len > 60 ? "..." : "");
	case KT_BOOL:
		return addf(S, "%s", k->u.b ? "true" : "false");
	default:
		return addf(S, "nil");
	}
}

/* What an operand refers to, after the instruction. */
static int list_comment(struct ktap_session *S, const struct kp_proto *p,
			uint32_t pc, uint32_t i)
{
	const struct kp_module *m = S->mod;

	switch (GET_OP(i)) {
	case OP_LOADK:
		return addf(S, "\t; ") || list_const(S, &p->k[GETARG_Bx(i)]);
	case OP_GETFIELD:
		return addf(S, "\t; ") || list_const(S, &p->k[GETARG_C(i)]);
	case OP_SETFIELD:
		return addf(S, "\t; ") || list_const(S, &p->k[GETARG_B(i)]);
	case OP_EVFIELD:
		return addf(S, "\t; $%s", p->k[GETARG_Bx(i)].u.s->data);
	case OP_EQK:
		return addf(S, "\t; ") || list_const(S, &p->k[GETARG_B(i)]);
	case OP_ADDK: case OP_SUBK: case OP_MULK: case OP_DIVK: case OP_MODK:
		return addf(S, "\t; ") || list_const(S, &p->k[GETARG_C(i)]);
	case OP_GETGLOBAL:
	case OP_SETGLOBAL:
	case OP_GINCR:
		return addf(S, "\t; %s", m->gnames[GETARG_Bx(i)]);
	case OP_GGETTABLE:
		return addf(S, "\t; %s", m->gnames[GETARG_B(i)]);
	case OP_GSETTABLE:
	case OP_GTINCR:
		return addf(S, "\t; %s", m->gnames[GETARG_A(i)]);
	case OP_EVGET:
		return addf(S, "\t; %s", kp_evvar_names[GETARG_B(i)]);
	case OP_JMP:
		return addf(S, "\t; to %d", (int)pc + 2 + GETARG_sJ(i));
	case OP_FORPREP:
		return addf(S, "\t; exit to %d", (int)pc + 3 + GETARG_Bx(i));
	case OP_FORLOOP:
	case OP_TFORLOOP:
		return addf(S, "\t; to %d", (int)pc + 2 - GETARG_Bx(i));
	case OP_TFORPREP:
		return addf(S, "\t; to %d", (int)pc + 2 + GETARG_Bx(i));
	case OP_PROBE:
		return addf(S, "\t; probe %d", GETARG_Bx(i));
	default:
		return 0;
	}
}

static int list_proto(struct ktap_session *S, const struct kp_proto *p)
{
	uint32_t pc, j;

	if (addf(S, "\nfunction %s (line %u): %u instructions, %u registers, %u params%s, %u upvalues, %u constants, %u functions\n",
		 p->name[0] ? p->name : "?", p->linedefined, p->ncode,
		 p->framesize, p->nparams, p->is_vararg ? "+..." : "",
		 p->nupvals, p->nk, p->nprotos))
		return -1;
	for (pc = 0; pc < p->ncode; pc++) {
		uint32_t i = p->code[pc];
		int op = GET_OP(i), r;

		r = addf(S, "  %4u  [%u]  %-10s", pc + 1, p->lines[pc],
			 kp_opnames[op]);
		switch (op_mode[op]) {
		case MODE_ABC:
			r = r || addf(S, "%d %d %d%s", GETARG_A(i), GETARG_B(i),
				      GETARG_C(i), GETARG_k(i) ? " k" : "");
			break;
		case MODE_ABx:
			r = r || addf(S, "%d %d", GETARG_A(i), GETARG_Bx(i));
			break;
		case MODE_AsBx:
			r = r || addf(S, "%d %d", GETARG_A(i), GETARG_sBx(i));
			break;
		case MODE_sJ:
			r = r || addf(S, "%d", GETARG_sJ(i));
			break;
		default:
			r = r || addf(S, "%d", GETARG_Ax(i));
			break;
		}
		if (r || list_comment(S, p, pc, i) || addf(S, "\n"))
			return -1;
	}
	for (j = 0; j < p->nprotos; j++) {
		if (list_proto(S, p->p[j]))
			return -1;
	}
	return 0;
}

int ktap_session_list(struct ktap_session *S)
{
	const struct kp_module *m = S->mod;
	uint32_t i, j;

	if (!m)
		return kp_error(S, "no script is loaded");
	if (addf(S, "bytecode version %d, chunk \"%s\", %u globals, %u probes\n",
		 KTAP_BC_VERSION, m->chunkname, m->nglobals, m->nprobes))
		return -1;
	for (i = 0; i < m->nprobes; i++) {
		const struct ktap_probe *pr = &m->probes[i];

		if (addf(S, "probe %u: %s", i, kind_names[pr->kind]))
			return -1;
		for (j = 0; j < pr->nevents; j++) {
			if (addf(S, "%s%s", j ? ", " : " ", pr->events[j]))
				return -1;
		}
		if ((pr->filter[0] && addf(S, " /%s/", pr->filter)) ||
		    (pr->period_ns && addf(S, " every %llu ns",
					   (unsigned long long)pr->period_ns)) ||
		    addf(S, " (line %u%s)\n", pr->line,
			 pr->legacy ? ", 0.1 API" : ""))
			return -1;
	}
	if (list_proto(S, m->main))
		return -1;
	kp_out_flush(S);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * code.h - the code generator's data: function prototypes being built,
 * expression descriptors, and the per-function compile state shared by
 * the parser (parse.c) and the code generator (code.c).
 *
 * The design is Lua's one-pass compiler: the parser describes each
 * expression with an expdesc and the code generator emits instructions
 * only when it knows where a value must go, so most values land directly
 * in their final register and comparisons become conditional jumps.
 */
#ifndef KTAP_CODE_H
#define KTAP_CODE_H

#include <stdint.h>

#include "lex.h"
#include "../include/ktap/ktap.h"
#include "../lib/opcodes.h"

#define NO_JUMP		(-1)
#define NO_REG		MAXARG_A
#define MAXVARS		200	/* active locals per function */
#define MAXUPVALS	255
#define MAX_KRK		MAXARG_C	/* constants usable as RK operands */

/* A constant of a prototype being built. */
struct kconst {
	int type;		/* KBC_INT, KBC_STR, KBC_TRUE, ... */
	int64_t num;
	const char *str;
	size_t len;
};

struct updesc_b {
	const char *name;
	uint8_t instack;
	uint8_t idx;
};

/* A function prototype under construction. */
struct protob {
	uint32_t *code;
	int *lines;
	int ncode, capcode;
	struct kconst *k;
	int nk, capk;
	struct protob **p;
	int np, capp;
	struct updesc_b *up;
	int nup, capup;
	int nparams;
	int is_vararg;
	int maxstack;
	int linedefined;
	const char *name;
};

enum expkind {
	VVOID,		/* no value (empty expression list) */
	VNIL,
	VTRUE,
	VFALSE,
	VKINT,		/* integer literal: ival */
	VKSTR,		/* string literal: str/len */
	VK,		/* constant: info = index */
	VNONRELOC,	/* value in register info */
	VLOCAL,		/* local variable in register info */
	VUPVAL,		/* upvalue info */
	VGLOBAL,	/* global slot info */
	VINDEXED,	/* t[k]: ind.t register, ind.idx key register */
	VGINDEXED,	/* g[k], g a global: ind.t global slot, ind.idx key register */
	VINDEXSTR,	/* t.name: ind.idx string constant */
	VINDEXINT,	/* t[n]: ind.idx the integer 0..255 */
	VJMP,		/* comparison: info = pc of its JMP */
	VRELOC,		/* result of instruction info, A not yet set */
	VCALL,		/* call at info */
	VVARARG,	/* vararg at info */
};

struct expdesc {
	enum expkind k;
	union {
		int64_t ival;
		int info;
		struct {
			const char *s;
			size_t len;
		} str;
		struct {
			int t;
			int idx;
		} ind;
	} u;
	int t;			/* patch list: exit when true */
	int f;			/* patch list: exit when false */
	int gidx;		/* global a table came from (aggregations), or -1 */
};

/* An active local variable. */
struct varinfo {
	const char *name;
	int reg;
};

struct blockcnt;
struct compiler;

/* State of one function being compiled. */
struct funcstate {
	struct protob *f;
	struct funcstate *prev;
	struct compiler *C;
	struct blockcnt *bl;
	int lasttarget;		/* last pc that is a jump target */
	int freereg;
	int nactvar;
	int firstlocal;		/* index of the first local in C->vars */
	int is_main;
};

enum binop {
	OPR_ADD, OPR_SUB, OPR_MUL, OPR_DIV, OPR_MOD,
	OPR_CONCAT,
	OPR_EQ, OPR_LT, OPR_LE, OPR_NE, OPR_GT, OPR_GE,
	OPR_AND, OPR_OR,
	OPR_NOBINOPR
};

enum unop { OPR_MINUS, OPR_NOT, OPR_NOUNOPR };

/* A print_lhist(global, lo, hi, step) or an aggregation into a global. */
struct aggsite {
	struct protob *f;
	int pc;			/* of the AGG/TAGG instruction */
	int gidx;
	int line;
};

struct lspec_b {
	int gidx;
	int64_t lo, hi, step;
	int line;
};

struct probe_b {
	int kind;
	int legacy;
	int line;
	uint64_t period_ns;
	const char *filter;
	int nevents;
	const char **events;
};

/* The whole compilation. */
struct compiler {
	struct lexer *ls;
	struct funcstate *fs;
	int lastline;		/* line of the last token consumed */
	int depth;		/* C recursion of the parser */
	struct varinfo *vars;
	int nvars, capvars;
	struct gvar {
		const char *name;
		int declared;	/* by a top-level var */
	} *globals;
	int nglobals, capglobals;
	struct probe_b *probes;
	int nprobes, capprobes;
	struct aggsite *aggs;
	int naggs, capaggs;
	struct lspec_b *specs;
	int nspecs, capspecs;
	struct protob *main;
};

/* Grow a compiler array to hold @n + 1 items (arena-backed). */
#define GROW(C, arr, n, cap) \
	do { \
		if ((n) + 1 > (cap)) \
			(arr) = code_grow((C), (arr), &(cap), sizeof(*(arr))); \
	} while (0)

void *code_grow(struct compiler *C, void *arr, int *cap, size_t itemsize);

/* ------------------------------------------------------------ code.c */

int code_ABCk(struct funcstate *fs, int op, int a, int b, int c, int k);
#define code_ABC(fs, o, a, b, c)	code_ABCk(fs, o, a, b, c, 0)
int code_ABx(struct funcstate *fs, int op, int a, unsigned int bx);
int code_jump(struct funcstate *fs);
int code_getlabel(struct funcstate *fs);
void code_patchlist(struct funcstate *fs, int list, int target);
void code_patchtohere(struct funcstate *fs, int list);
void code_concat(struct funcstate *fs, int *l1, int l2);
void code_ret(struct funcstate *fs, int first, int nret);
void code_nil(struct funcstate *fs, int from, int n);
void code_int(struct funcstate *fs, int reg, int64_t v);
void code_checkstack(struct funcstate *fs, int n);
void code_reserveregs(struct funcstate *fs, int n);
int code_stringk(struct funcstate *fs, const char *s, size_t len);
void code_setreturns(struct funcstate *fs, struct expdesc *e, int nresults);
#define code_setmultret(fs, e)	code_setreturns(fs, e, -1)
void code_setoneret(struct funcstate *fs, struct expdesc *e);
void code_dischargevars(struct funcstate *fs, struct expdesc *e);
int code_exp2anyreg(struct funcstate *fs, struct expdesc *e);
void code_exp2anyregup(struct funcstate *fs, struct expdesc *e);
void code_exp2nextreg(struct funcstate *fs, struct expdesc *e);
void code_exp2val(struct funcstate *fs, struct expdesc *e);
void code_storevar(struct funcstate *fs, struct expdesc *var,
		   struct expdesc *ex);
void code_self(struct funcstate *fs, struct expdesc *e, struct expdesc *key);
void code_indexed(struct funcstate *fs, struct expdesc *t, struct expdesc *k);
void code_goiftrue(struct funcstate *fs, struct expdesc *e);
void code_prefix(struct funcstate *fs, enum unop op, struct expdesc *e,
		 int line);
void code_infix(struct funcstate *fs, enum binop op, struct expdesc *v);
void code_posfix(struct funcstate *fs, enum binop op, struct expdesc *e1,
		 struct expdesc *e2, int line);
void code_setlist(struct funcstate *fs, int base, int nbefore, int tostore);
void code_fixline(struct funcstate *fs, int line);
/* Before parsing e in `var += e` / `var <<< e` (see code.c). */
void code_prepare_update(struct funcstate *fs, struct expdesc *var,
			 struct expdesc *cur, int incr);
/* `var += e` and `t[k] += e` */
void code_incr(struct funcstate *fs, struct expdesc *var,
	       struct expdesc *cur, struct expdesc *e);
/* `var <<< e` and `t[k] <<< e`; returns the pc of the AGG/TAGG. */
int code_agg(struct funcstate *fs, struct expdesc *var, struct expdesc *cur,
	     struct expdesc *e);

#define getinstr(fs, e)	((fs)->f->code[(e)->u.info])
#define hasjumps(e)	((e)->t != (e)->f)

/* ------------------------------------------------------------ dump.c */

/* Serialize the compiled script (bytecode.h); malloc()ed result. */
int dump_module(struct compiler *C, void **out, size_t *outlen);

#endif /* KTAP_CODE_H */

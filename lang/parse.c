// SPDX-License-Identifier: GPL-2.0
/*
 * parse.c - the parser: ktap's C-like syntax on Lua semantics, compiled in
 * one pass (code.c emits as we go).
 *
 * Scoping: a `var` at the top level of the script (outside any block)
 * declares a global shared by all probes; every other `var` declares a
 * local of its block.  A name that is not a local, an upvalue or a
 * declared global is an event variable if it is one (pid, arg1, ...), else
 * a global.  Globals are resolved to slots here, so the VM never looks a
 * name up at run time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "../lib/builtins.h"
#include "../lib/bytecode.h"
#include "../lib/filter.h"

#define MAX_DEPTH	200	/* nesting of the parser's own recursion */
#define MULTRET		(-1)

struct blockcnt {
	struct blockcnt *prev;
	int breaklist;
	int nactvar;		/* active locals outside the block */
	int upval;		/* a local of this block is captured */
	int inner_upval;	/* a local of this or an inner block is */
	int isloop;
};

static const char *const evvar_names[] = {
#define EV_NAME(name, str) str,
	KTAP_EVVARS(EV_NAME)
#undef EV_NAME
};

static void statement(struct compiler *C);
static void expr(struct compiler *C, struct expdesc *v);
static void block(struct compiler *C);

/* ------------------------------------------------------------ tokens */

#define tk(C)		((C)->ls->t.type)

static void next(struct compiler *C)
{
	C->lastline = C->ls->t.line;
	lex_next(C->ls);
}

static int testnext(struct compiler *C, int t)
{
	if (tk(C) == t) {
		next(C);
		return 1;
	}
	return 0;
}

/* A token type, as in "<name> expected". */
static const char *tokname(struct compiler *C, int t, char *buf, size_t n)
{
	struct token tok = { .type = t };

	switch (t) {
	case TK_NAME:
		return "<name>";
	case TK_STRING:
		return "<string>";
	case TK_NUMBER:
		return "<number>";
	default:
		return lex_token_text(C->ls, &tok, buf, n);
	}
}

static void error_expected(struct compiler *C, int t)
{
	char buf[32];

	lex_error(C->ls, "%s expected", tokname(C, t, buf, sizeof(buf)));
}

static void check(struct compiler *C, int t)
{
	if (tk(C) != t)
		error_expected(C, t);
}

static void checknext(struct compiler *C, int t)
{
	check(C, t);
	next(C);
}

/* Expect @what closing @who opened at @line. */
static void check_match(struct compiler *C, int what, int who, int line)
{
	char w1[32], w2[32];

	if (testnext(C, what))
		return;
	if (line == C->ls->t.line)
		error_expected(C, what);
	lex_error(C->ls, "%s expected (to close %s at line %d)",
		  tokname(C, what, w1, sizeof(w1)),
		  tokname(C, who, w2, sizeof(w2)), line);
}

static const char *str_checkname(struct compiler *C)
{
	const char *s;

	check(C, TK_NAME);
	s = C->ls->t.str;
	next(C);
	return s;
}

/* A field name after '.' or ':' may be a keyword (timer.profile). */
static const char *fieldname(struct compiler *C)
{
	const char *s;
	int t = tk(C);

	if (t >= FIRST_KEYWORD && t <= LAST_KEYWORD) {
		s = lex_keywords[t - FIRST_KEYWORD];
		next(C);
		return s;
	}
	return str_checkname(C);
}

static void init_exp(struct expdesc *e, enum expkind k, int info)
{
	e->k = k;
	e->u.info = info;
	e->t = e->f = NO_JUMP;
	e->gidx = -1;
}

static void codestring(struct expdesc *e, const char *s, size_t len)
{
	init_exp(e, VKSTR, 0);
	e->u.str.s = s;
	e->u.str.len = len;
}

static void enterlevel(struct compiler *C)
{
	if (++C->depth > MAX_DEPTH)
		lex_error(C->ls, "chunk has too many syntax levels");
}

#define leavelevel(C)	((C)->depth--)

/* -------------------------------------------------------------- globals */

static int find_global(struct compiler *C, const char *name);

static int global_index(struct compiler *C, const char *name)
{
	int i = find_global(C, name);

	if (i >= 0)
		return i;
	if (C->nglobals >= (int)KBC_MAX_ITEMS)
		lex_error(C->ls, "too many global variables");
	GROW(C, C->globals, C->nglobals, C->capglobals);
	C->globals[C->nglobals].name = name;
	C->globals[C->nglobals].declared = 0;
	return C->nglobals++;
}

static int evvar_index(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(evvar_names) / sizeof(evvar_names[0]); i++) {
		if (!strcmp(evvar_names[i], name))
			return (int)i;
	}
	return -1;
}

/* --------------------------------------------------------------- locals */

static struct varinfo *getlocal(struct funcstate *fs, int i)
{
	return &fs->C->vars[fs->firstlocal + i];
}

static void new_localvar(struct compiler *C, const char *name)
{
	struct funcstate *fs = C->fs;

	if (C->nvars + 1 - fs->firstlocal > MAXVARS)
		lex_error(C->ls, "too many local variables (limit is %d)",
			  MAXVARS);
	GROW(C, C->vars, C->nvars, C->capvars);
	C->vars[C->nvars].name = name;
	C->vars[C->nvars].reg = -1;
	C->nvars++;
}

static void adjustlocalvars(struct compiler *C, int nvars)
{
	struct funcstate *fs = C->fs;

	while (nvars--) {
		getlocal(fs, fs->nactvar)->reg = fs->nactvar;
		fs->nactvar++;
	}
}

static void removevars(struct funcstate *fs, int tolevel)
{
	fs->C->nvars -= fs->nactvar - tolevel;
	fs->nactvar = tolevel;
}

static int searchvar(struct funcstate *fs, const char *name)
{
	int i;

	for (i = fs->nactvar - 1; i >= 0; i--) {
		if (!strcmp(name, getlocal(fs, i)->name))
			return i;
	}
	return -1;
}

/* Local @level of @fs is captured by a closure. */
static void markupval(struct funcstate *fs, int level)
{
	struct blockcnt *bl = fs->bl;

	while (bl->nactvar > level)
		bl = bl->prev;
	bl->upval = 1;
	for (; bl; bl = bl->prev)
		bl->inner_upval = 1;
}

static int searchupvalue(struct funcstate *fs, const char *name)
{
	int i;

	for (i = 0; i < fs->f->nup; i++) {
		if (!strcmp(fs->f->up[i].name, name))
			return i;
	}
	return -1;
}

static int newupvalue(struct funcstate *fs, const char *name,
		      const struct expdesc *v)
{
	struct protob *f = fs->f;

	if (f->nup >= MAXUPVALS)
		lex_error(fs->C->ls, "too many upvalues (limit is %d)", MAXUPVALS);
	GROW(fs->C, f->up, f->nup, f->capup);
	f->up[f->nup].name = name;
	f->up[f->nup].instack = v->k == VLOCAL;
	f->up[f->nup].idx = (uint8_t)v->u.info;
	return f->nup++;
}

/* Find @name as a local or upvalue of @fs or its parents; VVOID if none. */
static void singlevaraux(struct funcstate *fs, const char *name,
			 struct expdesc *var, int base)
{
	int v, idx;

	if (!fs) {
		init_exp(var, VVOID, 0);
		return;
	}
	v = searchvar(fs, name);
	if (v >= 0) {
		init_exp(var, VLOCAL, v);
		if (!base)
			markupval(fs, v);
		return;
	}
	idx = searchupvalue(fs, name);
	if (idx < 0) {
		singlevaraux(fs->prev, name, var, 0);
		if (var->k != VLOCAL && var->k != VUPVAL)
			return;
		idx = newupvalue(fs, name, var);
	}
	init_exp(var, VUPVAL, idx);
}

/* The slot of global @name, or -1 if the script has none (yet). */
static int find_global(struct compiler *C, const char *name)
{
	int i;

	for (i = 0; i < C->nglobals; i++) {
		if (!strcmp(C->globals[i].name, name))
			return i;
	}
	return -1;
}

static void singlevar(struct compiler *C, const char *name,
		      struct expdesc *var)
{
	int g;

	singlevaraux(C->fs, name, var, 1);
	if (var->k != VVOID)
		return;
	g = find_global(C, name);
	if (g < 0 || !C->globals[g].declared) {
		int ev = evvar_index(name);

		if (ev >= 0) {
			init_exp(var, VRELOC,
				 code_ABC(C->fs, OP_EVGET, 0, ev, 0));
			/* pid() is the oldest spelling of pid */
			if (tk(C) == '(' && lex_peek(C->ls)->type == ')') {
				next(C);
				next(C);
			}
			return;
		}
	}
	if (g < 0)
		g = global_index(C, name);
	init_exp(var, VGLOBAL, g);
	var->gidx = g;
}

/* --------------------------------------------------------------- blocks */

static void enterblock(struct funcstate *fs, struct blockcnt *bl, int isloop)
{
	bl->isloop = isloop;
	bl->nactvar = fs->nactvar;
	bl->breaklist = NO_JUMP;
	bl->upval = 0;
	bl->inner_upval = 0;
	bl->prev = fs->bl;
	fs->bl = bl;
}

static void leaveblock(struct funcstate *fs)
{
	struct blockcnt *bl = fs->bl;

	fs->bl = bl->prev;
	/* each pass through a block gets fresh captured variables */
	if (bl->upval && bl->prev)
		code_ABC(fs, OP_CLOSE, bl->nactvar, 0, 0);
	removevars(fs, bl->nactvar);
	fs->freereg = fs->nactvar;
	if (bl->isloop) {
		code_patchtohere(fs, bl->breaklist);
		/* a break may leave blocks whose locals are captured */
		if (bl->inner_upval)
			code_ABC(fs, OP_CLOSE, bl->nactvar, 0, 0);
	}
}

static struct protob *new_proto(struct compiler *C, int line,
				const char *name)
{
	struct protob *f = lex_alloc(C->ls, sizeof(*f));

	f->linedefined = line;
	f->name = name;
	f->maxstack = 2;
	return f;
}

static void open_func(struct compiler *C, struct funcstate *fs,
		      struct protob *f, struct blockcnt *bl)
{
	if (C->fs && C->fs->prev && C->fs->prev->prev &&
	    C->depth + 8 > MAX_DEPTH)
		lex_error(C->ls, "functions nested too deeply");
	fs->f = f;
	fs->prev = C->fs;
	fs->C = C;
	fs->lasttarget = 0;
	fs->freereg = 0;
	fs->nactvar = 0;
	fs->firstlocal = C->nvars;
	fs->bl = NULL;
	fs->is_main = C->fs == NULL;
	C->fs = fs;
	enterblock(fs, bl, 0);
}

static void close_func(struct compiler *C)
{
	struct funcstate *fs = C->fs;

	code_ret(fs, fs->nactvar, 0);
	leaveblock(fs);
	C->fs = fs->prev;
}

/* Add @child to the current function and load its closure into @v. */
static void codeclosure(struct compiler *C, struct protob *child,
			struct expdesc *v)
{
	struct funcstate *fs = C->fs;
	struct protob *f = fs->f;

	if (f->np >= (int)KBC_MAX_ITEMS)
		lex_error(C->ls, "too many functions in one function");
	GROW(C, f->p, f->np, f->capp);
	f->p[f->np] = child;
	init_exp(v, VRELOC, code_ABx(fs, OP_CLOSURE, 0, (unsigned int)f->np));
	f->np++;
	code_exp2nextreg(fs, v);
}

/* -------------------------------------------------------- expressions */

static int block_follow(struct compiler *C)
{
	return tk(C) == '}' || tk(C) == TK_EOF;
}

static int explist(struct compiler *C, struct expdesc *v)
{
	int n = 1;

	expr(C, v);
	while (testnext(C, ',')) {
		code_exp2nextreg(C->fs, v);
		expr(C, v);
		n++;
	}
	return n;
}

/*
 * print_lhist(x, lo, hi, step) names the aggregations that need a linear
 * histogram: x is a global or a global[...], the bounds are literals.
 */
static void note_lhist(struct compiler *C, const struct expdesc *args,
		       int nargs, int line)
{
	const struct expdesc *x = &args[0];
	struct kp_lspec ls;
	int i;

	if (nargs < 4 || x->gidx < 0)
		return;
	for (i = 1; i < 4; i++) {
		if (args[i].k != VKINT || hasjumps(&args[i]))
			return;
	}
	if (lib_lspec_init(&ls, args[1].u.ival, args[2].u.ival,
			   args[3].u.ival))
		lex_error_at(C->ls, line, 1,
			     "print_lhist: invalid bounds %lld..%lld step %lld",
			     (long long)args[1].u.ival,
			     (long long)args[2].u.ival,
			     (long long)args[3].u.ival);
	for (i = 0; i < C->nspecs; i++) {
		struct lspec_b *s = &C->specs[i];

		if (s->gidx != x->gidx)
			continue;
		if (s->lo == ls.lo && s->hi == ls.hi && s->step == ls.step)
			return;
		lex_error_at(C->ls, line, 1,
			     "print_lhist: '%s' is printed with other bounds at line %d",
			     C->globals[x->gidx].name, s->line);
	}
	GROW(C, C->specs, C->nspecs, C->capspecs);
	C->specs[C->nspecs].gidx = x->gidx;
	C->specs[C->nspecs].lo = ls.lo;
	C->specs[C->nspecs].hi = ls.hi;
	C->specs[C->nspecs].step = ls.step;
	C->specs[C->nspecs].line = line;
	C->nspecs++;
}

static void funcargs(struct compiler *C, struct expdesc *f, int line)
{
	struct funcstate *fs = C->fs;
	struct expdesc args, snap[4];
	int base, nparams, n = 0, lhist = f->gidx >= 0 &&
		!strcmp(C->globals[f->gidx].name, "print_lhist");

	checknext(C, '(');
	if (tk(C) == ')') {
		init_exp(&args, VVOID, 0);
	} else {
		/* explist, keeping the first arguments' descriptions */
		expr(C, &args);
		snap[n++] = args;
		while (testnext(C, ',')) {
			code_exp2nextreg(fs, &args);
			expr(C, &args);
			if (n < 4)
				snap[n] = args;
			n++;
		}
		if (args.k == VCALL || args.k == VVARARG)
			code_setmultret(fs, &args);
	}
	check_match(C, ')', '(', line);
	if (lhist)
		note_lhist(C, snap, n, line);
	base = f->u.info;
	if (args.k == VCALL || args.k == VVARARG) {
		nparams = MULTRET;
	} else {
		if (args.k != VVOID)
			code_exp2nextreg(fs, &args);
		nparams = fs->freereg - (base + 1);
	}
	init_exp(f, VCALL, code_ABC(fs, OP_CALL, base, nparams + 1, 2));
	code_fixline(fs, line);
	fs->freereg = base + 1;
}

static void primaryexp(struct compiler *C, struct expdesc *v)
{
	int line;

	switch (tk(C)) {
	case TK_NAME: {
		const char *name = C->ls->t.str;

		next(C);
		singlevar(C, name, v);
		return;
	}
	case TK_FIELD: {
		int k = code_stringk(C->fs, C->ls->t.str, C->ls->t.len);

		init_exp(v, VRELOC, code_ABx(C->fs, OP_EVFIELD, 0,
					     (unsigned int)k));
		next(C);
		return;
	}
	case '(':
		line = C->ls->t.line;
		next(C);
		expr(C, v);
		check_match(C, ')', '(', line);
		/* (f()) is one value */
		code_dischargevars(C->fs, v);
		return;
	default:
		lex_error(C->ls, "unexpected symbol");
	}
}

static void suffixedexp(struct compiler *C, struct expdesc *v)
{
	struct funcstate *fs = C->fs;
	int line = C->ls->t.line;

	primaryexp(C, v);
	for (;;) {
		struct expdesc key;
		int gidx = v->gidx;

		switch (tk(C)) {
		case '.': {
			const char *name;

			next(C);
			name = fieldname(C);
			code_exp2anyregup(fs, v);
			codestring(&key, name, strlen(name));
			code_indexed(fs, v, &key);
			v->gidx = gidx;
			break;
		}
		case '[':
			/* a global table stays one: g[k] is a single instruction */
			if (v->k != VGLOBAL)
				code_exp2anyregup(fs, v);
			next(C);
			expr(C, &key);
			code_exp2val(fs, &key);
			checknext(C, ']');
			code_indexed(fs, v, &key);
			v->gidx = gidx;
			break;
		case ':': {
			const char *name;

			next(C);
			name = fieldname(C);
			codestring(&key, name, strlen(name));
			code_self(fs, v, &key);
			funcargs(C, v, line);
			break;
		}
		case '(':
			code_exp2nextreg(fs, v);
			v->gidx = gidx;
			funcargs(C, v, line);
			break;
		default:
			return;
		}
	}
}

static void body(struct compiler *C, struct expdesc *e, int ismethod,
		 int line, const char *name);

static void constructor(struct compiler *C, struct expdesc *t)
{
	struct funcstate *fs = C->fs;
	int line = C->ls->t.line;
	int pc = code_ABC(fs, OP_NEWTABLE, 0, 0, 0);
	int na = 0, nh = 0, stored = 0, tostore = 0;
	struct expdesc v;

	init_exp(t, VNONRELOC, fs->freereg);
	code_reserveregs(fs, 1);
	init_exp(&v, VVOID, 0);
	checknext(C, '{');
	while (tk(C) != '}') {
		/* close the previous list item */
		if (v.k != VVOID) {
			code_exp2nextreg(fs, &v);
			init_exp(&v, VVOID, 0);
			if (++tostore == LFIELDS_PER_FLUSH) {
				code_setlist(fs, t->u.info, stored, tostore);
				stored += tostore;
				tostore = 0;
			}
		}
		if ((tk(C) == TK_NAME && lex_peek(C->ls)->type == '=') ||
		    tk(C) == '[') {
			struct expdesc tab = *t, key, val;
			int reg = fs->freereg;

			if (tk(C) == TK_NAME) {
				codestring(&key, C->ls->t.str, C->ls->t.len);
				next(C);
			} else {
				next(C);
				expr(C, &key);
				code_exp2val(fs, &key);
				checknext(C, ']');
			}
			checknext(C, '=');
			code_indexed(fs, &tab, &key);
			expr(C, &val);
			code_storevar(fs, &tab, &val);
			fs->freereg = reg;
			nh++;
		} else {
			expr(C, &v);
			na++;
		}
		if (!testnext(C, ',') && !testnext(C, ';'))
			break;
	}
	check_match(C, '}', '{', line);
	if (v.k == VCALL || v.k == VVARARG) {
		code_setmultret(fs, &v);
		code_setlist(fs, t->u.info, stored, -1);
		na--;
	} else if (v.k != VVOID || tostore) {
		if (v.k != VVOID) {
			code_exp2nextreg(fs, &v);
			tostore++;
		}
		code_setlist(fs, t->u.info, stored, tostore);
	}
	SETARG_A(fs->f->code[pc], t->u.info);
	SETARG_B(fs->f->code[pc], na > MAXARG_B ? MAXARG_B : na);
	SETARG_C(fs->f->code[pc], nh > MAXARG_C ? MAXARG_C : nh);
}

static void simpleexp(struct compiler *C, struct expdesc *v)
{
	const struct token *t = &C->ls->t;

	switch (t->type) {
	case TK_NUMBER:
		init_exp(v, VKINT, 0);
		v->u.ival = t->num;
		break;
	case TK_STRING:
		codestring(v, t->str, t->len);
		break;
	case TK_NIL:
		init_exp(v, VNIL, 0);
		break;
	case TK_TRUE:
		init_exp(v, VTRUE, 0);
		break;
	case TK_FALSE:
		init_exp(v, VFALSE, 0);
		break;
	case TK_DOTS:
		if (!C->fs->f->is_vararg)
			lex_error(C->ls, "cannot use '...' outside a function with '...' parameters");
		init_exp(v, VVARARG, code_ABC(C->fs, OP_VARARG, 0, 0, 1));
		break;
	case '{':
		constructor(C, v);
		return;
	case TK_FUNCTION:
		next(C);
		body(C, v, 0, C->ls->t.line, "anonymous");
		return;
	default:
		suffixedexp(C, v);
		return;
	}
	next(C);
}

static enum unop getunopr(int op)
{
	switch (op) {
	case TK_NOT:
		return OPR_NOT;
	case '-':
		return OPR_MINUS;
	default:
		return OPR_NOUNOPR;
	}
}

static enum binop getbinopr(int op)
{
	switch (op) {
	case '+': return OPR_ADD;
	case '-': return OPR_SUB;
	case '*': return OPR_MUL;
	case '/': return OPR_DIV;
	case '%': return OPR_MOD;
	case TK_CONCAT: return OPR_CONCAT;
	case TK_EQ: return OPR_EQ;
	case TK_NE: return OPR_NE;
	case '<': return OPR_LT;
	case TK_LE: return OPR_LE;
	case '>': return OPR_GT;
	case TK_GE: return OPR_GE;
	case TK_AND: return OPR_AND;
	case TK_OR: return OPR_OR;
	default: return OPR_NOBINOPR;
	}
}

/* Left and right priority of each binary operator (Lua 5.1's order). */
static const struct {
	uint8_t left, right;
} priority[] = {
	{ 6, 6 }, { 6, 6 }, { 7, 7 }, { 7, 7 }, { 7, 7 },	/* + - * / % */
	{ 5, 4 },						/* .. */
	{ 3, 3 }, { 3, 3 }, { 3, 3 }, { 3, 3 }, { 3, 3 }, { 3, 3 },
	{ 2, 2 }, { 1, 1 },					/* and or */
};

#define UNARY_PRIORITY	8

static enum binop subexpr(struct compiler *C, struct expdesc *v, int limit)
{
	enum binop op;
	enum unop uop;

	enterlevel(C);
	uop = getunopr(tk(C));
	if (uop != OPR_NOUNOPR) {
		int line = C->ls->t.line;

		next(C);
		subexpr(C, v, UNARY_PRIORITY);
		code_prefix(C->fs, uop, v, line);
	} else {
		simpleexp(C, v);
	}
	op = getbinopr(tk(C));
	while (op != OPR_NOBINOPR && priority[op].left > limit) {
		struct expdesc v2;
		enum binop nextop;
		int line = C->ls->t.line;

		next(C);
		code_infix(C->fs, op, v);
		nextop = subexpr(C, &v2, priority[op].right);
		code_posfix(C->fs, op, v, &v2, line);
		op = nextop;
	}
	leavelevel(C);
	return op;
}

static void expr(struct compiler *C, struct expdesc *v)
{
	subexpr(C, v, 0);
}

/* --------------------------------------------------------- functions */

static void parlist(struct compiler *C)
{
	struct funcstate *fs = C->fs;
	int nparams = 0;

	if (tk(C) != ')') {
		do {
			if (tk(C) == TK_DOTS) {
				next(C);
				fs->f->is_vararg = 1;
				break;
			}
			new_localvar(C, str_checkname(C));
			nparams++;
		} while (testnext(C, ','));
	}
	adjustlocalvars(C, nparams);
	fs->f->nparams = fs->nactvar;
	code_reserveregs(fs, fs->nactvar);
}

static void body(struct compiler *C, struct expdesc *e, int ismethod,
		 int line, const char *name)
{
	struct funcstate nfs;
	struct blockcnt bl;
	struct protob *f = new_proto(C, line, name);

	open_func(C, &nfs, f, &bl);
	checknext(C, '(');
	if (ismethod) {
		new_localvar(C, "self");
		adjustlocalvars(C, 1);
	}
	parlist(C);
	checknext(C, ')');
	block(C);
	close_func(C);
	codeclosure(C, f, e);
}

/* --------------------------------------------------------- statements */

static void block(struct compiler *C)
{
	struct funcstate *fs = C->fs;
	struct blockcnt bl;
	int line = C->ls->t.line;

	checknext(C, '{');
	enterblock(fs, &bl, 0);
	while (!block_follow(C))
		statement(C);
	leaveblock(fs);
	check_match(C, '}', '{', line);
}

/* Condition of if/while/until: the jump list taken when false. */
static int cond(struct compiler *C)
{
	struct expdesc v;

	expr(C, &v);
	if (v.k == VNIL)
		v.k = VFALSE;
	code_goiftrue(C->fs, &v);
	return v.f;
}

static void test_then_block(struct compiler *C, int *escapelist)
{
	struct funcstate *fs = C->fs;
	int jf;

	next(C);	/* if / elseif */
	jf = cond(C);
	block(C);
	if (tk(C) == TK_ELSE || tk(C) == TK_ELSEIF)
		code_concat(fs, escapelist, code_jump(fs));
	code_patchtohere(fs, jf);
}

static void ifstat(struct compiler *C)
{
	int escapelist = NO_JUMP;

	test_then_block(C, &escapelist);
	for (;;) {
		if (tk(C) == TK_ELSEIF) {
			test_then_block(C, &escapelist);
		} else if (tk(C) == TK_ELSE && lex_peek(C->ls)->type == TK_IF) {
			next(C);	/* else if */
			test_then_block(C, &escapelist);
		} else {
			break;
		}
	}
	if (testnext(C, TK_ELSE))
		block(C);
	code_patchtohere(C->fs, escapelist);
}

static void whilestat(struct compiler *C)
{
	struct funcstate *fs = C->fs;
	struct blockcnt bl;
	int whileinit, condexit;

	next(C);
	whileinit = code_getlabel(fs);
	condexit = cond(C);
	enterblock(fs, &bl, 1);
	block(C);
	code_patchlist(fs, code_jump(fs), whileinit);
	leaveblock(fs);
	code_patchtohere(fs, condexit);
}

/* repeat { ... } until (cond): as in Lua, cond sees the body's locals. */
static void repeatstat(struct compiler *C)
{
	struct funcstate *fs = C->fs;
	struct blockcnt loop, scope;
	int init, condexit, line;

	next(C);
	init = code_getlabel(fs);
	enterblock(fs, &loop, 1);
	enterblock(fs, &scope, 0);
	line = C->ls->t.line;
	checknext(C, '{');
	while (!block_follow(C))
		statement(C);
	check_match(C, '}', '{', line);
	checknext(C, TK_UNTIL);
	condexit = cond(C);
	if (scope.upval) {
		/* looping again must close this pass's captured locals */
		int exit = code_jump(fs);

		code_patchtohere(fs, condexit);
		code_ABC(fs, OP_CLOSE, scope.nactvar, 0, 0);
		condexit = code_jump(fs);
		code_patchtohere(fs, exit);
	}
	leaveblock(fs);
	code_patchlist(fs, condexit, init);
	leaveblock(fs);
}

static void exp1(struct compiler *C)
{
	struct expdesc e;

	expr(C, &e);
	code_exp2nextreg(C->fs, &e);
}

/* The ')' of "for (" before the loop body. */
static void close_paren(struct compiler *C, int paren, int line)
{
	if (paren)
		check_match(C, ')', '(', line);
}

/* Body of a numeric or generic for; @base is its first hidden register. */
static void forbody(struct compiler *C, int base, int line, int nvars,
		    int isgen)
{
	struct funcstate *fs = C->fs;
	struct blockcnt bl;
	int prep, endfor;

	prep = code_ABx(fs, isgen ? OP_TFORPREP : OP_FORPREP, base, 0);
	enterblock(fs, &bl, 0);
	adjustlocalvars(C, nvars);
	code_reserveregs(fs, nvars);
	block(C);
	leaveblock(fs);
	SETARG_Bx(fs->f->code[prep], (unsigned int)(fs->f->ncode - prep - 1));
	if (isgen) {
		code_ABC(fs, OP_TFORCALL, base, 0, nvars);
		code_fixline(fs, line);
	}
	endfor = code_ABx(fs, isgen ? OP_TFORLOOP : OP_FORLOOP, base, 0);
	if (endfor - prep > MAXARG_Bx)
		lex_error(C->ls, "control structure too long");
	SETARG_Bx(fs->f->code[endfor], (unsigned int)(endfor - prep));
	code_fixline(fs, line);
}

/* for (i = a, b [, step]): the initial value is already in @base. */
static void fornum(struct compiler *C, const char *varname, int base,
		   int paren, int line)
{
	struct funcstate *fs = C->fs;

	new_localvar(C, "(for state)");
	new_localvar(C, "(for state)");
	new_localvar(C, "(for state)");
	new_localvar(C, varname);
	checknext(C, ',');
	exp1(C);
	if (testnext(C, ',')) {
		exp1(C);
	} else {
		code_int(fs, fs->freereg, 1);
		code_reserveregs(fs, 1);
	}
	adjustlocalvars(C, 3);
	close_paren(C, paren, line);
	forbody(C, base, line, 1, 0);
}

static void adjust_assign(struct compiler *C, int nvars, int nexps,
			  struct expdesc *e)
{
	struct funcstate *fs = C->fs;
	int needed = nvars - nexps;

	if (e->k == VCALL || e->k == VVARARG) {
		int extra = needed + 1;

		if (extra < 0)
			extra = 0;
		code_setreturns(fs, e, extra);
	} else {
		if (e->k != VVOID)
			code_exp2nextreg(fs, e);
		if (needed > 0)
			code_nil(fs, fs->freereg, needed);
	}
	if (needed > 0)
		code_reserveregs(fs, needed);
	else
		fs->freereg += needed;
}

/* for (k, v in explist) */
static void forlist(struct compiler *C, const char *indexname, int paren,
		    int line)
{
	struct funcstate *fs = C->fs;
	struct expdesc e;
	int nvars = 1, base = fs->freereg;

	new_localvar(C, "(for state)");
	new_localvar(C, "(for state)");
	new_localvar(C, "(for state)");
	new_localvar(C, "(for state)");
	new_localvar(C, indexname);
	while (testnext(C, ',')) {
		new_localvar(C, str_checkname(C));
		nvars++;
	}
	checknext(C, TK_IN);
	adjust_assign(C, 4, explist(C, &e), &e);
	adjustlocalvars(C, 4);
	/* room for the generic call: function and two arguments */
	code_checkstack(fs, 3);
	close_paren(C, paren, line);
	forbody(C, base, line, nvars, 1);
}

static int is_assignable(const struct expdesc *v)
{
	return v->k == VLOCAL || v->k == VUPVAL || v->k == VGLOBAL ||
	       v->k == VINDEXED || v->k == VGINDEXED || v->k == VINDEXSTR ||
	       v->k == VINDEXINT;
}

static void check_assignable(struct compiler *C, const struct expdesc *v)
{
	if (!is_assignable(v))
		lex_error(C->ls, "cannot assign to this expression (event variables and calls are read-only)");
}

/* The step of a C-style for: an assignment, '+=' or a call. */
static void forstep(struct compiler *C)
{
	struct funcstate *fs = C->fs;
	struct expdesc e, v;

	suffixedexp(C, &e);
	if (testnext(C, TK_PLUSEQ)) {
		struct expdesc cur;

		check_assignable(C, &e);
		code_prepare_update(fs, &e, &cur, 1);
		expr(C, &v);
		code_incr(fs, &e, &cur, &v);
	} else if (testnext(C, '=')) {
		expr(C, &v);
		code_storevar(fs, &e, &v);
	} else if (e.k == VCALL) {
		SETARG_C(getinstr(fs, &e), 1);
	} else {
		lex_error(C->ls, "the step of a 'for' must be an assignment or a call");
	}
	fs->freereg = fs->nactvar;
}

/* for (i = a; cond; step): the initial value is already in a register. */
static void forc(struct compiler *C, const char *varname, int paren,
		 int line)
{
	struct funcstate *fs = C->fs;
	int loop, condexit = NO_JUMP, tobody, post;

	new_localvar(C, varname);
	adjustlocalvars(C, 1);
	checknext(C, ';');
	loop = code_getlabel(fs);
	if (tk(C) != ';')
		condexit = cond(C);
	checknext(C, ';');
	/* the step is compiled here, jumped over, and run after the body */
	tobody = code_jump(fs);
	post = code_getlabel(fs);
	if (tk(C) != ')' && tk(C) != '{')
		forstep(C);
	code_patchlist(fs, code_jump(fs), loop);
	code_patchtohere(fs, tobody);
	close_paren(C, paren, line);
	block(C);
	code_patchlist(fs, code_jump(fs), post);
	code_patchtohere(fs, condexit);
}

static void forstat(struct compiler *C, int line)
{
	struct funcstate *fs = C->fs;
	struct blockcnt bl;
	const char *varname;
	int paren, base;

	enterblock(fs, &bl, 1);
	next(C);
	paren = testnext(C, '(');
	testnext(C, TK_VAR);
	varname = str_checkname(C);
	switch (tk(C)) {
	case '=':
		next(C);
		base = fs->freereg;
		exp1(C);
		if (tk(C) == ';')
			forc(C, varname, paren, line);
		else
			fornum(C, varname, base, paren, line);
		break;
	case ',':
	case TK_IN:
		forlist(C, varname, paren, line);
		break;
	default:
		lex_error(C->ls, "'=' or 'in' expected");
	}
	leaveblock(fs);
}

static void funcstat(struct compiler *C, int line)
{
	struct expdesc v, b, key;
	const char *name;
	int ismethod = 0;

	next(C);
	name = str_checkname(C);
	singlevar(C, name, &v);
	if (v.k == VRELOC)
		lex_error(C->ls, "cannot define a function named '%s': it is an event variable",
			  name);
	while (tk(C) == '.' || tk(C) == ':') {
		ismethod = tk(C) == ':';
		next(C);
		name = fieldname(C);
		code_exp2anyregup(C->fs, &v);
		codestring(&key, name, strlen(name));
		code_indexed(C->fs, &v, &key);
		if (ismethod)
			break;
	}
	body(C, &b, ismethod, line, name);
	code_storevar(C->fs, &v, &b);
	code_fixline(C->fs, line);
}

static int at_top_level(struct compiler *C)
{
	return C->fs->is_main && C->fs->bl->prev == NULL;
}

static void varstat(struct compiler *C)
{
	struct funcstate *fs = C->fs;
	const char *names[MAXVARS];
	struct expdesc e;
	int nvars = 0, nexps, i, base = fs->freereg;

	next(C);
	do {
		if (nvars >= MAXVARS)
			lex_error(C->ls, "too many variables in one 'var'");
		names[nvars++] = str_checkname(C);
	} while (testnext(C, ','));
	if (testnext(C, '=')) {
		nexps = explist(C, &e);
	} else {
		init_exp(&e, VVOID, 0);
		nexps = 0;
	}
	/* the values land in base.. */
	adjust_assign(C, nvars, nexps, &e);
	if (!at_top_level(C)) {
		for (i = 0; i < nvars; i++)
			new_localvar(C, names[i]);
		adjustlocalvars(C, nvars);
		return;
	}
	/* at the top level they are globals shared by every probe */
	for (i = nvars - 1; i >= 0; i--) {
		int g = global_index(C, names[i]);

		C->globals[g].declared = 1;
		code_ABx(fs, OP_SETGLOBAL, base + i, (unsigned int)g);
	}
	fs->freereg = base;
}

static void retstat(struct compiler *C)
{
	struct funcstate *fs = C->fs;
	struct expdesc e;
	int first = fs->nactvar, nret;

	next(C);
	if (block_follow(C) || tk(C) == ';') {
		nret = 0;
	} else {
		nret = explist(C, &e);
		if (e.k == VCALL || e.k == VVARARG) {
			code_setmultret(fs, &e);
			if (e.k == VCALL && nret == 1) {
				/* return f(x): reuse the frame */
				uint32_t *ci = &getinstr(fs, &e);

				*ci = CREATE_ABCk(OP_TAILCALL, GETARG_A(*ci),
						  GETARG_B(*ci), 0, 0);
				testnext(C, ';');
				return;
			}
			nret = MULTRET;
		} else if (nret == 1) {
			first = code_exp2anyreg(fs, &e);
		} else {
			code_exp2nextreg(fs, &e);
		}
	}
	if (nret == MULTRET)
		code_ABC(fs, OP_RETURN, first, 0, 0);
	else
		code_ret(fs, first, nret);
	testnext(C, ';');
}

static void breakstat(struct compiler *C)
{
	struct funcstate *fs = C->fs;
	struct blockcnt *bl = fs->bl;

	while (bl && !bl->isloop)
		bl = bl->prev;
	if (!bl)
		lex_error(C->ls, "'break' outside a loop");
	next(C);
	code_concat(fs, &bl->breaklist, code_jump(fs));
}

/* ------------------------------------------------------- assignments */

struct lhs_assign {
	struct lhs_assign *prev;
	struct expdesc v;
};

/*
 * In "a[i], i = ..." the table or key register of an earlier target may be
 * a local assigned later in the list: copy it to a safe register first.
 */
static void check_conflict(struct compiler *C, struct lhs_assign *lh,
			   const struct expdesc *v)
{
	struct funcstate *fs = C->fs;
	int extra = fs->freereg, conflict = 0;

	for (; lh; lh = lh->prev) {
		if (lh->v.k != VINDEXED && lh->v.k != VGINDEXED &&
		    lh->v.k != VINDEXSTR && lh->v.k != VINDEXINT)
			continue;
		if (v->k == VLOCAL && lh->v.k != VGINDEXED &&
		    lh->v.u.ind.t == v->u.info) {
			conflict = 1;
			lh->v.u.ind.t = extra;
		}
		if (v->k == VLOCAL &&
		    (lh->v.k == VINDEXED || lh->v.k == VGINDEXED) &&
		    lh->v.u.ind.idx == v->u.info) {
			conflict = 1;
			lh->v.u.ind.idx = extra;
		}
	}
	if (conflict) {
		code_ABC(fs, OP_MOVE, extra, v->u.info, 0);
		code_reserveregs(fs, 1);
	}
}

static void restassign(struct compiler *C, struct lhs_assign *lh, int nvars)
{
	struct expdesc e;

	check_assignable(C, &lh->v);
	if (testnext(C, ',')) {
		struct lhs_assign nv;

		nv.prev = lh;
		suffixedexp(C, &nv.v);
		if (nv.v.k != VINDEXED && nv.v.k != VGINDEXED &&
		    nv.v.k != VINDEXSTR && nv.v.k != VINDEXINT)
			check_conflict(C, lh, &nv.v);
		enterlevel(C);
		restassign(C, &nv, nvars + 1);
		leavelevel(C);
	} else {
		int nexps;

		checknext(C, '=');
		nexps = explist(C, &e);
		if (nexps != nvars) {
			adjust_assign(C, nvars, nexps, &e);
		} else {
			code_setoneret(C->fs, &e);
			code_storevar(C->fs, &lh->v, &e);
			return;
		}
	}
	init_exp(&e, VNONRELOC, C->fs->freereg - 1);
	code_storevar(C->fs, &lh->v, &e);
}

static void note_aggsite(struct compiler *C, const struct expdesc *v, int pc)
{
	if (v->gidx < 0)
		return;
	GROW(C, C->aggs, C->naggs, C->capaggs);
	C->aggs[C->naggs].f = C->fs->f;
	C->aggs[C->naggs].pc = pc;
	C->aggs[C->naggs].gidx = v->gidx;
	C->aggs[C->naggs].line = C->lastline;
	C->naggs++;
}

/* ------------------------------------------------------------ probes */

static int add_probe(struct compiler *C, int kind, int line)
{
	struct probe_b *p;

	if (C->nprobes >= KBC_MAX_PROBES)
		lex_error(C->ls, "too many probes (limit is %d)", KBC_MAX_PROBES);
	GROW(C, C->probes, C->nprobes, C->capprobes);
	p = &C->probes[C->nprobes];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->line = line;
	p->filter = "";
	return C->nprobes++;
}

static void add_event(struct compiler *C, struct probe_b *p, const char *s,
		      size_t len)
{
	const char **ev;

	if (p->nevents >= KBC_MAX_EVENTS)
		lex_error(C->ls, "too many events in one probe");
	ev = lex_alloc(C->ls, (size_t)(p->nevents + 1) * sizeof(*ev));
	if (p->nevents)
		memcpy(ev, p->events, (size_t)p->nevents * sizeof(*ev));
	ev[p->nevents++] = lex_strdup(C->ls, s, len);
	p->events = ev;
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Trim blanks around s[0..*len). */
static const char *trim(const char *s, size_t *len)
{
	while (*len && is_blank(*s)) {
		s++;
		(*len)--;
	}
	while (*len && is_blank(s[*len - 1]))
		(*len)--;
	return s;
}

/* A filter the runtime could not parse is a compile error. */
static void check_filter(struct compiler *C, const char *filter, int line)
{
	struct kp_filter *f = lex_alloc(C->ls, sizeof(*f));
	char *copy = lex_strdup(C->ls, filter, strlen(filter));
	char err[128];

	if (filter_parse(copy, f, err, sizeof(err)))
		lex_error_at(C->ls, line, 1, "invalid filter: %s", err);
}

/*
 * "sys:a, sys:b /filter/": EVENTDEFs split at commas outside parentheses
 * and quotes, and a filter that starts at a '/' after a blank (a '/' right
 * after a ':' belongs to a path: probe:/lib/libc.so.6:malloc).
 */
static void parse_probe_header(struct compiler *C, struct probe_b *p,
			       const char *s, size_t len, int line)
{
	size_t i, start = 0, elen;
	int depth = 0;
	char quote = 0;
	const char *e;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (quote) {
			if (c == '\\')
				i++;
			else if (c == quote)
				quote = 0;
			continue;
		}
		if (c == '"' || c == '\'')
			quote = c;
		else if (c == '(')
			depth++;
		else if (c == ')')
			depth--;
		else if (c == '/' && depth == 0 && (i == 0 || is_blank(s[i - 1])))
			break;
		else if (c == ',' && depth == 0) {
			elen = i - start;
			e = trim(s + start, &elen);
			if (!elen)
				lex_error_at(C->ls, line, 1, "empty event spec in 'trace'");
			add_event(C, p, e, elen);
			start = i + 1;
		}
	}
	elen = i - start;
	e = trim(s + start, &elen);
	if (!elen)
		lex_error_at(C->ls, line, 1, "event spec expected after 'trace'");
	add_event(C, p, e, elen);
	if (i < len) {
		size_t flen = len - i - 1;
		const char *f = trim(s + i + 1, &flen);

		if (!flen || f[flen - 1] != '/')
			lex_error_at(C->ls, line, 1, "unfinished filter: '/' expected before '{'");
		flen--;
		f = trim(f, &flen);
		p->filter = lex_strdup(C->ls, f, flen);
		check_filter(C, p->filter, line);
	}
	for (i = 0; i < (size_t)p->nevents; i++) {
		if (!strchr(p->events[i], ':'))
			lex_error_at(C->ls, line, 1,
				     "invalid event spec '%s' (expected sys:event)",
				     p->events[i]);
	}
}

static void check_top_level(struct compiler *C, const char *what)
{
	if (!at_top_level(C))
		lex_error(C->ls, "'%s' is only allowed at the top level of a script",
			  what);
}

/* Compile a handler body "{ ... }" and bind it to probe @idx. */
static void probe_handler(struct compiler *C, int idx, int line,
			  const char *name, int takes_event)
{
	struct funcstate nfs;
	struct blockcnt bl;
	struct protob *f = new_proto(C, line, name);
	struct expdesc e;

	open_func(C, &nfs, f, &bl);
	if (takes_event) {
		new_localvar(C, "e");
		adjustlocalvars(C, 1);
		f->nparams = 1;
		code_reserveregs(&nfs, 1);
	}
	block(C);
	close_func(C);
	codeclosure(C, f, &e);
	code_ABx(C->fs, OP_PROBE, e.u.info, (unsigned int)idx);
	C->fs->freereg = C->fs->nactvar;
}

static void tracestat(struct compiler *C)
{
	struct lexer *ls = C->ls;
	int line = ls->t.line, idx;
	const char *raw;
	size_t len;

	check_top_level(C, "trace");
	idx = add_probe(C, KTAP_PROBE_TRACE, line);
	/* the header is not tokens: paths, globs, fetchargs, a filter */
	raw = lex_raw_until(ls, '{', &len);
	parse_probe_header(C, &C->probes[idx], raw, len, line);
	next(C);
	probe_handler(C, idx, line, C->probes[idx].events[0], 0);
}

static void traceendstat(struct compiler *C)
{
	int line = C->ls->t.line;
	int idx;

	check_top_level(C, "trace_end");
	next(C);
	idx = add_probe(C, KTAP_PROBE_END, line);
	probe_handler(C, idx, line, "trace_end", 0);
}

/* "100ms" and friends in nanoseconds; 0 if the unit is unknown. */
static uint64_t period_ns(int64_t n, const char *unit)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
		{ "s", 1000000000 }, { "sec", 1000000000 },
		{ "ms", 1000000 }, { "msec", 1000000 },
		{ "us", 1000 }, { "usec", 1000 },
		{ "ns", 1 }, { "nsec", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(unit, units[i].name))
			return (uint64_t)n * units[i].ns;
	}
	return 0;
}

/* "1s", "100ms": a count and a unit; returns nanoseconds or 0. */
static uint64_t parse_period(const char *s, size_t len)
{
	char unit[8];
	uint64_t n = 0;
	size_t i = 0, u = 0;

	while (i < len && s[i] >= '0' && s[i] <= '9' && n <= 1000000000)
		n = n * 10 + (uint64_t)(s[i++] - '0');
	if (i == 0 || n == 0 || n > 1000000000)
		return 0;
	while (i < len && u < sizeof(unit) - 1)
		unit[u++] = s[i++];
	unit[u] = '\0';
	return i == len ? period_ns((int64_t)n, unit) : 0;
}

/* tick-1s { }, profile-100ms { } */
static void timerstat(struct compiler *C)
{
	int kind = tk(C) == TK_TICK ? KTAP_PROBE_TICK : KTAP_PROBE_PROFILE;
	const char *what = kind == KTAP_PROBE_TICK ? "tick" : "profile";
	int line = C->ls->t.line, idx;
	const char *raw;
	size_t len;
	uint64_t ns;
	char name[48];

	check_top_level(C, what);
	raw = trim(lex_raw_until(C->ls, '{', &len), &len);
	ns = len > 1 && raw[0] == '-' ? parse_period(raw + 1, len - 1) : 0;
	if (!ns)
		lex_error_at(C->ls, line, 1,
			     "invalid period '%s%.*s' (use e.g. %s-1s, %s-100ms; units s, ms, us, ns)",
			     what, (int)(len > 20 ? 20 : len), raw, what, what);
	snprintf(name, sizeof(name), "%s%.*s", what, (int)(len > 20 ? 20 : len),
		 raw);
	next(C);
	idx = add_probe(C, kind, line);
	C->probes[idx].period_ns = ns;
	probe_handler(C, idx, line, lex_strdup(C->ls, name, strlen(name)), 0);
}

/*
 * The 0.1 API spells probes as calls: kdebug.probe("tp:sys:event", fn),
 * kdebug.probe_end(fn), timer.tick("1s", fn), timer.profile("1ms", fn).
 * Their specs are recorded in the manifest in the block syntax's form.
 */
static void legacy_spec(struct compiler *C, struct probe_b *p,
			const char *spec, size_t len, int line)
{
	static const struct {
		const char *prefix, *to, *suffix;
	} map[] = {
		{ "tp:", "", "" },
		{ "kprobe:", "probe:", "" },
		{ "kretprobe:", "probe:", "%return" },
		{ "uprobe:", "probe:", "" },
		{ "uretprobe:", "probe:", "%return" },
	};
	char buf[512];
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		size_t pl = strlen(map[i].prefix);
		const char *rest = spec + pl;

		if (len < pl || memcmp(spec, map[i].prefix, pl))
			continue;
		/* "tp:syscalls" names a whole subsystem */
		snprintf(buf, sizeof(buf), "%s%.*s%s%s", map[i].to,
			 (int)(len - pl), rest,
			 i == 0 && !memchr(rest, ':', len - pl) ? ":*" : "",
			 map[i].suffix);
		add_event(C, p, buf, strlen(buf));
		return;
	}
	lex_error_at(C->ls, line, 1,
		     "unknown event spec '%.*s' (expected tp:, kprobe:, kretprobe:, uprobe: or uretprobe:)",
		     (int)len, spec);
}

static int legacy_call(struct compiler *C)
{
	const char *lib = C->ls->t.str, *fn;
	struct expdesc v, e;
	int line = C->ls->t.line, kind, idx, reg;
	const char *spec = NULL;
	size_t speclen = 0;
	int64_t id = 0;

	if (strcmp(lib, "kdebug") && strcmp(lib, "timer"))
		return 0;
	singlevaraux(C->fs, lib, &v, 1);
	if (v.k != VVOID || lex_peek(C->ls)->type != '.')
		return 0;
	next(C);
	next(C);
	fn = fieldname(C);
	if (!strcmp(lib, "kdebug") && (!strcmp(fn, "probe") ||
				       !strcmp(fn, "trace_by_id")))
		kind = KTAP_PROBE_TRACE;
	else if (!strcmp(lib, "kdebug") && (!strcmp(fn, "probe_end") ||
					    !strcmp(fn, "trace_end")))
		kind = KTAP_PROBE_END;
	else if (!strcmp(lib, "timer") && !strcmp(fn, "tick"))
		kind = KTAP_PROBE_TICK;
	else if (!strcmp(lib, "timer") && !strcmp(fn, "profile"))
		kind = KTAP_PROBE_PROFILE;
	else
		lex_error(C->ls, "unknown function '%s.%s'", lib, fn);
	checknext(C, '(');
	if (kind != KTAP_PROBE_END) {
		if (!strcmp(fn, "trace_by_id")) {
			check(C, TK_NUMBER);
			id = C->ls->t.num;
		} else {
			if (tk(C) != TK_STRING)
				lex_error(C->ls, "%s.%s needs a constant event spec string",
					  lib, fn);
			spec = C->ls->t.str;
			speclen = C->ls->t.len;
		}
		next(C);
		checknext(C, ',');
	}
	idx = add_probe(C, kind, line);
	C->probes[idx].legacy = kind == KTAP_PROBE_TRACE;
	if (kind == KTAP_PROBE_TRACE && spec) {
		legacy_spec(C, &C->probes[idx], spec, speclen, line);
	} else if (kind == KTAP_PROBE_TRACE) {
		char buf[32];

		snprintf(buf, sizeof(buf), "id:%lld", (long long)id);
		add_event(C, &C->probes[idx], buf, strlen(buf));
	} else if (kind != KTAP_PROBE_END) {
		C->probes[idx].period_ns = parse_period(spec, speclen);
		if (!C->probes[idx].period_ns)
			lex_error_at(C->ls, line, 1,
				     "invalid period '%s' for timer.%s (use e.g. \"1s\", \"100ms\")",
				     spec, fn);
	}
	expr(C, &e);
	reg = code_exp2anyreg(C->fs, &e);
	code_ABx(C->fs, OP_PROBE, reg, (unsigned int)idx);
	check_match(C, ')', '(', line);
	C->fs->freereg = C->fs->nactvar;
	return 1;
}

/* -------------------------------------------------- statement dispatch */

static void exprstat(struct compiler *C)
{
	struct funcstate *fs = C->fs;
	struct lhs_assign v;
	struct expdesc e;

	if (tk(C) == TK_NAME && legacy_call(C))
		return;
	suffixedexp(C, &v.v);
	if (tk(C) == '=' || tk(C) == ',') {
		v.prev = NULL;
		restassign(C, &v, 1);
	} else if (tk(C) == TK_PLUSEQ || tk(C) == TK_AGG) {
		int agg = tk(C) == TK_AGG;
		struct expdesc cur;

		check_assignable(C, &v.v);
		next(C);
		code_prepare_update(fs, &v.v, &cur, !agg);
		expr(C, &e);
		if (agg)
			note_aggsite(C, &v.v, code_agg(fs, &v.v, &cur, &e));
		else
			code_incr(fs, &v.v, &cur, &e);
	} else if (v.v.k == VCALL) {
		SETARG_C(getinstr(fs, &v.v), 1);
	} else {
		lex_error(C->ls, "syntax error (a statement must be a call or an assignment)");
	}
}

static void statement(struct compiler *C)
{
	int line = C->ls->t.line;

	enterlevel(C);
	switch (tk(C)) {
	case ';':
		next(C);
		break;
	case TK_IF:
		ifstat(C);
		break;
	case TK_WHILE:
		whilestat(C);
		break;
	case TK_DO:
		next(C);
		block(C);
		break;
	case TK_FOR:
		forstat(C, line);
		break;
	case TK_REPEAT:
		repeatstat(C);
		break;
	case TK_FUNCTION:
		funcstat(C, line);
		break;
	case TK_VAR:
		varstat(C);
		break;
	case TK_RETURN:
		retstat(C);
		break;
	case TK_BREAK:
		breakstat(C);
		break;
	case TK_TRACE:
	case TK_TICK:
	case TK_PROFILE:
		/* their headers are read raw, from right after the keyword */
		if (C->ls->has_ahead)
			lex_error(C->ls, "unexpected probe");
		if (tk(C) == TK_TRACE)
			tracestat(C);
		else
			timerstat(C);
		break;
	case TK_TRACE_END:
		traceendstat(C);
		break;
	case TK_GOTO:
	case TK_THEN:
	case TK_END:
	case TK_FFI:
		lex_error(C->ls, "reserved word used as a statement");
	default:
		exprstat(C);
		break;
	}
	C->fs->freereg = C->fs->nactvar;
	leavelevel(C);
}

/* Give every aggregation into a global printed by print_lhist its spec. */
static void patch_aggsites(struct compiler *C)
{
	int i, j;

	for (i = 0; i < C->naggs; i++) {
		struct aggsite *a = &C->aggs[i];

		for (j = 0; j < C->nspecs; j++) {
			if (C->specs[j].gidx == a->gidx) {
				a->f->code[a->pc + 1] = CREATE_Ax(OP_EXTRAARG,
								   j + 1);
				break;
			}
		}
	}
}

int ktap_compile(const char *chunkname, const char *src, size_t len,
		 void **out, size_t *outlen, char *err, size_t errlen)
{
	struct lexer ls;
	struct compiler C;
	struct funcstate fs;
	struct blockcnt bl;
	jmp_buf jb;
	volatile int r = -1;

	memset(&C, 0, sizeof(C));
	lex_init(&ls, chunkname, src, len);
	ls.jb = &jb;
	ls.err = err;
	ls.errlen = errlen;
	C.ls = &ls;
	if (setjmp(jb) == 0) {
		C.main = new_proto(&C, 0, "main");
		open_func(&C, &fs, C.main, &bl);
		lex_next(&ls);
		while (tk(&C) != TK_EOF)
			statement(&C);
		close_func(&C);
		patch_aggsites(&C);
		r = dump_module(&C, out, outlen);
		if (r)
			snprintf(err, errlen, "%s: out of memory", chunkname);
	}
	lex_free(&ls);
	return r;
}

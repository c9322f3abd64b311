// SPDX-License-Identifier: GPL-2.0
/*
 * test_verify.c - the loader and the verifier against hand-broken bytecode.
 *
 * Valid files come from the compiler or from the harness's builder; each
 * case breaks one thing and checks that ktap_session_load() refuses it with
 * the right message, without crashing or leaking.  A control next to most
 * cases checks that the unbroken version is accepted, so that a case
 * cannot pass because of some other defect of the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "bytecode.h"
#include "opcodes.h"

#define ABC(o, a, b, c)		CREATE_ABCk(OP_##o, a, b, c, 0)
#define ABCK(o, a, b, c)	CREATE_ABCk(OP_##o, a, b, c, 1)
#define ABX(o, a, bx)		CREATE_ABx(OP_##o, a, bx)
#define ASBX(o, a, sbx)		CREATE_ABx(OP_##o, a, (sbx) + OFFSET_sBx)
#define JMP(j)			CREATE_sJ(OP_JMP, j)
#define EXTRA(ax)		CREATE_Ax(OP_EXTRAARG, ax)
#define RET0			ABC(RETURN0, 0, 0, 0)

/* A script using most of the language: closures, loops, probes, specs. */
static const char big_script[] =
	"var t = {}\n"
	"var h = {}\n"
	"function f(x) { return x + 1 }\n"
	"function va(...) { return ... }\n"
	"for (i = 1, 10) { t[i] = f(i) }\n"
	"for (k, v in pairs(t)) { h[k % 3] <<< v }\n"
	"var s = 0\n"
	"s <<< 5\n"
	"print_hist(h)\n"
	"print_lhist(s, 0, 100, 10)\n"
	"function mk() { var c = 0; return function() { c += 1; return c } }\n"
	"var g = mk()\n"
	"print(g(), g(), \"a\" .. 1, va(1, 2, 3))\n"
	"var str = \"x\"\n"
	"while (len(str) < 20) { str = str .. str }\n"
	"if (t[1] == 2 && t.x == nil) { print(\"yes\") } else { print(\"no\") }\n"
	"trace syscalls:sys_enter_open { print(pid, execname, arg1, $filename) }\n"
	"tick-1s { print(\"tick\") }\n"
	"trace_end { print(\"end\", len(t)) }\n";

static const char small_script[] = "print(1 + 2)\n";

static uint8_t *big_bc;
static size_t big_len;

static struct tk_module *big(void)
{
	struct tk_module *m = tk_decode(big_bc, big_len);

	if (!m) {
		printf("not ok verify/harness: cannot decode the compiled script\n");
		exit(1);
	}
	return m;
}

/* A module whose main has a frame of @framesize and the given code. */
static struct tk_module *with_code(int framesize, uint32_t n,
				   const uint32_t *code)
{
	struct tk_module *m = tk_module_new();

	m->main->framesize = (uint8_t)framesize;
	tk_set_code_array(m->main, n, code);
	return m;
}

#define CODE(...) (sizeof((uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t)), \
		  ((uint32_t[]){ __VA_ARGS__ })

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* ------------------------------------------------------- file structure */

static void test_roundtrip(void)
{
	size_t len;
	uint8_t *again = tk_encode(big(), &len);

	check(len == big_len && !memcmp(again, big_bc, len),
	      "verify/harness-roundtrip",
	      "decode+encode changed the compiled file (%zu -> %zu bytes)",
	      big_len, len);
	check(try_load("verify/accept-compiled", big_bc, big_len, NULL, 0) == 0,
	      "verify/accept-compiled", "the compiled script is rejected");
	expect_accept_mod("verify/accept-compiled-run", big());
}

/* Every prefix of a valid file is rejected, and none crashes. */
static void test_truncation(const char *name, const uint8_t *bc, size_t len)
{
	char err[600], cname[128];
	size_t n;

	snprintf(cname, sizeof(cname), "verify/truncated/%s", name);
	for (n = 0; n < len; n++) {
		/* a copy of exactly n bytes: ASan sees any read past it */
		uint8_t *p = malloc(n ? n : 1);
		int r;

		memcpy(p, bc, n);
		r = try_load(cname, p, n, err, sizeof(err));
		free(p);
		if (r == -2)
			return;
		if (r == 0) {
			fail(cname, "the first %zu of %zu bytes are accepted",
			     n, len);
			return;
		}
		if (!strstr(err, n < 4 ? "bad magic" : "truncated at byte")) {
			fail(cname, "prefix of %zu bytes: unexpected message \"%s\"",
			     n, err);
			return;
		}
	}
	pass("%s (%zu prefixes)", cname, len);
}

static void test_header(void)
{
	uint8_t *p = malloc(big_len + 1);
	int i;

	for (i = 0; i < 4; i++) {
		char name[64];

		memcpy(p, big_bc, big_len);
		p[i] ^= 0x20;
		snprintf(name, sizeof(name), "verify/bad-magic-byte%d", i);
		expect_reject(name, p, big_len, "not ktap bytecode (bad magic)");
	}
	memcpy(p, big_bc, big_len);
	p[4] = 2;
	expect_reject("verify/version-2", p, big_len,
		      "bytecode version 2 is not supported");
	p[4] = 0;
	expect_reject("verify/version-0", p, big_len,
		      "bytecode version 0 is not supported");
	p[4] = 1;
	p[5] = 1;
	expect_reject("verify/version-257", p, big_len,
		      "bytecode version 257 is not supported");
	p[5] = 0;
	p[7] = 0x80;
	expect_reject("verify/unknown-flags", p, big_len,
		      "unknown flags 0x8000");
	memcpy(p, big_bc, big_len);
	p[big_len] = 0;
	expect_reject("verify/trailing-garbage", p, big_len + 1,
		      "1 bytes of garbage after the end");
	free(p);
}

/* Counts larger than the file must fail before allocating for them. */
static void count_case(const char *name, size_t off, uint32_t value,
		       const char *substr)
{
	struct tk_module *m = big();
	size_t len;
	uint8_t *bc;

	/* one string constant more: nk is never 0 */
	tk_add_str(m->main, "x");
	tk_add_probe(m, KTAP_PROBE_END, 0, NULL);
	bc = tk_encode(m, &len);
	off = *(size_t *)((char *)&tk_off + off);
	put_u32(bc + off, value);
	if (expect_reject(name, bc, len, substr)) {
		char n2[128];

		snprintf(n2, sizeof(n2), "%s/memory", name);
		check(last_load_peak < (1 << 20), n2,
		      "the load needed %zu bytes for a %zu-byte file",
		      last_load_peak, len);
	}
}

#define OFF(f) offsetof(struct tk_offsets, f)

static void test_counts(void)
{
	count_case("verify/count/ncode-max", OFF(ncode), 0xffffffff,
		   "4294967295 instructions (limit 16777216)");
	count_case("verify/count/ncode-limit", OFF(ncode), KBC_MAX_CODE,
		   "truncated");
	count_case("verify/count/ncode-plus1", OFF(ncode), 0x10000, "truncated");
	count_case("verify/count/nk-max", OFF(nk), 0xffffffff,
		   "constants (limit");
	count_case("verify/count/nk-limit", OFF(nk), KBC_MAX_ITEMS,
		   "truncated");
	count_case("verify/count/nprotos-max", OFF(nprotos), 0xffffffff,
		   "functions (limit");
	count_case("verify/count/nprotos-limit", OFF(nprotos), KBC_MAX_ITEMS,
		   "truncated");
	count_case("verify/count/nglobals-max", OFF(nglobals), 0xffffffff,
		   "globals (limit");
	count_case("verify/count/nglobals-limit", OFF(nglobals), KBC_MAX_ITEMS,
		   "truncated");
	count_case("verify/count/nspecs-max", OFF(nspecs), 0xffffffff,
		   "histogram specs (limit");
	count_case("verify/count/nspecs-limit", OFF(nspecs), 100000,
		   "truncated");
	count_case("verify/count/nprobes-max", OFF(nprobes), 0xffffffff,
		   "probes (limit");
	count_case("verify/count/nprobes-limit", OFF(nprobes), KBC_MAX_PROBES,
		   "truncated");
	count_case("verify/count/nevents-max", OFF(nevents), 0xffffffff,
		   "event specs (limit");
	count_case("verify/count/nevents-limit", OFF(nevents), KBC_MAX_EVENTS,
		   "truncated");
	count_case("verify/count/strlen-max", OFF(chunkname), 0xffffffff,
		   "truncated");
	count_case("verify/count/strlen-name", OFF(main_name), 0x7fffffff,
		   "truncated");
}

static void test_constants(void)
{
	struct tk_module *m = tk_module_new();

	tk_add_nil(m->main);
	m->main->k[0].tag = KBC_STR + 1;
	expect_reject_mod("verify/const-unknown-tag", m,
			  "unknown constant tag 5");
	m->main->k[0].tag = 0xff;
	expect_reject_mod("verify/const-unknown-tag-255", m,
			  "unknown constant tag 255");
}

/* Functions nested @depth deep (main counts as one). */
static struct tk_module *nested(int depth)
{
	struct tk_module *m = tk_module_new();
	struct tk_proto *p = m->main;
	int i;

	for (i = 1; i < depth; i++) {
		struct tk_proto *c = tk_proto_new("inner");

		tk_add_proto(p, c);
		p = c;
	}
	return m;
}

static void test_nesting(void)
{
	expect_accept_mod("verify/nesting-64", nested(KBC_MAX_NESTING));
	expect_reject_mod("verify/nesting-65", nested(KBC_MAX_NESTING + 1),
			  "functions nested deeper than 64");
	expect_reject_mod("verify/nesting-5000", nested(5000),
			  "functions nested deeper than 64");
}

/* ------------------------------------------------------------ functions */

static void test_functions(void)
{
	struct tk_module *m;
	struct tk_proto *c;

	m = tk_module_new();
	m->main->framesize = MAXREGS;
	expect_accept_mod("verify/framesize-250", m);
	m->main->framesize = MAXREGS + 1;
	expect_reject_mod("verify/framesize-251", m, "bad frame size 251");
	m->main->framesize = 255;
	expect_reject_mod("verify/framesize-255", m, "bad frame size 255");

	m = tk_module_new();
	m->main->nparams = 1;
	expect_reject_mod("verify/main-params", m,
			  "the main function takes no parameters or upvalues");
	m = tk_module_new();
	m->main->nupvals = 1;
	m->main->up = tk_alloc(2);
	m->main->up[0] = 1;
	expect_reject_mod("verify/main-upvalues", m,
			  "the main function takes no parameters or upvalues");

	m = tk_module_new();
	m->main->ncode = 0;
	expect_reject_mod("verify/no-code", m, "has no code");
	m = tk_module_new();
	m->main->is_vararg = 2;
	expect_reject_mod("verify/vararg-flag", m, "bad vararg flag");

	m = tk_module_new();
	c = tk_proto_new("child");
	c->nparams = 3;
	c->framesize = 2;
	tk_add_proto(m->main, c);
	expect_reject_mod("verify/framesize-below-params", m,
			  "function 'child' has a bad frame size 2");

	/* a bad instruction in a nested function is found too */
	m = tk_module_new();
	c = tk_proto_new("child");
	tk_add_proto(m->main, c);
	tk_add_proto(c, tk_proto_new("grandchild"));
	tk_set_code(c->p[0], 2, ABC(MOVE, 7, 0, 0), RET0);
	expect_reject_mod("verify/nested-bad-insn", m,
			  "function 'grandchild' (line 0), instruction 0 (MOVE): register out of the frame");
}

/* ---------------------------------------------------------- registers */

static void test_registers(void)
{
	static const struct {
		const char *name;
		uint32_t insn;
	} cases[] = {
		{ "move-a", ABC(MOVE, 4, 0, 0) },
		{ "move-b", ABC(MOVE, 0, 4, 0) },
		{ "loadi", ASBX(LOADI, 4, 1) },
		{ "loadnil-range", ABC(LOADNIL, 2, 2, 0) },
		{ "gettable-c", ABC(GETTABLE, 0, 1, 200) },
		{ "getint-b", ABC(GETINT, 0, 9, 1) },
		{ "settable-rk-register", ABC(SETTABLE, 0, 1, 4) },
		{ "self-a1", ABC(SELF, 3, 0, 0) },
		{ "add-c", ABC(ADD, 0, 1, 4) },
		{ "unm-b", ABC(UNM, 0, 255, 0) },
		{ "concat-range", ABC(CONCAT, 2, 3, 0) },
		{ "call-args", ABC(CALL, 2, 3, 1) },
		{ "call-results", ABC(CALL, 2, 1, 4) },
		{ "return-range", ABC(RETURN, 2, 4, 0) },
		{ "forprep-a3", ABX(FORPREP, 1, 0) },
		{ "setlist-range", ABC(SETLIST, 1, 3, 0) },
		{ "vararg-results", ABC(VARARG, 3, 0, 3) },
		{ "evget-a", ABC(EVGET, 4, 0, 0) },
		{ "newtable-a", ABC(NEWTABLE, 255, 0, 0) },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[96];
		struct tk_module *m = with_code(4, CODE(cases[i].insn, RET0));

		snprintf(name, sizeof(name), "verify/register/%s", cases[i].name);
		expect_reject_mod(name, m, "register out of the frame");
	}
	/* the same file with a frame big enough is fine: the control */
	expect_accept_mod("verify/register/control",
			  with_code(4, CODE(ABC(MOVE, 3, 0, 0), RET0)));

	/* a compiled function whose frame is made smaller than it uses */
	{
		struct tk_module *m = big();

		m->main->framesize = 2;
		expect_reject_mod("verify/register/compiled-shrunk-frame", m,
				  "register out of the frame");
	}
}

/* ---------------------------------------------------------- constants */

static void test_konst(void)
{
	struct tk_module *m;
	uint32_t kn, ks;

	m = with_code(4, CODE(ABX(LOADK, 0, 0), RET0));
	expect_reject_mod("verify/konst/loadk-none", m,
			  "constant index out of range");
	kn = tk_add_int(m->main, 7);
	expect_accept_mod("verify/konst/loadk-control", m);
	tk_set_code(m->main, 2, ABX(LOADK, 0, kn + 1), RET0);
	expect_reject_mod("verify/konst/loadk-past-end", m,
			  "constant index out of range");
	tk_set_code(m->main, 2, ABX(LOADK, 0, MAXARG_Bx), RET0);
	expect_reject_mod("verify/konst/loadk-max", m,
			  "constant index out of range");
	tk_set_code(m->main, 4, ABC(LOADNIL, 0, 0, 0), ABC(EQK, 0, 1, 0),
		    JMP(0), RET0);
	expect_reject_mod("verify/konst/eqk", m, "constant index out of range");
	tk_set_code(m->main, 2, ABCK(SETTABLE, 0, 1, 1), RET0);
	expect_reject_mod("verify/konst/rk-c", m, "constant index out of range");
	tk_set_code(m->main, 2, ABX(EVFIELD, 0, 3), RET0);
	expect_reject_mod("verify/konst/evfield", m,
			  "constant index out of range");

	/* constants of the wrong type */
	m = with_code(4, CODE(ABC(NEWTABLE, 1, 0, 0), ABC(GETFIELD, 0, 1, 0),
			      RET0));
	kn = tk_add_int(m->main, 1);
	expect_reject_mod("verify/konst/getfield-number", m,
			  "constant is not a string");
	m->main->k[kn].tag = KBC_NIL;
	expect_reject_mod("verify/konst/getfield-nil", m,
			  "constant is not a string");
	m->main->k[kn].tag = KBC_TRUE;
	expect_reject_mod("verify/konst/getfield-bool", m,
			  "constant is not a string");
	ks = tk_add_str(m->main, "field");
	tk_set_code(m->main, 3, ABC(NEWTABLE, 1, 0, 0),
		    ABC(GETFIELD, 0, 1, ks), RET0);
	expect_accept_mod("verify/konst/getfield-control", m);
	tk_set_code(m->main, 3, ABC(NEWTABLE, 1, 0, 0),
		    ABC(SETFIELD, 1, kn, 0), RET0);
	expect_reject_mod("verify/konst/setfield-bool", m,
			  "constant is not a string");
	tk_set_code(m->main, 2, ABX(EVFIELD, 0, kn), RET0);
	expect_reject_mod("verify/konst/evfield-bool", m,
			  "constant is not a string");

	{
		static const struct {
			const char *name;
			int op;
		} arith[] = {
			{ "addk", OP_ADDK }, { "subk", OP_SUBK },
			{ "mulk", OP_MULK }, { "divk", OP_DIVK },
			{ "modk", OP_MODK },
		};
		size_t i;

		m = with_code(4, CODE(ASBX(LOADI, 1, 5), RET0));
		ks = tk_add_str(m->main, "string");
		kn = tk_add_int(m->main, 3);
		for (i = 0; i < sizeof(arith) / sizeof(arith[0]); i++) {
			char name[64];

			tk_set_code(m->main, 3, ASBX(LOADI, 1, 5),
				    CREATE_ABCk(arith[i].op, 0, 1, ks, 0), RET0);
			snprintf(name, sizeof(name), "verify/konst/%s-string",
				 arith[i].name);
			expect_reject_mod(name, m, "constant is not a number");
			tk_set_code(m->main, 3, ASBX(LOADI, 1, 5),
				    CREATE_ABCk(arith[i].op, 0, 1, kn, 0), RET0);
			snprintf(name, sizeof(name), "verify/konst/%s-control",
				 arith[i].name);
			expect_accept_mod(name, m);
		}
	}
}

/* -------------------------------------------------------------- jumps */

static void test_jumps(void)
{
	struct tk_module *m;

	expect_accept_mod("verify/jump/control",
			  with_code(2, CODE(JMP(1), ASBX(LOADI, 0, 1), RET0)));
	expect_reject_mod("verify/jump/forward-past-end",
			  with_code(2, CODE(JMP(2), ASBX(LOADI, 0, 1), RET0)),
			  "instruction 0 (JMP): jump out of the function");
	expect_reject_mod("verify/jump/forward-max",
			  with_code(2, CODE(JMP(OFFSET_sJ), RET0)),
			  "jump out of the function");
	expect_reject_mod("verify/jump/backward-before-start",
			  with_code(2, CODE(ASBX(LOADI, 0, 1), JMP(-3), RET0)),
			  "instruction 1 (JMP): jump out of the function");
	expect_reject_mod("verify/jump/backward-min",
			  with_code(2, CODE(RET0, JMP(-OFFSET_sJ))),
			  "jump out of the function");
	/* backward to instruction 0 is fine (an endless loop: the budget) */
	expect_accept_mod("verify/jump/backward-to-start",
			  with_code(2, CODE(ASBX(LOADI, 0, 1), JMP(-2), RET0)));

	expect_reject_mod("verify/jump/forprep-past-end",
			  with_code(8, CODE(ABX(FORPREP, 0, 5), RET0)),
			  "jump out of the function");
	expect_reject_mod("verify/jump/forloop-before-start",
			  with_code(8, CODE(ABX(FORLOOP, 0, 3), RET0)),
			  "jump out of the function");
	expect_reject_mod("verify/jump/tforprep-past-end",
			  with_code(8, CODE(ABX(TFORPREP, 0, 2), RET0)),
			  "jump out of the function");
	expect_reject_mod("verify/jump/tforloop-before-start",
			  with_code(8, CODE(ABX(TFORLOOP, 0, 2), RET0)),
			  "jump out of the function");

	/*
	 * A jump may land on the JMP of a test, or just after the pair:
	 * neither is a pair the VM relies on.
	 */
	m = with_code(2, CODE(ABC(LOADTRUE, 0, 0, 0), JMP(1), ABC(TEST, 0, 0, 0),
			      JMP(0), ASBX(LOADI, 0, 1), RET0));
	expect_accept_mod("verify/jump/into-test-jmp-allowed", m);
	m = with_code(2, CODE(ABC(LOADTRUE, 0, 0, 0), JMP(2), ABC(TEST, 0, 0, 0),
			      JMP(0), ASBX(LOADI, 0, 1), RET0));
	expect_accept_mod("verify/jump/after-test-pair-allowed", m);

	/* but not between a producer of results and their B == 0 consumer */
	m = tk_module_new();
	tk_add_global(m, "print");
	m->main->framesize = 4;
	m->main->is_vararg = 1;
	tk_set_code(m->main, 4, ABX(GETGLOBAL, 0, 0), ABC(VARARG, 1, 0, 0),
		    ABC(CALL, 0, 0, 1), RET0);
	expect_accept_mod("verify/jump/consumer-control", m);
	tk_set_code(m->main, 4, ABX(GETGLOBAL, 0, 0), ABC(VARARG, 1, 0, 0),
		    ABC(CALL, 0, 0, 1), JMP(-2));
	expect_reject_mod("verify/jump/into-b0-call", m,
			  "jump into the middle of an instruction pair");
	tk_set_code(m->main, 5, ABX(GETGLOBAL, 0, 0), JMP(1),
		    ABC(VARARG, 1, 0, 0), ABC(CALL, 0, 0, 1), RET0);
	expect_reject_mod("verify/jump/forward-into-b0-call", m,
			  "jump into the middle of an instruction pair");
	tk_set_code(m->main, 4, ABC(VARARG, 1, 0, 0), ABC(RETURN, 1, 0, 0),
		    JMP(-2), RET0);
	expect_reject_mod("verify/jump/into-b0-return", m,
			  "jump into the middle of an instruction pair");

	/* nor onto the EXTRAARG of an AGG */
	m = with_code(4, CODE(ASBX(LOADI, 1, 1), ABC(AGG, 0, 1, 0), EXTRA(0),
			      RET0));
	expect_accept_mod("verify/jump/agg-control", m);
	m = with_code(4, CODE(JMP(1), ABC(AGG, 0, 1, 0), EXTRA(0), RET0));
	expect_reject_mod("verify/jump/into-extraarg", m,
			  "jump into the middle of an instruction pair");
}

/* ---------------------------------------------------- instruction pairs */

static void test_pairs(void)
{
	static const struct {
		const char *name;
		uint32_t insn;
	} tests[] = {
		{ "eq", ABC(EQ, 0, 1, 0) }, { "lt", ABC(LT, 0, 1, 0) },
		{ "le", ABC(LE, 0, 1, 0) }, { "eqk", ABC(EQK, 0, 0, 0) },
		{ "eqi", ABC(EQI, 0, 0, 0) }, { "lti", ABC(LTI, 0, 0, 0) },
		{ "lei", ABC(LEI, 0, 0, 0) }, { "gti", ABC(GTI, 0, 0, 0) },
		{ "gei", ABC(GEI, 0, 0, 0) }, { "test", ABC(TEST, 0, 0, 0) },
		{ "testset", ABC(TESTSET, 0, 1, 0) },
	};
	struct tk_module *m;
	size_t i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		char name[96];

		m = with_code(4, CODE(ASBX(LOADI, 0, 1), ASBX(LOADI, 1, 2),
				      tests[i].insn, JMP(1), ASBX(LOADI, 0, 3),
				      RET0));
		tk_add_int(m->main, 1);
		snprintf(name, sizeof(name), "verify/pair/%s-control",
			 tests[i].name);
		expect_accept_mod(name, m);
		m->main->code[3] = ASBX(LOADI, 0, 3);
		snprintf(name, sizeof(name), "verify/pair/%s-without-jmp",
			 tests[i].name);
		expect_reject_mod(name, m,
				  "not followed by the instruction it needs");
		tk_set_code(m->main, 3, ASBX(LOADI, 0, 1), ASBX(LOADI, 1, 2),
			    tests[i].insn);
		snprintf(name, sizeof(name), "verify/pair/%s-at-end",
			 tests[i].name);
		expect_reject_mod(name, m,
				  "missing the instruction that must follow");
		/*
		 * A test whose JMP is the last instruction would skip past
		 * the end of the code when it does not jump.
		 */
		tk_set_code(m->main, 4, ASBX(LOADI, 0, 1), ASBX(LOADI, 1, 2),
			    tests[i].insn, JMP(-4));
		snprintf(name, sizeof(name), "verify/pair/%s-jmp-last",
			 tests[i].name);
		expect_reject_mod(name, m, "skips past the end");
	}

	m = with_code(4, CODE(ASBX(LOADI, 1, 1), ABC(AGG, 0, 1, 0), RET0));
	expect_reject_mod("verify/pair/agg-without-extraarg", m,
			  "not followed by the instruction it needs");
	m = with_code(4, CODE(ASBX(LOADI, 1, 1), ABC(AGG, 0, 1, 0)));
	expect_reject_mod("verify/pair/agg-at-end", m,
			  "missing the instruction that must follow");
	m = with_code(4, CODE(ABC(NEWTABLE, 0, 0, 0), ABC(TAGG, 0, 1, 2),
			      ABC(MOVE, 0, 0, 0), RET0));
	expect_reject_mod("verify/pair/tagg-without-extraarg", m,
			  "not followed by the instruction it needs");
	m = with_code(4, CODE(ASBX(LOADI, 1, 1), ABC(AGG, 0, 1, 0), EXTRA(1),
			      RET0));
	expect_reject_mod("verify/pair/agg-spec-out-of-range", m,
			  "histogram spec out of range");
	tk_add_spec(m, 0, 100, 10);
	expect_accept_mod("verify/pair/agg-spec-control", m);
	m->main->code[2] = EXTRA(2);
	expect_reject_mod("verify/pair/agg-spec-past-end", m,
			  "histogram spec out of range");

	expect_reject_mod("verify/pair/extraarg-alone",
			  with_code(2, CODE(EXTRA(0), RET0)),
			  "EXTRAARG without AGG or TAGG");
	expect_reject_mod("verify/pair/extraarg-after-move",
			  with_code(2, CODE(ABC(MOVE, 0, 1, 0), EXTRA(0), RET0)),
			  "EXTRAARG without AGG or TAGG");

	/* numeric for: R0 init, R1 limit, R2 step, R3 the variable */
	m = with_code(8, CODE(ASBX(LOADI, 0, 1), ASBX(LOADI, 1, 3),
			      ASBX(LOADI, 2, 1), ABX(FORPREP, 0, 1),
			      ABC(MOVE, 5, 3, 0), ABX(FORLOOP, 0, 2), RET0));
	expect_accept_mod("verify/pair/for-control", m);
	m->main->code[5] = JMP(-2);
	expect_reject_mod("verify/pair/forprep-without-forloop", m,
			  "FORPREP without its FORLOOP");
	m->main->code[5] = ABX(FORLOOP, 1, 2);
	expect_reject_mod("verify/pair/forprep-forloop-other-a", m,
			  "FORPREP without its FORLOOP");

	/* generic for over pairs({}) */
	m = with_code(10, CODE(ABX(GETGLOBAL, 0, 0), ABC(NEWTABLE, 1, 0, 0),
			       ABC(CALL, 0, 2, 4), ABX(TFORPREP, 0, 1),
			       ABC(MOVE, 8, 4, 0), ABC(TFORCALL, 0, 0, 2),
			       ABX(TFORLOOP, 0, 3), RET0));
	tk_add_global(m, "pairs");
	expect_accept_mod("verify/pair/tfor-control", m);
	m->main->code[6] = JMP(-3);
	expect_reject_mod("verify/pair/tforcall-without-tforloop", m,
			  "instruction 5 (TFORCALL): not followed by the instruction it needs");
	m->main->code[6] = ABX(TFORLOOP, 1, 3);
	expect_reject_mod("verify/pair/tforcall-tforloop-other-a", m,
			  "not followed by the instruction it needs");
	m->main->code[6] = ABX(TFORLOOP, 0, 3);
	m->main->code[5] = ABC(MOVE, 0, 0, 0);
	expect_reject_mod("verify/pair/tforprep-without-tforcall", m,
			  "TFORPREP without its TFORCALL");
	m->main->framesize = 6;
	tk_set_code(m->main, 3, ABC(TFORCALL, 0, 0, 2), ABX(TFORLOOP, 0, 2),
		    RET0);
	expect_reject_mod("verify/pair/tforcall-frame-too-small", m,
			  "instruction 0 (TFORCALL): register out of the frame");
	m->main->framesize = 10;
	tk_set_code(m->main, 1, ABC(TFORCALL, 0, 0, 2));
	expect_reject_mod("verify/pair/tforcall-last", m,
			  "missing the instruction that must follow");
}

/* ------------------------------------------------- results of calls */

static void test_results(void)
{
	struct tk_module *m = tk_module_new();

	tk_add_global(m, "print");
	m->main->framesize = 6;
	m->main->is_vararg = 1;
	tk_set_code(m->main, 4, ABX(GETGLOBAL, 0, 0), ASBX(LOADI, 1, 1),
		    ABC(CALL, 0, 0, 1), RET0);
	expect_reject_mod("verify/results/call-b0-after-loadi", m,
			  "instruction 2 (CALL): uses results no instruction produced");
	tk_set_code(m->main, 2, ABC(CALL, 0, 0, 1), RET0);
	expect_reject_mod("verify/results/call-b0-first", m,
			  "uses results no instruction produced");
	/* a CALL with C != 0 produces a fixed number of results */
	tk_set_code(m->main, 5, ABX(GETGLOBAL, 0, 0), ABX(GETGLOBAL, 1, 0),
		    ABC(CALL, 1, 1, 2), ABC(CALL, 0, 0, 1), RET0);
	expect_reject_mod("verify/results/call-b0-after-fixed-call", m,
			  "uses results no instruction produced");
	tk_set_code(m->main, 5, ABX(GETGLOBAL, 0, 0), ABX(GETGLOBAL, 1, 0),
		    ABC(CALL, 1, 1, 0), ABC(CALL, 0, 0, 1), RET0);
	expect_accept_mod("verify/results/call-b0-control", m);
	/* the producer must leave its results above the called function */
	tk_set_code(m->main, 4, ABX(GETGLOBAL, 0, 0), ABC(VARARG, 0, 0, 0),
		    ABC(CALL, 0, 0, 1), RET0);
	expect_reject_mod("verify/results/call-b0-producer-below", m,
			  "uses results no instruction produced");
	tk_set_code(m->main, 2, ASBX(LOADI, 0, 1), ABC(RETURN, 0, 0, 0));
	expect_reject_mod("verify/results/return-b0", m,
			  "uses results no instruction produced");
	tk_set_code(m->main, 3, ABX(GETGLOBAL, 0, 0), ABC(TAILCALL, 0, 0, 0),
		    RET0);
	expect_reject_mod("verify/results/tailcall-b0", m,
			  "uses results no instruction produced");
	tk_set_code(m->main, 3, ABC(NEWTABLE, 0, 0, 0), ABC(SETLIST, 0, 0, 0),
		    RET0);
	expect_reject_mod("verify/results/setlist-b0", m,
			  "uses results no instruction produced");
	tk_set_code(m->main, 4, ABC(NEWTABLE, 0, 0, 0), ABC(VARARG, 1, 0, 0),
		    ABC(SETLIST, 0, 0, 0), RET0);
	expect_accept_mod("verify/results/setlist-b0-control", m);
	tk_set_code(m->main, 2, ABC(CONCAT, 0, 0, 0), RET0);
	expect_reject_mod("verify/results/concat-empty", m,
			  "empty concatenation");
}

static void test_end(void)
{
	expect_reject_mod("verify/end/falls-through",
			  with_code(2, CODE(ASBX(LOADI, 0, 1))),
			  "function 'main' can run past its end");
	expect_reject_mod("verify/end/call-last",
			  with_code(2, CODE(ABC(CALL, 0, 1, 1))),
			  "can run past its end");
	expect_reject_mod("verify/end/forloop-last",
			  with_code(8, CODE(ASBX(LOADI, 0, 1), ABX(FORLOOP, 0, 1))),
			  "can run past its end");
	expect_accept_mod("verify/end/return1",
			  with_code(2, CODE(ABC(RETURN1, 0, 0, 0))));
	expect_accept_mod("verify/end/return",
			  with_code(2, CODE(ABC(RETURN, 0, 1, 0))));
	expect_accept_mod("verify/end/jmp",
			  with_code(2, CODE(RET0, JMP(-2))));
}

/* ------------------------------------------- upvalues, closures, tables */

static void test_upvalues(void)
{
	struct tk_module *m;
	struct tk_proto *c;

	expect_reject_mod("verify/upval/main-getupval",
			  with_code(2, CODE(ABC(GETUPVAL, 0, 0, 0), RET0)),
			  "upvalue index out of range");

	m = tk_module_new();
	m->main->framesize = 4;
	c = tk_proto_new("inner");
	c->nupvals = 1;
	c->up = tk_alloc(2);
	c->up[0] = 1;		/* captures the register ... */
	c->up[1] = 3;		/* ... R3 of main */
	tk_set_code(c, 3, ABC(GETUPVAL, 0, 0, 0), ABC(SETUPVAL, 0, 0, 0), RET0);
	tk_add_proto(m->main, c);
	tk_set_code(m->main, 3, ABX(CLOSURE, 0, 0), ABC(CALL, 0, 1, 1), RET0);
	expect_accept_mod("verify/upval/control", m);
	c->code[0] = ABC(GETUPVAL, 0, 1, 0);
	expect_reject_mod("verify/upval/getupval-out-of-range", m,
			  "function 'inner' (line 0), instruction 0 (GETUPVAL): upvalue index out of range");
	c->code[0] = ABC(GETUPVAL, 0, 0, 0);
	c->code[1] = ABC(SETUPVAL, 0, 255, 0);
	expect_reject_mod("verify/upval/setupval-out-of-range", m,
			  "upvalue index out of range");
	c->code[1] = ABC(SETUPVAL, 0, 0, 0);
	c->up[1] = 4;
	expect_reject_mod("verify/upval/desc-outside-parent-frame", m,
			  "function 'inner' captures upvalue 0 out of range");
	c->up[1] = 255;
	expect_reject_mod("verify/upval/desc-255", m,
			  "captures upvalue 0 out of range");
	c->up[0] = 0;		/* an upvalue of main: it has none */
	c->up[1] = 0;
	expect_reject_mod("verify/upval/desc-parent-upvalue", m,
			  "captures upvalue 0 out of range");
	c->up[0] = 2;
	expect_reject_mod("verify/upval/desc-instack-2", m,
			  "captures upvalue 0 out of range");

	/* a grandchild takes upvalue 1 of a child that has one */
	c->up[0] = 1;
	c->up[1] = 3;
	{
		struct tk_proto *g = tk_proto_new("grand");

		g->nupvals = 1;
		g->up = tk_alloc(2);
		g->up[0] = 0;
		g->up[1] = 1;
		tk_add_proto(c, g);
		expect_reject_mod("verify/upval/desc-grandparent", m,
				  "function 'grand' captures upvalue 0 out of range");
		g->up[1] = 0;
		expect_accept_mod("verify/upval/desc-grandparent-control", m);
	}

	m = with_code(2, CODE(ABX(CLOSURE, 0, 0), RET0));
	expect_reject_mod("verify/closure/none", m,
			  "function index out of range");
	tk_add_proto(m->main, tk_proto_new("f"));
	expect_accept_mod("verify/closure/control", m);
	m->main->code[0] = ABX(CLOSURE, 0, 1);
	expect_reject_mod("verify/closure/past-end", m,
			  "function index out of range");
	m->main->code[0] = ABX(CLOSURE, 0, MAXARG_Bx);
	expect_reject_mod("verify/closure/max", m,
			  "function index out of range");
}

static void test_globals_probes(void)
{
	struct tk_module *m;

	m = with_code(2, CODE(ABX(GETGLOBAL, 0, 0), RET0));
	expect_reject_mod("verify/global/none", m, "global index out of range");
	tk_add_global(m, "x");
	expect_accept_mod("verify/global/control", m);
	m->main->code[0] = ABX(SETGLOBAL, 0, 1);
	expect_reject_mod("verify/global/set-past-end", m,
			  "global index out of range");
	m->main->code[0] = ABX(GETGLOBAL, 0, MAXARG_Bx);
	expect_reject_mod("verify/global/max", m, "global index out of range");
	m->main->code[0] = ABX(GINCR, 0, 1);
	expect_reject_mod("verify/global/gincr", m, "global index out of range");

	/* the fused global-table instructions name a global in A or B */
	m = with_code(4, CODE(ABC(NEWTABLE, 0, 0, 0), ABX(SETGLOBAL, 0, 0),
			      ASBX(LOADI, 1, 1), ABC(GSETTABLE, 0, 1, 1),
			      ABC(GTINCR, 0, 1, 1), ABC(GGETTABLE, 2, 0, 1),
			      RET0));
	tk_add_global(m, "t");
	expect_accept_mod("verify/global/gtable-control", m);
	m->main->code[3] = ABC(GSETTABLE, 1, 1, 1);
	expect_reject_mod("verify/global/gsettable", m,
			  "instruction 3 (GSETTABLE): global index out of range");
	m->main->code[3] = ABC(GSETTABLE, 0, 4, 1);
	expect_reject_mod("verify/global/gsettable-register", m,
			  "register out of the frame");
	m->main->code[3] = ABCK(GSETTABLE, 0, 1, 0);
	expect_reject_mod("verify/global/gsettable-constant", m,
			  "constant index out of range");
	m->main->code[3] = ABC(GSETTABLE, 0, 1, 1);
	m->main->code[4] = ABC(GTINCR, 255, 1, 1);
	expect_reject_mod("verify/global/gtincr", m,
			  "instruction 4 (GTINCR): global index out of range");
	m->main->code[4] = ABC(GTINCR, 0, 1, 1);
	m->main->code[5] = ABC(GGETTABLE, 2, 1, 1);
	expect_reject_mod("verify/global/ggettable", m,
			  "instruction 5 (GGETTABLE): global index out of range");
	m->main->code[5] = ABC(GGETTABLE, 2, 0, 9);
	expect_reject_mod("verify/global/ggettable-register", m,
			  "register out of the frame");

	m = with_code(2, CODE(ABX(CLOSURE, 0, 0), ABX(PROBE, 0, 0), RET0));
	tk_add_proto(m->main, tk_proto_new("handler"));
	expect_reject_mod("verify/probe/none", m, "probe index out of range");
	tk_add_probe(m, KTAP_PROBE_TRACE, 0, "sched:sched_switch");
	expect_accept_mod("verify/probe/control", m);
	m->main->code[1] = ABX(PROBE, 0, 1);
	expect_reject_mod("verify/probe/past-end", m,
			  "probe index out of range");

	m = tk_module_new();
	tk_add_probe(m, KTAP_PROBE_END, 0, NULL);
	m->probes[0].kind = 0;
	expect_reject_mod("verify/probe/kind-0", m,
			  "probe 0 has unknown kind 0");
	m->probes[0].kind = KTAP_PROBE_PROFILE + 1;
	expect_reject_mod("verify/probe/kind-5", m,
			  "probe 0 has unknown kind 5");
	m->probes[0].kind = 255;
	expect_reject_mod("verify/probe/kind-255", m,
			  "probe 0 has unknown kind 255");
	m->probes[0].kind = KTAP_PROBE_END;
	m->probes[0].legacy = 2;
	expect_reject_mod("verify/probe/legacy-flag", m,
			  "probe 0 has a bad flag");
	m = tk_module_new();
	tk_add_probe(m, KTAP_PROBE_TRACE, 0, NULL);
	expect_reject_mod("verify/probe/trace-no-event", m,
			  "probe 0 has no event");
	m = tk_module_new();
	tk_add_probe(m, KTAP_PROBE_TICK, 1000000, NULL);
	tk_add_probe(m, KTAP_PROBE_TICK, 0, NULL);
	expect_reject_mod("verify/probe/tick-zero-period", m,
			  "timer probe 1 has no period");
	m->probes[1].period_ns = 1;
	expect_accept_mod("verify/probe/tick-control", m);
	m->probes[1].kind = KTAP_PROBE_PROFILE;
	m->probes[1].period_ns = 0;
	expect_reject_mod("verify/probe/profile-zero-period", m,
			  "timer probe 1 has no period");

	m = tk_module_new();
	tk_add_spec(m, 0, 100, 10);
	expect_accept_mod("verify/spec/control", m);
	m->specs[0][2] = 0;
	expect_reject_mod("verify/spec/step-0", m, "bad histogram spec 0");
	m->specs[0][2] = -5;
	expect_reject_mod("verify/spec/step-negative", m,
			  "bad histogram spec 0");
	m->specs[0][2] = 10;
	m->specs[0][1] = 0;
	expect_reject_mod("verify/spec/hi-equals-lo", m,
			  "bad histogram spec 0");
	m->specs[0][0] = INT64_MIN;
	m->specs[0][1] = INT64_MAX;
	m->specs[0][2] = 1;
	expect_reject_mod("verify/spec/too-many-buckets", m,
			  "bad histogram spec 0");
}

static void test_opcodes(void)
{
	int op, bad = 0;
	char name[64];

	harness_quiet = 1;
	for (op = NUM_OPCODES; op < (1 << SIZE_OP); op++) {
		snprintf(name, sizeof(name), "verify/unknown-opcode-%d", op);
		if (!expect_reject_mod(name, with_code(2, CODE(
				CREATE_ABCk(op, 0, 0, 0, 0), RET0)),
				"unknown opcode"))
			bad++;
	}
	harness_quiet = 0;
	check(!bad, "verify/unknown-opcodes", "%d of the %d undefined opcodes are accepted",
	      bad, (1 << SIZE_OP) - NUM_OPCODES);

	expect_reject_mod("verify/evget-unknown",
			  with_code(2, CODE(ABC(EVGET, 0, NUM_EVVARS, 0), RET0)),
			  "unknown event variable");
	expect_reject_mod("verify/evget-255",
			  with_code(2, CODE(ABC(EVGET, 0, 255, 0), RET0)),
			  "unknown event variable");
	expect_accept_mod("verify/evget-control",
			  with_code(2, CODE(ABC(EVGET, 0, NUM_EVVARS - 1, 0),
					    RET0)));
}

/*
 * Mutations of every instruction of the compiled script: whatever the
 * verifier lets through must then run without memory errors (under ASan
 * this is where a verifier hole shows).
 */
static void test_mutations(void)
{
	struct tk_module *orig = big();
	struct tk_proto *protos[256];
	uint32_t nprotos = 0, i, pc, accepted = 0, total = 0;
	static const uint32_t fields[][2] = {
		{ POS_A, SIZE_A }, { POS_B, SIZE_B }, { POS_C, SIZE_C },
		{ POS_k, 1 }, { POS_Bx, SIZE_Bx },
	};

	harness_quiet = 1;
	protos[nprotos++] = orig->main;
	for (i = 0; i < nprotos; i++) {
		uint32_t j;

		for (j = 0; j < protos[i]->nprotos && nprotos < 256; j++)
			protos[nprotos++] = protos[i]->p[j];
	}
	for (i = 0; i < nprotos; i++) {
		struct tk_proto *p = protos[i];

		for (pc = 0; pc < p->ncode; pc++) {
			uint32_t saved = p->code[pc], f, v;
			static const uint32_t values[] = { 0, 1, 2, 3, 7, 200,
							   255, 0xffffffff };

			for (f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
				for (v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
					uint32_t ins = saved;
					char err[600];
					size_t len;
					uint8_t *bc;
					int r;

					SETFIELD_(ins, values[v], fields[f][0],
						  fields[f][1]);
					if (ins == saved)
						continue;
					p->code[pc] = ins;
					bc = tk_encode(orig, &len);
					r = try_load("verify/mutations", bc, len, err,
						     sizeof(err));
					if (r == 0) {
						accepted++;
						expect_accept_mod("verify/mutations/run",
								  orig);
					}
					total++;
				}
			}
			for (v = 0; v < NUM_OPCODES; v++) {
				uint32_t ins = saved;
				size_t len;
				uint8_t *bc;

				SETFIELD_(ins, v, POS_OP, SIZE_OP);
				if (ins == saved)
					continue;
				p->code[pc] = ins;
				bc = tk_encode(orig, &len);
				if (try_load("verify/mutations", bc, len, NULL, 0) == 0) {
					accepted++;
					expect_accept_mod("verify/mutations/run", orig);
				}
				total++;
			}
			p->code[pc] = saved;
		}
	}
	harness_quiet = 0;
	pass("verify/mutations (%u mutants, %u accepted and run)", total,
	     accepted);
}

int main(void)
{
	const uint8_t *small;
	size_t small_len;

	setvbuf(stdout, NULL, _IOLBF, 0);
	big_bc = compile_or_die(big_script, &big_len);
	small = compile_or_die(small_script, &small_len);

	test_roundtrip();
	test_truncation("small", small, small_len);
	test_truncation("big", big_bc, big_len);
	test_header();
	test_counts();
	test_constants();
	test_nesting();
	test_functions();
	test_registers();
	test_konst();
	test_jumps();
	test_pairs();
	test_results();
	test_end();
	test_upvalues();
	test_globals_probes();
	test_opcodes();
	test_mutations();
	tk_free_all();
	return failures();
}

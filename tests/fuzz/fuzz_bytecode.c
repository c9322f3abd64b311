// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_bytecode.c - libFuzzer target: arbitrary bytes as bytecode.
 *
 * The loader and the verifier are the safety boundary: whatever they
 * accept, the VM must run without a memory error, and whatever they
 * reject must be rejected cleanly.  Accepted files are run completely:
 * top level, every probe (with no event, then with a synthetic one),
 * trace_end.
 *
 * Random bytes rarely make a file the verifier accepts, so most of the
 * time the mutator below keeps the file's structure and changes one
 * instruction (an operand, the opcode, or a copy of another one): that
 * is how code that is almost right, the verifier's real job, is made.
 */
#include "fuzz_common.h"
#include "../../lib/bytecode.h"
#include "../../lib/opcodes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the realloc hook on or off: both paths of kp_realloc() */
	fz_session(data, size, size & 1, (size >> 1) & 1);
	return 0;
}

/* ------------------------------------------- structure-aware mutation */

struct code_ref {
	size_t off;		/* of the first instruction */
	uint32_t ncode;
	size_t frame_off;	/* of the framesize byte */
};

struct walk {
	const uint8_t *p, *end;
	struct code_ref *refs;
	int nrefs, max, bad, depth;
};

static int w_skip(struct walk *w, uint64_t n)
{
	if (w->bad || (uint64_t)(w->end - w->p) < n) {
		w->bad = 1;
		return -1;
	}
	w->p += n;
	return 0;
}

static uint32_t w_u32(struct walk *w)
{
	const uint8_t *p = w->p;

	if (w_skip(w, 4))
		return 0;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void w_str(struct walk *w)
{
	w_skip(w, w_u32(w));
}

static void w_proto(struct walk *w, const uint8_t *start)
{
	uint32_t n, i;
	uint8_t nup;
	size_t frame_off;

	if (++w->depth > KBC_MAX_NESTING) {
		w->bad = 1;
		return;
	}
	w_skip(w, 6);
	frame_off = (size_t)(w->p - start);
	w_skip(w, 1);
	if (w->bad)
		return;
	nup = *w->p;
	w_skip(w, 1);
	w_str(w);
	n = w_u32(w);
	if (!w->bad && w->nrefs < w->max &&
	    (uint64_t)(w->end - w->p) >= (uint64_t)n * 8) {
		w->refs[w->nrefs].off = (size_t)(w->p - start);
		w->refs[w->nrefs].ncode = n;
		w->refs[w->nrefs].frame_off = frame_off;
		w->nrefs++;
	}
	w_skip(w, (uint64_t)n * 8);
	n = w_u32(w);
	for (i = 0; i < n && !w->bad; i++) {
		uint8_t tag;

		if (w_skip(w, 1))
			return;
		tag = w->p[-1];
		if (tag == KBC_INT)
			w_skip(w, 8);
		else if (tag == KBC_STR)
			w_str(w);
	}
	w_skip(w, (uint64_t)nup * 2);
	n = w_u32(w);
	for (i = 0; i < n && !w->bad; i++)
		w_proto(w, start);
	w->depth--;
}

static int find_code(const uint8_t *data, size_t size, struct code_ref *refs,
		     int max)
{
	struct walk w = { .p = data, .end = data + size, .refs = refs,
			  .max = max };
	uint32_t n, i, j;

	w_skip(&w, 8);
	w_str(&w);
	n = w_u32(&w);
	for (i = 0; i < n && !w.bad; i++)
		w_str(&w);
	n = w_u32(&w);
	w_skip(&w, (uint64_t)n * 24);
	n = w_u32(&w);
	for (i = 0; i < n && !w.bad; i++) {
		w_skip(&w, 14);
		w_str(&w);
		j = w_u32(&w);
		while (j-- && !w.bad)
			w_str(&w);
	}
	w_proto(&w, data);
	return w.nrefs;
}

static uint32_t rnd(unsigned int *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	struct code_ref refs[64];
	int n = find_code(data, size, refs, 64);
	const struct code_ref *r;
	unsigned int s = seed;
	uint32_t pc, ins, fs, small;

	if (!n || rnd(&s) % 4 == 0)
		return LLVMFuzzerMutate(data, size, max_size);
	r = &refs[rnd(&s) % (uint32_t)n];
	if (!r->ncode)
		return LLVMFuzzerMutate(data, size, max_size);
	if (rnd(&s) % 16 == 0) {
		/* the frame size, a little off */
		data[r->frame_off] = (uint8_t)(data[r->frame_off] +
					       rnd(&s) % 5 - 2);
		return size;
	}
	pc = rnd(&s) % r->ncode;
	ins = get32(data + r->off + 4 * pc);
	fs = data[r->frame_off];
	/* registers near the end of the frame are the interesting ones */
	small = rnd(&s) % 2 ? fs + rnd(&s) % 5 - 2 : rnd(&s) % 256;
	switch (rnd(&s) % 9) {
	case 0:
		SETFIELD_(ins, rnd(&s) % NUM_OPCODES, POS_OP, SIZE_OP);
		break;
	case 1:
		SETARG_A(ins, small);
		break;
	case 2:
		SETARG_B(ins, small);
		break;
	case 3:
		SETARG_C(ins, small);
		break;
	case 4:
		SETARG_k(ins, !GETARG_k(ins));
		break;
	case 5:
		/* a jump or loop offset moved a little */
		SETARG_Bx(ins, GETARG_Bx(ins) + rnd(&s) % 7 - 3);
		break;
	case 6:
		SETARG_sJ(ins, GETARG_sJ(ins) + (int)(rnd(&s) % 7) - 3);
		break;
	case 7:
		/* a copy of another instruction of the function */
		ins = get32(data + r->off + 4 * (rnd(&s) % r->ncode));
		break;
	default:
		/* swap with the next one */
		if (pc + 1 < r->ncode) {
			uint32_t next = get32(data + r->off + 4 * (pc + 1));

			put32(data + r->off + 4 * (pc + 1), ins);
			ins = next;
		}
		break;
	}
	put32(data + r->off + 4 * pc, ins);
	return size;
}

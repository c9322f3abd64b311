// SPDX-License-Identifier: GPL-2.0
/*
 * dump.c - write a compiled script as bytecode (format: lib/bytecode.h).
 * Every field is written byte by byte in little-endian order, so the
 * output is the same on every machine.
 */
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "../lib/bytecode.h"

struct writer {
	uint8_t *p;
	size_t len, cap;
	int err;
};

static void put(struct writer *w, const void *s, size_t n)
{
	if (w->err)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		uint8_t *np;

		while (cap < w->len + n)
			cap *= 2;
		np = realloc(w->p, cap);
		if (!np) {
			w->err = 1;
			return;
		}
		w->p = np;
		w->cap = cap;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void put_u8(struct writer *w, unsigned int v)
{
	uint8_t b = (uint8_t)v;

	put(w, &b, 1);
}

static void put_u32(struct writer *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	put(w, b, 4);
}

static void put_u64(struct writer *w, uint64_t v)
{
	put_u32(w, (uint32_t)v);
	put_u32(w, (uint32_t)(v >> 32));
}

static void put_str(struct writer *w, const char *s, size_t len)
{
	put_u32(w, (uint32_t)len);
	put(w, s, len);
}

static void put_cstr(struct writer *w, const char *s)
{
	put_str(w, s ? s : "", s ? strlen(s) : 0);
}

static void put_proto(struct writer *w, const struct protob *f)
{
	int i;

	put_u32(w, (uint32_t)f->linedefined);
	put_u8(w, (unsigned int)f->nparams);
	put_u8(w, (unsigned int)f->is_vararg);
	put_u8(w, (unsigned int)f->maxstack);
	put_u8(w, (unsigned int)f->nup);
	put_cstr(w, f->name);
	put_u32(w, (uint32_t)f->ncode);
	for (i = 0; i < f->ncode; i++)
		put_u32(w, f->code[i]);
	for (i = 0; i < f->ncode; i++)
		put_u32(w, (uint32_t)f->lines[i]);
	put_u32(w, (uint32_t)f->nk);
	for (i = 0; i < f->nk; i++) {
		const struct kconst *k = &f->k[i];

		put_u8(w, (unsigned int)k->type);
		if (k->type == KBC_INT)
			put_u64(w, (uint64_t)k->num);
		else if (k->type == KBC_STR)
			put_str(w, k->str, k->len);
	}
	for (i = 0; i < f->nup; i++) {
		put_u8(w, f->up[i].instack);
		put_u8(w, f->up[i].idx);
	}
	put_u32(w, (uint32_t)f->np);
	for (i = 0; i < f->np; i++)
		put_proto(w, f->p[i]);
}

int dump_module(struct compiler *C, void **out, size_t *outlen)
{
	struct writer w = { 0 };
	int i, j;

	put(&w, KBC_MAGIC, KBC_MAGIC_LEN);
	put_u8(&w, KTAP_BC_VERSION & 0xff);
	put_u8(&w, KTAP_BC_VERSION >> 8);
	put_u8(&w, 0);
	put_u8(&w, 0);
	put_cstr(&w, C->ls->chunkname);
	put_u32(&w, (uint32_t)C->nglobals);
	for (i = 0; i < C->nglobals; i++)
		put_cstr(&w, C->globals[i].name);
	put_u32(&w, (uint32_t)C->nspecs);
	for (i = 0; i < C->nspecs; i++) {
		put_u64(&w, (uint64_t)C->specs[i].lo);
		put_u64(&w, (uint64_t)C->specs[i].hi);
		put_u64(&w, (uint64_t)C->specs[i].step);
	}
	put_u32(&w, (uint32_t)C->nprobes);
	for (i = 0; i < C->nprobes; i++) {
		const struct probe_b *p = &C->probes[i];

		put_u8(&w, (unsigned int)p->kind);
		put_u8(&w, (unsigned int)p->legacy);
		put_u32(&w, (uint32_t)p->line);
		put_u64(&w, p->period_ns);
		put_cstr(&w, p->filter);
		put_u32(&w, (uint32_t)p->nevents);
		for (j = 0; j < p->nevents; j++)
			put_cstr(&w, p->events[j]);
	}
	put_proto(&w, C->main);
	if (w.err) {
		free(w.p);
		return -1;
	}
	*out = w.p;
	*outlen = w.len;
	return 0;
}

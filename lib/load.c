// SPDX-License-Identifier: GPL-2.0
/*
 * load.c - read a bytecode file into a module (format: bytecode.h).
 *
 * The loader trusts nothing: every count is checked against the bytes
 * that remain before anything is allocated, so a lying header cannot make
 * it allocate more than the file could describe.  It checks structure
 * only; what the code means is the verifier's job (verify.c).
 */
#include "kp_state.h"
#include "bytecode.h"
#include "filter.h"
#include "opcodes.h"
#include "str.h"

/* Memory of a module, released all at once by bc_unload(). */
struct kp_block {
	struct kp_block *next;
	size_t size;
	uint64_t data[];
};

struct reader {
	struct ktap_session *S;
	struct kp_module *m;
	const uint8_t *start, *p, *end;
	int depth;
};

static int truncated(struct reader *r)
{
	return kp_error(r->S, "invalid bytecode: truncated at byte %zu of %zu",
			(size_t)(r->p - r->start), (size_t)(r->end - r->start));
}

static int need(struct reader *r, uint64_t n)
{
	return (uint64_t)(r->end - r->p) < n ? truncated(r) : 0;
}

static void *mod_alloc(struct reader *r, uint64_t size)
{
	struct kp_block *b;

	if (size > (1ULL << 31)) {
		kp_error(r->S, "invalid bytecode: object too large");
		return NULL;
	}
	b = kp_malloc(r->S, sizeof(*b) + (size_t)size);
	if (!b)
		return NULL;
	b->size = sizeof(*b) + (size_t)size;
	b->next = r->m->blocks;
	r->m->blocks = b;
	kp_memset(b->data, 0, (size_t)size);
	return b->data;
}

static int rd_u8(struct reader *r, uint8_t *v)
{
	if (need(r, 1))
		return -1;
	*v = *r->p++;
	return 0;
}

static int rd_u32(struct reader *r, uint32_t *v)
{
	if (need(r, 4))
		return -1;
	*v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 |
	     (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
	r->p += 4;
	return 0;
}

static int rd_u64(struct reader *r, uint64_t *v)
{
	uint32_t lo, hi;

	if (rd_u32(r, &lo) || rd_u32(r, &hi))
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

/* A count of items of at least @minsize bytes each, at most @max. */
static int rd_count(struct reader *r, uint32_t *n, uint32_t minsize,
		    uint32_t max, const char *what)
{
	if (rd_u32(r, n))
		return -1;
	if (*n > max)
		return kp_error(r->S, "invalid bytecode: %u %s (limit %u)", *n,
				what, max);
	return need(r, (uint64_t)*n * minsize);
}

/* A string copied into module memory, NUL-terminated. */
static int rd_cstr(struct reader *r, const char **out)
{
	uint32_t len;
	char *s;

	if (rd_u32(r, &len) || need(r, len))
		return -1;
	s = mod_alloc(r, (uint64_t)len + 1);
	if (!s)
		return -1;
	kp_memcpy(s, r->p, len);
	r->p += len;
	*out = s;
	return 0;
}

static int rd_const(struct reader *r, struct kp_value *k)
{
	uint8_t tag;
	uint64_t n;
	uint32_t len;
	struct kp_str *s;

	if (rd_u8(r, &tag))
		return -1;
	switch (tag) {
	case KBC_NIL:
		set_nil(k);
		return 0;
	case KBC_FALSE:
	case KBC_TRUE:
		set_bool(k, tag == KBC_TRUE);
		return 0;
	case KBC_INT:
		if (rd_u64(r, &n))
			return -1;
		set_num(k, (int64_t)n);
		return 0;
	case KBC_STR:
		if (rd_u32(r, &len) || need(r, len))
			return -1;
		s = str_new(r->S, (const char *)r->p, len);
		if (!s)
			return -1;
		r->p += len;
		set_str(k, s);
		return 0;
	default:
		return kp_error(r->S, "invalid bytecode: unknown constant tag %u",
				tag);
	}
}

static int rd_proto(struct reader *r, struct kp_proto **out);

static int rd_proto_body(struct reader *r, struct kp_proto *p)
{
	uint32_t i;

	if (rd_u32(r, &p->linedefined) || rd_u8(r, &p->nparams) ||
	    rd_u8(r, &p->is_vararg) || rd_u8(r, &p->framesize) ||
	    rd_u8(r, &p->nupvals) || rd_cstr(r, &p->name))
		return -1;
	if (rd_count(r, &p->ncode, 8, KBC_MAX_CODE, "instructions"))
		return -1;
	p->code = mod_alloc(r, (uint64_t)p->ncode * 4);
	p->lines = mod_alloc(r, (uint64_t)p->ncode * 4);
	if (!p->code || !p->lines)
		return -1;
	for (i = 0; i < p->ncode; i++)
		rd_u32(r, &p->code[i]);
	for (i = 0; i < p->ncode; i++)
		rd_u32(r, &p->lines[i]);
	if (rd_count(r, &p->nk, 1, KBC_MAX_ITEMS, "constants"))
		return -1;
	p->k = mod_alloc(r, (uint64_t)p->nk * sizeof(*p->k));
	if (!p->k)
		return -1;
	for (i = 0; i < p->nk; i++) {
		if (rd_const(r, &p->k[i]))
			return -1;
	}
	if (need(r, (uint64_t)p->nupvals * 2))
		return -1;
	p->up = mod_alloc(r, (uint64_t)p->nupvals * sizeof(*p->up));
	if (!p->up)
		return -1;
	for (i = 0; i < p->nupvals; i++) {
		rd_u8(r, &p->up[i].instack);
		rd_u8(r, &p->up[i].idx);
	}
	/* a prototype takes at least 22 bytes */
	if (rd_count(r, &p->nprotos, 22, KBC_MAX_ITEMS, "functions"))
		return -1;
	p->p = mod_alloc(r, (uint64_t)p->nprotos * sizeof(*p->p));
	if (!p->p)
		return -1;
	for (i = 0; i < p->nprotos; i++) {
		if (rd_proto(r, &p->p[i]))
			return -1;
	}
	return 0;
}

static int rd_proto(struct reader *r, struct kp_proto **out)
{
	struct kp_proto *p;
	int ret;

	if (++r->depth > KBC_MAX_NESTING)
		return kp_error(r->S, "invalid bytecode: functions nested deeper than %d",
				KBC_MAX_NESTING);
	p = mod_alloc(r, sizeof(*p));
	if (!p)
		return -1;
	r->m->nallprotos++;
	ret = rd_proto_body(r, p);
	r->depth--;
	*out = p;
	return ret;
}

static int rd_probe(struct reader *r, struct ktap_probe *pr)
{
	uint8_t kind, legacy;
	const char **ev;
	uint32_t i;

	if (rd_u8(r, &kind) || rd_u8(r, &legacy) || rd_u32(r, &pr->line) ||
	    rd_u64(r, &pr->period_ns) || rd_cstr(r, &pr->filter) ||
	    rd_count(r, &pr->nevents, 4, KBC_MAX_EVENTS, "event specs"))
		return -1;
	pr->kind = (enum ktap_probe_kind)kind;
	pr->legacy = legacy;
	ev = mod_alloc(r, (uint64_t)pr->nevents * sizeof(*ev) + 1);
	if (!ev)
		return -1;
	for (i = 0; i < pr->nevents; i++) {
		if (rd_cstr(r, &ev[i]))
			return -1;
	}
	pr->events = ev;
	return 0;
}

/* Probes with a /filter/ get it parsed once, here. */
static int rd_filters(struct reader *r)
{
	struct kp_module *m = r->m;
	char err[128];
	uint32_t i;

	m->filters = mod_alloc(r, (uint64_t)m->nprobes * sizeof(*m->filters));
	if (!m->filters)
		return -1;
	for (i = 0; i < m->nprobes; i++) {
		const char *text = m->probes[i].filter;
		size_t len = kp_strlen(text);
		char *copy;

		if (!len)
			continue;
		copy = mod_alloc(r, len + 1);
		m->filters[i] = mod_alloc(r, sizeof(struct kp_filter));
		if (!copy || !m->filters[i])
			return -1;
		kp_memcpy(copy, text, len);
		if (filter_parse(copy, m->filters[i], err, sizeof(err)))
			return kp_error(r->S, "invalid bytecode: filter of probe %u: %s",
					i, err);
	}
	return 0;
}

/* Every prototype in one array, in file order: the collector walks it. */
static void list_protos(struct kp_module *m, struct kp_proto *p, uint32_t *n)
{
	uint32_t i;

	m->allprotos[(*n)++] = p;
	for (i = 0; i < p->nprotos; i++)
		list_protos(m, p->p[i], n);
}

static int rd_module(struct reader *r)
{
	struct kp_module *m = r->m;
	uint32_t i, n = 0;
	uint8_t vlo, vhi, flo, fhi;

	if (need(r, KBC_MAGIC_LEN) ||
	    kp_memcmp(r->p, KBC_MAGIC, KBC_MAGIC_LEN))
		return kp_error(r->S, "not ktap bytecode (bad magic)");
	r->p += KBC_MAGIC_LEN;
	if (rd_u8(r, &vlo) || rd_u8(r, &vhi) || rd_u8(r, &flo) ||
	    rd_u8(r, &fhi))
		return -1;
	if ((vlo | vhi << 8) != KTAP_BC_VERSION)
		return kp_error(r->S, "bytecode version %u is not supported (this runtime reads version %u)",
				vlo | vhi << 8, KTAP_BC_VERSION);
	if (flo | fhi)
		return kp_error(r->S, "invalid bytecode: unknown flags 0x%x",
				flo | fhi << 8);
	if (rd_cstr(r, &m->chunkname))
		return -1;
	if (rd_count(r, &m->nglobals, 4, KBC_MAX_ITEMS, "globals"))
		return -1;
	m->gnames = mod_alloc(r, (uint64_t)m->nglobals * sizeof(*m->gnames));
	if (!m->gnames)
		return -1;
	for (i = 0; i < m->nglobals; i++) {
		if (rd_cstr(r, &m->gnames[i]))
			return -1;
	}
	if (rd_count(r, &m->nspecs, 24, KBC_MAX_ITEMS, "histogram specs"))
		return -1;
	m->specs = mod_alloc(r, (uint64_t)m->nspecs * sizeof(*m->specs));
	if (!m->specs)
		return -1;
	for (i = 0; i < m->nspecs; i++) {
		rd_u64(r, (uint64_t *)&m->specs[i].lo);
		rd_u64(r, (uint64_t *)&m->specs[i].hi);
		rd_u64(r, (uint64_t *)&m->specs[i].step);
	}
	if (rd_count(r, &m->nprobes, 18, KBC_MAX_PROBES, "probes"))
		return -1;
	m->probes = mod_alloc(r, (uint64_t)m->nprobes * sizeof(*m->probes));
	if (!m->probes)
		return -1;
	for (i = 0; i < m->nprobes; i++) {
		if (rd_probe(r, &m->probes[i]))
			return -1;
	}
	if (rd_filters(r) || rd_proto(r, &m->main))
		return -1;
	if (r->p != r->end)
		return kp_error(r->S, "invalid bytecode: %zu bytes of garbage after the end",
				(size_t)(r->end - r->p));
	m->allprotos = mod_alloc(r, (uint64_t)m->nallprotos *
				 sizeof(*m->allprotos));
	if (!m->allprotos)
		return -1;
	list_protos(m, m->main, &n);
	return 0;
}

int bc_load(struct ktap_session *S, const uint8_t *p, size_t size)
{
	struct reader r = { .S = S, .start = p, .p = p, .end = p + size };
	struct kp_module *m;

	m = kp_malloc(S, sizeof(*m));
	if (!m)
		return -1;
	kp_memset(m, 0, sizeof(*m));
	r.m = m;
	S->mod = m;
	if (rd_module(&r)) {
		bc_unload(S);
		return -1;
	}
	return 0;
}

void bc_unload(struct ktap_session *S)
{
	struct kp_module *m = S->mod;

	if (!m)
		return;
	while (m->blocks) {
		struct kp_block *b = m->blocks;

		m->blocks = b->next;
		kp_free(S, b, b->size);
	}
	kp_free(S, m, sizeof(*m));
	S->mod = NULL;
}

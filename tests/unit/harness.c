// SPDX-License-Identifier: GPL-2.0
/*
 * harness.c - reporting, the counting platform and the bytecode codec of
 * the unit tests (harness.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "bytecode.h"
#include "opcodes.h"

/* ----------------------------------------------------------- reporting */

static int nfailed;
int harness_quiet;

int failures(void)
{
	return nfailed != 0;
}

void pass(const char *fmt, ...)
{
	va_list ap;

	fputs("ok ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void vfail(const char *name, const char *fmt, va_list ap)
{
	char why[1024];

	vsnprintf(why, sizeof(why), fmt, ap);
	/* one line per case, whatever the message holds */
	for (char *p = why; *p; p++)
		if (*p == '\n')
			*p = ' ';
	printf("not ok %s: %s\n", name, why);
	fflush(stdout);
	nfailed++;
}

void fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(name, fmt, ap);
	va_end(ap);
}

int check(int cond, const char *name, const char *whyfmt, ...)
{
	va_list ap;

	if (cond) {
		if (!harness_quiet)
			pass("%s", name);
		return 1;
	}
	va_start(ap, whyfmt);
	vfail(name, whyfmt, ap);
	va_end(ap);
	return 0;
}

/* ------------------------------------------------------------- platform */

/* Every block carries its size so that free() can check the caller's. */
struct hdr {
	size_t size;
	size_t magic;
};

#define HDR_MAGIC ((size_t)0x6b746170a110c8edULL)

static void *c_alloc(void *ctx, size_t size)
{
	struct counting *c = ctx;
	struct hdr *h;

	if (c->limit && c->cur + size > c->limit)
		return NULL;
	h = malloc(sizeof(*h) + size);
	if (!h)
		return NULL;
	h->size = size;
	h->magic = HDR_MAGIC;
	c->cur += size;
	c->nalloc++;
	if (c->cur > c->peak)
		c->peak = c->cur;
	/* garbage, not zeroes: code that reads before writing shows */
	memset(h + 1, 0xa5, size);
	return h + 1;
}

static void c_free(void *ctx, void *p, size_t size)
{
	struct counting *c = ctx;
	struct hdr *h = (struct hdr *)p - 1;

	if (!p)
		return;
	if (h->magic != HDR_MAGIC || h->size != size)
		c->bad_free++;
	c->cur -= h->size;
	h->magic = 0;
	free(h);
}

static void c_write(void *ctx, const char *buf, size_t len)
{
	struct counting *c = ctx;

	if (c->outlen + len + 1 > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 256;

		while (cap < c->outlen + len + 1)
			cap *= 2;
		c->out = realloc(c->out, cap);
		if (!c->out)
			abort();
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, buf, len);
	c->outlen += len;
	c->out[c->outlen] = '\0';
}

static const struct ktap_platform_ops counting_ops = {
	.alloc = c_alloc,
	.free = c_free,
	.write = c_write,
};

void counting_init(struct counting *c, struct ktap_platform *pf)
{
	pf->ops = &counting_ops;
	pf->ctx = c;
}

void counting_reset_output(struct counting *c)
{
	c->outlen = 0;
	if (c->out)
		c->out[0] = '\0';
}

void counting_fini(struct counting *c)
{
	free(c->out);
	c->out = NULL;
	c->outlen = c->outcap = 0;
}

/* --------------------------------------------------------------- pool */

struct pool_item {
	struct pool_item *next;
	max_align_t data[];
};

static struct pool_item *pool;

void *tk_alloc(size_t size)
{
	struct pool_item *it = calloc(1, sizeof(*it) + size + 1);

	if (!it)
		abort();
	it->next = pool;
	pool = it;
	return it->data;
}

char *tk_strdup(const char *s)
{
	size_t n = strlen(s);
	char *d = tk_alloc(n + 1);

	memcpy(d, s, n + 1);
	return d;
}

void tk_free_all(void)
{
	while (pool) {
		struct pool_item *it = pool;

		pool = it->next;
		free(it);
	}
}

/* ------------------------------------------------------------- decoder */

struct rd {
	const uint8_t *p, *end;
	int bad;
	int depth;
};

static int rd_need(struct rd *r, uint64_t n)
{
	if (r->bad || (uint64_t)(r->end - r->p) < n) {
		r->bad = 1;
		return -1;
	}
	return 0;
}

static uint8_t rd8(struct rd *r)
{
	if (rd_need(r, 1))
		return 0;
	return *r->p++;
}

static uint32_t rd32(struct rd *r)
{
	uint32_t v;

	if (rd_need(r, 4))
		return 0;
	v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 |
	    (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
	r->p += 4;
	return v;
}

static uint64_t rd64(struct rd *r)
{
	uint64_t lo = rd32(r);

	return lo | (uint64_t)rd32(r) << 32;
}

static char *rdstr(struct rd *r, uint32_t *lenp)
{
	uint32_t len = rd32(r);
	char *s;

	if (rd_need(r, len))
		return NULL;
	s = tk_alloc(len + 1);
	memcpy(s, r->p, len);
	r->p += len;
	if (lenp)
		*lenp = len;
	return s;
}

/* A count no larger than what @minsize-byte items in the rest can hold. */
static uint32_t rdcount(struct rd *r, uint32_t minsize)
{
	uint32_t n = rd32(r);

	if (rd_need(r, (uint64_t)n * minsize))
		return 0;
	return n;
}

static struct tk_proto *rdproto(struct rd *r)
{
	struct tk_proto *p = tk_alloc(sizeof(*p));
	uint32_t i;

	if (++r->depth > 1000) {
		r->bad = 1;
		return p;
	}
	p->linedefined = rd32(r);
	p->nparams = rd8(r);
	p->is_vararg = rd8(r);
	p->framesize = rd8(r);
	p->nupvals = rd8(r);
	p->name = rdstr(r, NULL);
	p->ncode = rdcount(r, 8);
	p->code = tk_alloc((size_t)p->ncode * 4);
	p->lines = tk_alloc((size_t)p->ncode * 4);
	for (i = 0; i < p->ncode; i++)
		p->code[i] = rd32(r);
	for (i = 0; i < p->ncode; i++)
		p->lines[i] = rd32(r);
	p->nk = rdcount(r, 1);
	p->k = tk_alloc((size_t)p->nk * sizeof(*p->k));
	for (i = 0; i < p->nk && !r->bad; i++) {
		struct tk_const *k = &p->k[i];

		k->tag = rd8(r);
		if (k->tag == KBC_INT)
			k->n = (int64_t)rd64(r);
		else if (k->tag == KBC_STR)
			k->s = rdstr(r, &k->len);
	}
	p->up = tk_alloc((size_t)p->nupvals * 2);
	for (i = 0; i < (uint32_t)p->nupvals * 2; i++)
		p->up[i] = rd8(r);
	p->nprotos = rdcount(r, 22);
	p->p = tk_alloc((size_t)p->nprotos * sizeof(*p->p));
	for (i = 0; i < p->nprotos && !r->bad; i++)
		p->p[i] = rdproto(r);
	r->depth--;
	return p;
}

struct tk_module *tk_decode(const void *buf, size_t len)
{
	struct rd r = { .p = buf, .end = (const uint8_t *)buf + len };
	struct tk_module *m = tk_alloc(sizeof(*m));
	uint32_t i, j;

	if (rd_need(&r, 4))
		return NULL;
	memcpy(m->magic, r.p, 4);
	r.p += 4;
	m->version = rd8(&r);
	m->version |= (uint16_t)(rd8(&r) << 8);
	m->flags = rd8(&r);
	m->flags |= (uint16_t)(rd8(&r) << 8);
	m->chunkname = rdstr(&r, NULL);
	m->nglobals = rdcount(&r, 4);
	m->gnames = tk_alloc((size_t)m->nglobals * sizeof(*m->gnames));
	for (i = 0; i < m->nglobals; i++)
		m->gnames[i] = rdstr(&r, NULL);
	m->nspecs = rdcount(&r, 24);
	m->specs = tk_alloc((size_t)m->nspecs * sizeof(*m->specs));
	for (i = 0; i < m->nspecs; i++)
		for (j = 0; j < 3; j++)
			m->specs[i][j] = (int64_t)rd64(&r);
	m->nprobes = rdcount(&r, 18);
	m->probes = tk_alloc((size_t)m->nprobes * sizeof(*m->probes));
	for (i = 0; i < m->nprobes && !r.bad; i++) {
		struct tk_probe *pr = &m->probes[i];

		pr->kind = rd8(&r);
		pr->legacy = rd8(&r);
		pr->line = rd32(&r);
		pr->period_ns = rd64(&r);
		pr->filter = rdstr(&r, NULL);
		pr->nevents = rdcount(&r, 4);
		pr->events = tk_alloc((size_t)pr->nevents * sizeof(char *));
		for (j = 0; j < pr->nevents; j++)
			pr->events[j] = rdstr(&r, NULL);
	}
	m->main = rdproto(&r);
	if (r.bad || r.p != r.end)
		return NULL;
	return m;
}

/* ------------------------------------------------------------- encoder */

struct wr {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct wr *w, const void *s, size_t n)
{
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 1024;
		uint8_t *np;

		while (cap < w->len + n)
			cap *= 2;
		np = tk_alloc(cap);
		if (w->p)
			memcpy(np, w->p, w->len);
		w->p = np;
		w->cap = cap;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void put8(struct wr *w, unsigned int v)
{
	uint8_t b = (uint8_t)v;

	put(w, &b, 1);
}

static void put32(struct wr *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	put(w, b, 4);
}

static void put64(struct wr *w, uint64_t v)
{
	put32(w, (uint32_t)v);
	put32(w, (uint32_t)(v >> 32));
}

static void putstr(struct wr *w, const char *s, size_t len)
{
	put32(w, (uint32_t)len);
	put(w, s ? s : "", len);
}

static void putcstr(struct wr *w, const char *s)
{
	putstr(w, s, s ? strlen(s) : 0);
}

struct tk_offsets tk_off;

static void putproto(struct wr *w, const struct tk_proto *p, int depth)
{
	uint32_t i;

	put32(w, p->linedefined);
	put8(w, p->nparams);
	put8(w, p->is_vararg);
	put8(w, p->framesize);
	put8(w, p->nupvals);
	if (!depth)
		tk_off.main_name = w->len;
	putcstr(w, p->name);
	if (!depth)
		tk_off.ncode = w->len;
	put32(w, p->ncode);
	for (i = 0; i < p->ncode; i++)
		put32(w, p->code[i]);
	for (i = 0; i < p->ncode; i++)
		put32(w, p->lines ? p->lines[i] : 1);
	if (!depth)
		tk_off.nk = w->len;
	put32(w, p->nk);
	for (i = 0; i < p->nk; i++) {
		put8(w, p->k[i].tag);
		if (p->k[i].tag == KBC_INT)
			put64(w, (uint64_t)p->k[i].n);
		else if (p->k[i].tag == KBC_STR)
			putstr(w, p->k[i].s, p->k[i].len);
	}
	for (i = 0; i < (uint32_t)p->nupvals * 2; i++)
		put8(w, p->up ? p->up[i] : 0);
	if (!depth)
		tk_off.nprotos = w->len;
	put32(w, p->nprotos);
	for (i = 0; i < p->nprotos; i++)
		putproto(w, p->p[i], depth + 1);
}

uint8_t *tk_encode(const struct tk_module *m, size_t *len)
{
	struct wr w = { 0 };
	uint32_t i, j;

	put(&w, m->magic, 4);
	put8(&w, m->version & 0xff);
	put8(&w, m->version >> 8);
	put8(&w, m->flags & 0xff);
	put8(&w, m->flags >> 8);
	memset(&tk_off, 0, sizeof(tk_off));
	tk_off.chunkname = w.len;
	putcstr(&w, m->chunkname);
	tk_off.nglobals = w.len;
	put32(&w, m->nglobals);
	for (i = 0; i < m->nglobals; i++)
		putcstr(&w, m->gnames[i]);
	tk_off.nspecs = w.len;
	put32(&w, m->nspecs);
	for (i = 0; i < m->nspecs; i++)
		for (j = 0; j < 3; j++)
			put64(&w, (uint64_t)m->specs[i][j]);
	tk_off.nprobes = w.len;
	put32(&w, m->nprobes);
	for (i = 0; i < m->nprobes; i++) {
		const struct tk_probe *pr = &m->probes[i];

		put8(&w, pr->kind);
		put8(&w, pr->legacy);
		put32(&w, pr->line);
		put64(&w, pr->period_ns);
		putcstr(&w, pr->filter);
		if (!i)
			tk_off.nevents = w.len;
		put32(&w, pr->nevents);
		for (j = 0; j < pr->nevents; j++)
			putcstr(&w, pr->events[j]);
	}
	putproto(&w, m->main, 0);
	*len = w.len;
	return w.p;
}

/* ------------------------------------------------------------- builder */

struct tk_proto *tk_proto_new(const char *name)
{
	struct tk_proto *p = tk_alloc(sizeof(*p));

	p->name = tk_strdup(name);
	p->framesize = 2;
	tk_set_code(p, 1, CREATE_ABCk(OP_RETURN0, 0, 0, 0, 0));
	return p;
}

struct tk_module *tk_module_new(void)
{
	struct tk_module *m = tk_alloc(sizeof(*m));

	memcpy(m->magic, KBC_MAGIC, 4);
	m->version = KTAP_BC_VERSION;
	m->chunkname = tk_strdup("built");
	m->main = tk_proto_new("main");
	return m;
}

void tk_set_code_array(struct tk_proto *p, uint32_t n, const uint32_t *code)
{
	uint32_t i;

	p->ncode = n;
	p->code = tk_alloc((size_t)n * 4);
	p->lines = tk_alloc((size_t)n * 4);
	for (i = 0; i < n; i++) {
		p->code[i] = code[i];
		p->lines[i] = 1;
	}
}

void tk_set_code(struct tk_proto *p, uint32_t n, ...)
{
	uint32_t *code = tk_alloc((size_t)n * 4 + 4);
	va_list ap;
	uint32_t i;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		code[i] = va_arg(ap, uint32_t);
	va_end(ap);
	tk_set_code_array(p, n, code);
}

static struct tk_const *add_const(struct tk_proto *p)
{
	struct tk_const *k = tk_alloc((p->nk + 1) * sizeof(*k));

	if (p->nk)
		memcpy(k, p->k, p->nk * sizeof(*k));
	p->k = k;
	return &p->k[p->nk++];
}

uint32_t tk_add_int(struct tk_proto *p, int64_t n)
{
	struct tk_const *k = add_const(p);

	k->tag = KBC_INT;
	k->n = n;
	return p->nk - 1;
}

uint32_t tk_add_str(struct tk_proto *p, const char *s)
{
	struct tk_const *k = add_const(p);

	k->tag = KBC_STR;
	k->s = tk_strdup(s);
	k->len = (uint32_t)strlen(s);
	return p->nk - 1;
}

uint32_t tk_add_nil(struct tk_proto *p)
{
	add_const(p)->tag = KBC_NIL;
	return p->nk - 1;
}

uint32_t tk_add_proto(struct tk_proto *p, struct tk_proto *c)
{
	struct tk_proto **np = tk_alloc((p->nprotos + 1) * sizeof(*np));

	if (p->nprotos)
		memcpy(np, p->p, p->nprotos * sizeof(*np));
	np[p->nprotos] = c;
	p->p = np;
	return p->nprotos++;
}

uint32_t tk_add_global(struct tk_module *m, const char *name)
{
	char **g = tk_alloc((m->nglobals + 1) * sizeof(*g));

	if (m->nglobals)
		memcpy(g, m->gnames, m->nglobals * sizeof(*g));
	g[m->nglobals] = tk_strdup(name);
	m->gnames = g;
	return m->nglobals++;
}

uint32_t tk_add_probe(struct tk_module *m, int kind, uint64_t period,
		      const char *event)
{
	struct tk_probe *pr = tk_alloc((m->nprobes + 1) * sizeof(*pr));

	if (m->nprobes)
		memcpy(pr, m->probes, m->nprobes * sizeof(*pr));
	m->probes = pr;
	pr = &m->probes[m->nprobes];
	pr->kind = (uint8_t)kind;
	pr->period_ns = period;
	pr->line = 1;
	pr->filter = tk_strdup("");
	if (event) {
		pr->nevents = 1;
		pr->events = tk_alloc(sizeof(char *));
		pr->events[0] = tk_strdup(event);
	}
	return m->nprobes++;
}

uint32_t tk_add_spec(struct tk_module *m, int64_t lo, int64_t hi,
		     int64_t step)
{
	int64_t (*s)[3] = tk_alloc((m->nspecs + 1) * sizeof(*s));

	if (m->nspecs)
		memcpy(s, m->specs, m->nspecs * sizeof(*s));
	s[m->nspecs][0] = lo;
	s[m->nspecs][1] = hi;
	s[m->nspecs][2] = step;
	m->specs = s;
	return m->nspecs++;
}

int tk_find(const struct tk_proto *p, int op)
{
	uint32_t i;

	for (i = 0; i < p->ncode; i++)
		if (GET_OP(p->code[i]) == op)
			return (int)i;
	return -1;
}

uint8_t *compile_or_die(const char *src, size_t *len)
{
	char err[512];
	void *out;
	uint8_t *copy;

	if (ktap_compile("test.kp", src, strlen(src), &out, len, err,
			 sizeof(err))) {
		printf("not ok harness/compile: %s\n", err);
		exit(1);
	}
	copy = tk_alloc(*len);
	memcpy(copy, out, *len);
	free(out);
	return copy;
}

/* ------------------------------------------------------------- sessions */

size_t last_load_peak;

static int run_session(const char *name, const void *bc, size_t len,
		       char *err, size_t errlen, int run)
{
	struct counting c = { 0 };
	struct ktap_limits lim = {
		.max_mem = 64 << 20, .max_loop = 100000, .max_depth = 200,
		.stack_slots = 4096,
	};
	struct ktap_platform pf;
	struct ktap_session *s;
	const char *argv[] = { "test.kp", NULL };
	size_t base;
	int r;

	counting_init(&c, &pf);
	s = ktap_session_new(&pf, &lim);
	if (!s) {
		fail(name, "cannot create a session");
		return -2;
	}
	base = c.cur;
	c.peak = c.cur;
	r = ktap_session_load(s, bc, len, 1, argv);
	last_load_peak = c.peak - base;
	if (err) {
		snprintf(err, errlen, "%s", ktap_session_error(s));
	}
	if (!r && run) {
		uint32_t i;

		/* errors are fine here: only memory safety is checked */
		ktap_session_run(s);
		for (i = 0; i < ktap_session_probe_count(s); i++)
			ktap_session_fire(s, i, NULL);
		ktap_session_end(s);
	}
	ktap_session_free(s);
	counting_fini(&c);
	if (c.cur || c.bad_free) {
		fail(name, "%zu bytes not freed, %zu frees with a wrong size",
		     c.cur, c.bad_free);
		return -2;
	}
	return r;
}

int try_load(const char *name, const void *bc, size_t len, char *err,
	     size_t errlen)
{
	return run_session(name, bc, len, err, errlen, 0);
}

int expect_reject(const char *name, const void *bc, size_t len,
		  const char *substr)
{
	char err[600];
	int r = try_load(name, bc, len, err, sizeof(err));

	if (r == -2)
		return 0;
	if (r == 0)
		return check(0, name, "accepted (expected: %s)", substr);
	return check(strstr(err, substr) != NULL, name,
		     "message \"%s\" does not contain \"%s\"", err, substr);
}

int expect_reject_mod(const char *name, const struct tk_module *m,
		      const char *substr)
{
	size_t len;
	uint8_t *bc = tk_encode(m, &len);

	return expect_reject(name, bc, len, substr);
}

int expect_accept_mod(const char *name, const struct tk_module *m)
{
	char err[600];
	size_t len;
	uint8_t *bc = tk_encode(m, &len);
	int r = run_session(name, bc, len, err, sizeof(err), 1);

	if (r == -2)
		return 0;
	return check(r == 0, name, "rejected: %s", err);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_common.h - what both fuzz targets share: a deterministic platform
 * whose allocator checks the runtime's bookkeeping (every free must give
 * the size that was allocated, and a freed session must hold nothing), an
 * output hook that discards, and the sequence that drives a loaded
 * session: run the top level, fire every probe, run trace_end.
 */
#ifndef KTAP_FUZZ_COMMON_H
#define KTAP_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ktap/ktap.h>

struct fz_ctx {
	size_t cur;		/* bytes held */
};

struct fz_hdr {
	size_t size;
	size_t magic;
};

#define FZ_MAGIC ((size_t)0x66757a7a6b746170ULL)

static void fz_die(const char *what, size_t a, size_t b)
{
	fprintf(stderr, "fuzz: %s (%zu, %zu)\n", what, a, b);
	abort();
}

static void *fz_alloc(void *ctx, size_t size)
{
	struct fz_ctx *c = ctx;
	struct fz_hdr *h = malloc(sizeof(*h) + size);

	if (!h)
		return NULL;
	h->size = size;
	h->magic = FZ_MAGIC;
	c->cur += size;
	return h + 1;
}

static void fz_free(void *ctx, void *p, size_t size)
{
	struct fz_ctx *c = ctx;
	struct fz_hdr *h = (struct fz_hdr *)p - 1;

	if (h->magic != FZ_MAGIC)
		fz_die("free of a block not from alloc", 0, 0);
	if (h->size != size)
		fz_die("free with a size other than the allocated one",
		       h->size, size);
	h->magic = 0;
	c->cur -= size;
	free(h);
}

static void *fz_realloc(void *ctx, void *p, size_t old, size_t size)
{
	struct fz_ctx *c = ctx;
	struct fz_hdr *h = (struct fz_hdr *)p - 1, *nh;

	if (h->magic != FZ_MAGIC || h->size != old)
		fz_die("realloc with a wrong old size", h->size, old);
	nh = realloc(h, sizeof(*h) + size);
	if (!nh)
		return NULL;
	nh->size = size;
	c->cur += size - old;
	return nh + 1;
}

static void fz_write(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
}

static uint64_t fz_realtime_ns(void *ctx)
{
	(void)ctx;
	return 1700000000123456789ULL;
}

static int fz_num_cpus(void *ctx)
{
	(void)ctx;
	return 4;
}

static const char *fz_arch(void *ctx)
{
	(void)ctx;
	return "x86_64";
}

static const char *fz_release(void *ctx)
{
	(void)ctx;
	return "6.1.0-fuzz";
}

static int fz_current_task(void *ctx, struct ktap_task *t)
{
	(void)ctx;
	t->cpu = 1;
	t->pid = 4242;
	t->tid = 4243;
	t->uid = 1000;
	t->comm = "fuzzer";
	return 0;
}

static int fz_symbolize(void *ctx, uint64_t addr, char *buf, size_t size)
{
	(void)ctx;
	if (addr & 1)
		return -1;
	return snprintf(buf, size, "fuzz_func+0x%llx",
			(unsigned long long)(addr & 0xfff));
}

/* A synthetic event: three positional fields and two named ones. */
static int fz_field(const struct ktap_event *ev, int index,
		    struct ktap_field *out)
{
	(void)ev;
	switch (index) {
	case 0:
		out->type = KTAP_FIELD_INT;
		out->num = -1;
		return 0;
	case 1:
		out->type = KTAP_FIELD_STRING;
		out->str = "/etc/passwd-not-NUL-ended";
		out->len = 11;
		return 0;
	case 2:
		out->type = KTAP_FIELD_INT;
		out->num = INT64_MIN;
		return 0;
	default:
		return -1;
	}
}

static int fz_field_by_name(const struct ktap_event *ev, const char *name,
			    struct ktap_field *out)
{
	(void)ev;
	if (!strcmp(name, "filename")) {
		out->type = KTAP_FIELD_STRING;
		out->str = "/tmp/x";
		out->len = 6;
		return 0;
	}
	if (!strcmp(name, "fd")) {
		out->type = KTAP_FIELD_INT;
		out->num = 3;
		return 0;
	}
	return -1;
}

static int fz_format(const struct ktap_event *ev, char *buf, size_t size)
{
	(void)ev;
	/* longer than the first buffer the runtime offers: it must retry */
	static char line[600];

	if (!line[0]) {
		memset(line, 'e', sizeof(line) - 1);
		memcpy(line, "fd=3 filename=/tmp/x ", 21);
	}
	return snprintf(buf, size, "%s", line);
}

static const struct ktap_event_ops fz_event_ops = {
	.field = fz_field,
	.field_by_name = fz_field_by_name,
	.format = fz_format,
};

static const struct ktap_event fz_event = {
	.ops = &fz_event_ops,
	.name = "syscalls:sys_enter_open",
	.timestamp = 123456789,
	.task = { .cpu = 2, .pid = 7, .tid = 8, .uid = 0, .comm = "evtask" },
};

/*
 * Load @bc into a new session and, when it verifies, run all of it.
 * Returns the result of ktap_session_load().  Aborts when the session
 * leaves memory behind or frees with wrong sizes.
 */
static int fz_session(const void *bc, size_t len, int use_realloc, int json)
{
	static const struct ktap_platform_ops ops = {
		.alloc = fz_alloc,
		.free = fz_free,
		.write = fz_write,
		.realtime_ns = fz_realtime_ns,
		.num_cpus = fz_num_cpus,
		.arch = fz_arch,
		.kernel_release = fz_release,
		.current_task = fz_current_task,
		.symbolize = fz_symbolize,
	};
	static const struct ktap_platform_ops ops_realloc = {
		.alloc = fz_alloc,
		.free = fz_free,
		.realloc = fz_realloc,
		.write = fz_write,
		.realtime_ns = fz_realtime_ns,
		.num_cpus = fz_num_cpus,
		.arch = fz_arch,
		.kernel_release = fz_release,
		.current_task = fz_current_task,
		.symbolize = fz_symbolize,
	};
	static const struct ktap_limits lim = {
		.max_mem = 16 << 20,
		.max_loop = 100000,
		.max_depth = 200,
	};
	const char *argv[] = { "fuzz.kp", "42", "arg", "-7" };
	struct fz_ctx ctx = { 0 };
	struct ktap_platform pf = {
		.ops = use_realloc ? &ops_realloc : &ops,
		.ctx = &ctx,
	};
	struct ktap_session *s = ktap_session_new(&pf, &lim);
	int r;

	if (!s)
		fz_die("cannot create a session", 0, 0);
	ktap_session_set_output(s, json ? KTAP_OUTPUT_JSON : KTAP_OUTPUT_TEXT);
	r = ktap_session_load(s, bc, len, 4, argv);
	if (!r) {
		uint32_t i, n = ktap_session_probe_count(s);

		ktap_session_list(s);
		ktap_session_run(s);
		for (i = 0; i < n; i++)
			ktap_session_fire(s, i, NULL);
		for (i = 0; i < n; i++)
			ktap_session_fire(s, i, &fz_event);
		ktap_session_end(s);
	}
	ktap_session_free(s);
	if (ctx.cur)
		fz_die("the freed session still holds memory", ctx.cur, 0);
	return r;
}

#endif /* KTAP_FUZZ_COMMON_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * builtins.c - the built-in functions of ktap 0.4 and our extensions.
 *
 * Globals are slots resolved at compile time, so binding the library is
 * done per loaded script: every global whose name is a built-in starts out
 * holding it (lib_bind_globals).  A script may still assign over them.
 */
#include "builtins.h"
#include "agg.h"
#include "fmt.h"
#include "hist.h"
#include "out.h"
#include "str.h"
#include "tab.h"
#include "vm.h"

/* ------------------------------------------------------ argument checks */

static int arg_error(struct ktap_session *S, const char *fname, int idx,
		     const char *expected, const struct kp_value *a, int n)
{
	kp_error(S, "bad argument #%d to '%s' (%s expected, got %s)",
		 idx + 1, fname, expected,
		 idx < n ? kp_typename(&a[idx]) : "no value");
	return -1;
}

static int check_num(struct ktap_session *S, const char *fname,
		     struct kp_value *a, int n, int idx, int64_t *out)
{
	if (idx >= n || !is_num(&a[idx]))
		return arg_error(S, fname, idx, "number", a, n);
	*out = a[idx].u.n;
	return 0;
}

static int opt_num(struct ktap_session *S, const char *fname,
		   struct kp_value *a, int n, int idx, int64_t def,
		   int64_t *out)
{
	if (idx >= n || is_nil(&a[idx])) {
		*out = def;
		return 0;
	}
	return check_num(S, fname, a, n, idx, out);
}

static int check_tab(struct ktap_session *S, const char *fname,
		     struct kp_value *a, int n, int idx)
{
	if (idx >= n || !is_tab(&a[idx]))
		return arg_error(S, fname, idx, "table", a, n);
	return 0;
}

static int ret_num(struct kp_value *a, int64_t v)
{
	set_num(a, v);
	return 1;
}

static int ret_str(struct ktap_session *S, struct kp_value *a, const char *s)
{
	struct kp_str *ts = str_newz(S, s);

	if (!ts)
		return -1;
	set_str(a, ts);
	return 1;
}

#define BUILTIN(name) \
	static int bi_##name(struct ktap_session *S, \
			     struct kp_value *a KP_UNUSED, int n KP_UNUSED)

/* ------------------------------------------------------------ output */

BUILTIN(print)
{
	return out_print(S, a, n) ? -1 : 0;
}

BUILTIN(printf)
{
	struct kp_buf *b = &S->tmp;

	if (n < 1 || !is_str(&a[0]))
		return arg_error(S, "printf", 0, "string", a, n);
	b->len = 0;
	if (fmt_printf(S, b, a[0].u.s->data, a[0].u.s->len, a + 1, n - 1))
		return -1;
	return out_text(S, b->p, b->len) ? -1 : 0;
}

BUILTIN(print_hist)
{
	int64_t top;

	if (n < 1)
		return arg_error(S, "print_hist", 0, "table", a, n);
	if (opt_num(S, "print_hist", a, n, 1, HIST_DEFAULT_TOP, &top))
		return -1;
	return hist_print(S, &a[0], NULL, top) ? -1 : 0;
}

/* Bounds of a linear histogram, as print_lhist and the compiler see them. */
int lib_lspec_init(struct kp_lspec *ls, int64_t lo, int64_t hi, int64_t step)
{
	uint64_t span;

	if (step <= 0 || hi <= lo)
		return -1;
	span = ((uint64_t)hi - (uint64_t)lo + (uint64_t)step - 1) /
	       (uint64_t)step;
	if (span > KP_LHIST_MAX_BUCKETS)
		return -1;
	ls->lo = lo;
	ls->hi = hi;
	ls->step = step;
	ls->nbuckets = (uint32_t)span + 2;
	return 0;
}

BUILTIN(print_lhist)
{
	int64_t lo, hi, step, top;
	struct kp_lspec ls;

	if (n < 1)
		return arg_error(S, "print_lhist", 0, "aggregation", a, n);
	if (check_num(S, "print_lhist", a, n, 1, &lo) ||
	    check_num(S, "print_lhist", a, n, 2, &hi) ||
	    check_num(S, "print_lhist", a, n, 3, &step) ||
	    opt_num(S, "print_lhist", a, n, 4, HIST_DEFAULT_TOP, &top))
		return -1;
	if (lib_lspec_init(&ls, lo, hi, step))
		return kp_error(S, "print_lhist: invalid bounds %lld..%lld step %lld",
				(long long)lo, (long long)hi, (long long)step);
	return hist_print(S, &a[0], &ls, top) ? -1 : 0;
}

/* ------------------------------------------------------------ tables */

static int next_pair(struct ktap_session *S, struct kp_value *a, int n)
{
	struct kp_value k, v;
	uint64_t pos = 0;

	if (check_tab(S, "next", a, n, 0))
		return -1;
	if (n > 1 && !is_nil(&a[1])) {
		/* find where the previous key is, then continue after it */
		struct kp_value pk = a[1];

		while (tab_next(a[0].u.t, &pos, &k, &v)) {
			if (vm_equal(&k, &pk))
				break;
		}
	}
	if (!tab_next(a[0].u.t, &pos, &k, &v)) {
		set_nil(&a[0]);
		return 1;
	}
	a[0] = k;
	a[1] = v;
	return 2;
}

const struct kp_builtin kp_builtin_next = { "next", next_pair };

BUILTIN(pairs)
{
	if (check_tab(S, "pairs", a, n, 0))
		return -1;
	a[1] = a[0];
	set_builtin(&a[0], &kp_builtin_next);
	set_nil(&a[2]);
	return 3;
}

BUILTIN(len)
{
	if (n >= 1 && is_tab(&a[0]))
		return ret_num(a, (int64_t)a[0].u.t->count);
	if (n >= 1 && is_str(&a[0]))
		return ret_num(a, a[0].u.s->len);
	if (n >= 1 && a[0].type == KT_AGG)
		return ret_num(a, a[0].u.a->count);
	return arg_error(S, "len", 0, "table or string", a, n);
}

BUILTIN(delete)
{
	if (check_tab(S, "delete", a, n, 0))
		return -1;
	if (n >= 2) {
		struct kp_value nil;

		set_nil(&nil);
		return tab_set(S, a[0].u.t, &a[1], &nil) ? -1 : 0;
	}
	tab_free(S, a[0].u.t);
	return 0;
}

BUILTIN(table_new)
{
	int64_t narr, nrec;
	struct kp_tab *t;

	if (opt_num(S, "table.new", a, n, 0, 0, &narr) ||
	    opt_num(S, "table.new", a, n, 1, 0, &nrec))
		return -1;
	if (narr < 0 || nrec < 0 || narr > (1 << 24) || nrec > (1 << 24))
		return kp_error(S, "table.new: sizes must be between 0 and %d",
				1 << 24);
	t = tab_new(S, (uint32_t)narr, (uint32_t)nrec);
	if (!t)
		return -1;
	set_tab(&a[0], t);
	return 1;
}

/* ------------------------------------------------------ aggregations */

static int agg_arg(struct ktap_session *S, const char *fname,
		   struct kp_value *a, int n, const struct kp_agg **out)
{
	if (n >= 1 && a[0].type == KT_AGG) {
		*out = a[0].u.a;
		return 0;
	}
	if (n >= 1 && is_nil(&a[0])) {
		*out = NULL;
		return 0;
	}
	return arg_error(S, fname, 0, "aggregation", a, n);
}

#define AGG_READER(name, expr, empty) \
	BUILTIN(name) \
	{ \
		const struct kp_agg *g = NULL; \
		if (agg_arg(S, #name, a, n, &g)) \
			return -1; \
		if (!g || !g->count) { \
			empty; \
			return 1; \
		} \
		return ret_num(a, expr); \
	}

AGG_READER(count, g->count, set_num(a, 0))
AGG_READER(sum, g->sum, set_num(a, 0))
AGG_READER(min, g->min, set_nil(a))
AGG_READER(max, g->max, set_nil(a))
AGG_READER(avg, agg_avg(g), set_nil(a))

/* ------------------------------------------------------- the machine */

static int unavailable(struct ktap_session *S, const char *fname)
{
	return kp_error(S, "'%s' is not available in this host", fname);
}

static int gettime(struct ktap_session *S, struct kp_value *a,
		   const char *fname, uint64_t div)
{
	if (!S->pf.ops->realtime_ns)
		return unavailable(S, fname);
	return ret_num(a, (int64_t)(S->pf.ops->realtime_ns(S->pf.ctx) / div));
}

BUILTIN(gettimeofday_ns)
{
	return gettime(S, a, "gettimeofday_ns", 1);
}

BUILTIN(gettimeofday_us)
{
	return gettime(S, a, "gettimeofday_us", 1000);
}

BUILTIN(gettimeofday_ms)
{
	return gettime(S, a, "gettimeofday_ms", 1000000);
}

BUILTIN(gettimeofday_s)
{
	return gettime(S, a, "gettimeofday_s", 1000000000);
}

BUILTIN(num_cpus)
{
	if (!S->pf.ops->num_cpus)
		return unavailable(S, "num_cpus");
	return ret_num(a, S->pf.ops->num_cpus(S->pf.ctx));
}

BUILTIN(arch)
{
	if (!S->pf.ops->arch)
		return unavailable(S, "arch");
	return ret_str(S, a, S->pf.ops->arch(S->pf.ctx));
}

BUILTIN(kernel_v)
{
	if (!S->pf.ops->kernel_release)
		return unavailable(S, "kernel_v");
	return ret_str(S, a, S->pf.ops->kernel_release(S->pf.ctx));
}

BUILTIN(exit)
{
	int64_t status;

	if (opt_num(S, "exit", a, n, 0, 0, &status))
		return -1;
	S->exited = 1;
	S->exit_status = (int)status;
	/* unwinds like an error; the session knows it is none */
	return kp_error(S, "exit");
}

/*
 * Built-ins that need a live or kernel host (stacks, memory of the traced
 * task, symbols).  A host that has them binds its own implementation.
 */
#define HOST_ONLY(name) \
	BUILTIN(name) \
	{ \
		(void)a; \
		(void)n; \
		return unavailable(S, #name); \
	}

HOST_ONLY(stack)
HOST_ONLY(ustack)
HOST_ONLY(print_trace_clock)
HOST_ONLY(kernel_string)
HOST_ONLY(user_string)
HOST_ONLY(stringof)
HOST_ONLY(ipof)
HOST_ONLY(curr_taskinfo)
HOST_ONLY(in_iowait)
HOST_ONLY(in_interrupt)

/* ------------------------------------------------------------- ansi */

static int ansi_out(struct ktap_session *S, const char *fmt, int64_t x,
		    int64_t y, int64_t z)
{
	char buf[64];
	int len = fmt_format(buf, sizeof(buf), fmt, (long long)x, (long long)y,
			     (long long)z);

	return out_text(S, buf, (size_t)len) ? -1 : 0;
}

BUILTIN(ansi_clear_screen)
{
	(void)a;
	(void)n;
	return out_text(S, "\033[H\033[2J", 7) ? -1 : 0;
}

BUILTIN(ansi_set_color)
{
	int64_t fg;

	if (check_num(S, "ansi.set_color", a, n, 0, &fg))
		return -1;
	return ansi_out(S, "\033[%lldm", fg, 0, 0);
}

BUILTIN(ansi_set_color2)
{
	int64_t fg, bg;

	if (check_num(S, "ansi.set_color2", a, n, 0, &fg) ||
	    check_num(S, "ansi.set_color2", a, n, 1, &bg))
		return -1;
	return ansi_out(S, "\033[%lld;%lldm", fg, bg, 0);
}

BUILTIN(ansi_set_color3)
{
	int64_t fg, bg, attr;

	if (check_num(S, "ansi.set_color3", a, n, 0, &fg) ||
	    check_num(S, "ansi.set_color3", a, n, 1, &bg) ||
	    check_num(S, "ansi.set_color3", a, n, 2, &attr))
		return -1;
	return ansi_out(S, "\033[%lld;%lld;%lldm", fg, bg, attr);
}

BUILTIN(ansi_reset_color)
{
	(void)a;
	(void)n;
	return out_text(S, "\033[0;0m", 6) ? -1 : 0;
}

BUILTIN(ansi_new_line)
{
	(void)a;
	(void)n;
	return out_text(S, "\n", 1) ? -1 : 0;
}

/* -------------------------------------------------- probe declarations */

/*
 * kdebug.probe(...) and the timer functions are declarations the compiler
 * records in the probe manifest; reaching one at run time means the
 * compiler could not see it (e.g. called through another variable).
 */
BUILTIN(declaration)
{
	(void)a;
	(void)n;
	return kp_error(S, "probe declarations (kdebug.*, timer.*) must be direct calls with a constant event spec");
}

/* ----------------------------------------------------------- binding */

static int bind_host_functions(struct ktap_session *S);

#define ENTRY(name)	{ #name, bi_##name }

static const struct kp_builtin base_lib[] = {
	ENTRY(print), ENTRY(printf), ENTRY(print_hist), ENTRY(print_lhist),
	ENTRY(pairs), ENTRY(len), ENTRY(delete), ENTRY(exit),
	ENTRY(count), ENTRY(sum), ENTRY(min), ENTRY(max), ENTRY(avg),
	ENTRY(gettimeofday_ns), ENTRY(gettimeofday_us),
	ENTRY(gettimeofday_ms), ENTRY(gettimeofday_s),
	ENTRY(num_cpus), ENTRY(arch), ENTRY(kernel_v),
	ENTRY(stack), ENTRY(ustack), ENTRY(print_trace_clock),
	ENTRY(kernel_string), ENTRY(user_string), ENTRY(stringof),
	ENTRY(ipof), ENTRY(curr_taskinfo), ENTRY(in_iowait),
	ENTRY(in_interrupt),
	{ NULL, NULL }
};

static const struct kp_builtin table_lib[] = {
	{ "new", bi_table_new },
	{ NULL, NULL }
};

static const struct kp_builtin ansi_lib[] = {
	{ "clear_screen", bi_ansi_clear_screen },
	{ "set_color", bi_ansi_set_color },
	{ "set_color2", bi_ansi_set_color2 },
	{ "set_color3", bi_ansi_set_color3 },
	{ "reset_color", bi_ansi_reset_color },
	{ "new_line", bi_ansi_new_line },
	{ NULL, NULL }
};

static const struct kp_builtin kdebug_lib[] = {
	{ "probe", bi_declaration },
	{ "probe_end", bi_declaration },
	{ "trace_by_id", bi_declaration },
	{ "trace_end", bi_declaration },
	{ NULL, NULL }
};

static const struct kp_builtin timer_lib[] = {
	{ "tick", bi_declaration },
	{ "profile", bi_declaration },
	{ NULL, NULL }
};

static const struct {
	const char *name;
	const struct kp_builtin *fns;
} libs[] = {
	{ "table", table_lib },
	{ "ansi", ansi_lib },
	{ "kdebug", kdebug_lib },
	{ "timer", timer_lib },
};

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static int bind_lib(struct ktap_session *S, struct kp_value *slot,
		    const struct kp_builtin *fns)
{
	struct kp_tab *t = tab_new(S, 0, 8);

	if (!t)
		return -1;
	set_tab(slot, t);
	for (; fns->name; fns++) {
		struct kp_value f;
		struct kp_str *k = str_newz(S, fns->name);

		if (!k)
			return -1;
		set_builtin(&f, fns);
		if (tab_setstr(S, t, k, &f))
			return -1;
	}
	return 0;
}

int lib_bind_globals(struct ktap_session *S)
{
	const struct kp_module *m = S->mod;
	uint32_t g;
	size_t i;

	for (g = 0; g < m->nglobals; g++) {
		const char *name = m->gnames[g];
		const struct kp_builtin *b;

		for (b = base_lib; b->name; b++) {
			if (streq(b->name, name)) {
				set_builtin(&S->globals[g], b);
				break;
			}
		}
		for (i = 0; i < KP_ARRAY_SIZE(libs); i++) {
			if (streq(libs[i].name, name) &&
			    bind_lib(S, &S->globals[g], libs[i].fns))
				return -1;
		}
	}
	return bind_host_functions(S);
}

/* ------------------------------------------------------ host functions */

#define HOSTFN_MAX_ARGS	8

/* A host function and its names: lib, name and "lib.name" (or just name). */
static size_t hostfn_size(size_t ll, size_t nl)
{
	return sizeof(struct kp_hostfn) + ll + nl + (ll ? ll + nl : 0);
}

/* What every host function runs: convert, call, convert back. */
static int host_call(struct ktap_session *S, struct kp_value *a, int n)
{
	const struct kp_hostfn *h = (const struct kp_hostfn *)S->cur_builtin;
	struct ktap_field args[HOSTFN_MAX_ARGS], ret;
	char err[256] = "";
	int i;

	if (n > HOSTFN_MAX_ARGS)
		return kp_error(S, "'%s': too many arguments (at most %d)",
				h->full, HOSTFN_MAX_ARGS);
	for (i = 0; i < n; i++) {
		kp_memset(&args[i], 0, sizeof(args[i]));
		if (is_num(&a[i]) || a[i].type == KT_BOOL) {
			args[i].type = KTAP_FIELD_INT;
			args[i].num = is_num(&a[i]) ? a[i].u.n : a[i].u.b;
		} else if (is_str(&a[i])) {
			args[i].type = KTAP_FIELD_STRING;
			args[i].str = a[i].u.s->data;
			args[i].len = a[i].u.s->len;
		} else if (!is_nil(&a[i])) {
			return arg_error(S, h->full, i, "number or string",
					 a, n);
		}
	}
	kp_memset(&ret, 0, sizeof(ret));
	if (h->fn(h->ctx, args, n, &ret, err, sizeof(err)))
		return kp_error(S, "%s: %s", h->full, err);
	if (ret.type == KTAP_FIELD_INT) {
		set_num(&a[0], ret.num);
	} else if (ret.type == KTAP_FIELD_STRING) {
		struct kp_str *s = str_new(S, ret.str, ret.len);

		if (!s)
			return -1;
		set_str(&a[0], s);
	} else {
		set_nil(&a[0]);
	}
	return 1;
}

int ktap_session_add_function(struct ktap_session *S, const char *lib,
			      const char *name, ktap_function_fn fn, void *ctx)
{
	size_t ll = lib ? kp_strlen(lib) + 1 : 0, nl = kp_strlen(name) + 1;
	struct kp_hostfn *h;
	char *p;

	if (S->mod)
		return kp_error(S, "functions must be added before the script is loaded");
	/* one block: lib NUL name NUL, then "lib.name" NUL */
	h = kp_malloc(S, hostfn_size(ll, nl));
	if (!h)
		return -1;
	p = (char *)(h + 1);
	h->lib = NULL;
	h->full = p + ll;
	if (lib) {
		kp_memcpy(p, lib, ll);
		h->lib = p;
		p += ll;
		h->full = p + nl;
		kp_memcpy(p + nl, lib, ll - 1);
		p[nl + ll - 1] = '.';
		kp_memcpy(p + nl + ll, name, nl);
	}
	kp_memcpy(p, name, nl);
	h->b.name = p;
	h->b.fn = host_call;
	h->fn = fn;
	h->ctx = ctx;
	h->next = S->hostfns;
	S->hostfns = h;
	return 0;
}

void lib_free_functions(struct ktap_session *S)
{
	while (S->hostfns) {
		struct kp_hostfn *h = S->hostfns;
		size_t ll = h->lib ? kp_strlen(h->lib) + 1 : 0;

		S->hostfns = h->next;
		kp_free(S, h, hostfn_size(ll, kp_strlen(h->b.name) + 1));
	}
}

/* Bind the host's functions over the built-ins of the same names. */
static int bind_host_functions(struct ktap_session *S)
{
	const struct kp_module *m = S->mod;
	const struct kp_hostfn *h;
	uint32_t g;

	for (h = S->hostfns; h; h = h->next) {
		for (g = 0; g < m->nglobals; g++) {
			struct kp_value *slot = &S->globals[g];
			struct kp_value f;
			struct kp_str *k;

			if (!streq(m->gnames[g], h->lib ? h->lib : h->b.name))
				continue;
			set_builtin(&f, &h->b);
			if (!h->lib) {
				*slot = f;
				break;
			}
			if (!is_tab(slot)) {
				struct kp_tab *t = tab_new(S, 0, 4);

				if (!t)
					return -1;
				set_tab(slot, t);
			}
			k = str_newz(S, h->b.name);
			if (!k || tab_setstr(S, slot->u.t, k, &f))
				return -1;
			break;
		}
	}
	return 0;
}

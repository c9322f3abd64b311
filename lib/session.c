// SPDX-License-Identifier: GPL-2.0
/*
 * session.c - the public interface (include/ktap/ktap.h): sessions, and
 * running the script's parts (top level, handlers, trace_end).
 *
 * Every run is one "invocation": it gets the whole stack, a fresh loop
 * budget, and when it ends the stack is cleared, so nothing a handler
 * left in a register keeps memory alive until the next event.
 */
#include "kp_state.h"
#include "builtins.h"
#include "filter.h"
#include "fmt.h"
#include "str.h"
#include "tab.h"

int kp_error(struct ktap_session *S, const char *fmt, ...)
{
	kp_va_list ap;

	kp_va_start(ap, fmt);
	fmt_vformat(S->err, sizeof(S->err), fmt, ap);
	kp_va_end(ap);
	return -1;
}

struct ktap_session *ktap_session_new(const struct ktap_platform *pf,
				      const struct ktap_limits *limits)
{
	struct ktap_session *S = pf->ops->alloc(pf->ctx, sizeof(*S));
	uint32_t i;

	if (!S)
		return NULL;
	kp_memset(S, 0, sizeof(*S));
	S->pf = *pf;
	if (limits)
		S->lim = *limits;
	if (!S->lim.max_mem)
		S->lim.max_mem = KTAP_DEFAULT_MAX_MEM;
	if (!S->lim.max_loop)
		S->lim.max_loop = KTAP_DEFAULT_MAX_LOOP;
	if (!S->lim.max_depth)
		S->lim.max_depth = KTAP_DEFAULT_MAX_DEPTH;
	if (!S->lim.stack_slots)
		S->lim.stack_slots = KTAP_DEFAULT_STACK;
	S->gc_threshold = S->lim.max_mem < (1ULL << 20) ? S->lim.max_mem :
			  (1ULL << 20);
	S->gc_off = 1;
	S->stack = kp_malloc(S, S->lim.stack_slots * sizeof(*S->stack));
	S->frames = kp_malloc(S, (S->lim.max_depth + 2) * sizeof(*S->frames));
	if (!S->stack || !S->frames) {
		ktap_session_free(S);
		return NULL;
	}
	for (i = 0; i < S->lim.stack_slots; i++)
		set_nil(&S->stack[i]);
	S->stack_last = S->stack + S->lim.stack_slots;
	S->top = S->hwm = S->stack;
	S->frame_last = S->frames + S->lim.max_depth + 1;
	return S;
}

void ktap_session_free(struct ktap_session *S)
{
	if (!S)
		return;
	gc_free_all(S);
	str_free_table(S);
	if (S->globals)
		kp_free(S, S->globals, S->mod->nglobals * sizeof(*S->globals));
	if (S->handlers)
		kp_free(S, S->handlers, S->mod->nprobes * sizeof(*S->handlers));
	if (S->next_tick)
		kp_free(S, S->next_tick, S->mod->nprobes * sizeof(*S->next_tick));
	bc_unload(S);
	buf_free(S, &S->out);
	buf_free(S, &S->tmp);
	lib_free_functions(S);
	if (S->frames)
		kp_free(S, S->frames, (S->lim.max_depth + 2) * sizeof(*S->frames));
	if (S->stack)
		kp_free(S, S->stack, S->lim.stack_slots * sizeof(*S->stack));
	S->pf.ops->free(S->pf.ctx, S, sizeof(*S));
}

void ktap_session_set_output(struct ktap_session *S,
			     enum ktap_output_format format)
{
	S->json = format == KTAP_OUTPUT_JSON;
}

/* arg[0] is the script, arg[1..] its arguments; numbers stay numbers. */
static int make_args(struct ktap_session *S, struct kp_value *slot, int argc,
		     const char *const *argv)
{
	struct kp_tab *t = tab_new(S, argc > 1 ? (uint32_t)argc - 1 : 0, 1);
	int i;

	if (!t)
		return -1;
	set_tab(slot, t);
	for (i = 0; i < argc; i++) {
		const char *s = argv[i];
		struct kp_value v;
		int64_t n = 0;
		int neg = *s == '-', digits = 0;
		const char *p = s + neg;

		for (; *p >= '0' && *p <= '9'; p++, digits++)
			n = kp_add(kp_mul(n, 10), *p - '0');
		if (i > 0 && digits && !*p && digits < 19) {
			set_num(&v, neg ? -n : n);
		} else {
			struct kp_str *ts = str_newz(S, s);

			if (!ts)
				return -1;
			set_str(&v, ts);
		}
		if (tab_setint(S, t, i, &v))
			return -1;
	}
	return 0;
}

static int bind_globals(struct ktap_session *S, int argc,
			const char *const *argv)
{
	const struct kp_module *m = S->mod;
	uint32_t i;

	S->globals = kp_malloc(S, m->nglobals * sizeof(*S->globals));
	S->handlers = kp_malloc(S, m->nprobes * sizeof(*S->handlers));
	S->next_tick = kp_malloc(S, m->nprobes * sizeof(*S->next_tick));
	if ((!S->globals && m->nglobals) ||
	    ((!S->handlers || !S->next_tick) && m->nprobes))
		return -1;
	for (i = 0; i < m->nglobals; i++)
		set_nil(&S->globals[i]);
	for (i = 0; i < m->nprobes; i++) {
		S->handlers[i] = NULL;
		S->next_tick[i] = 0;
		S->nticks += m->probes[i].kind == KTAP_PROBE_TICK;
	}
	if (lib_bind_globals(S))
		return -1;
	for (i = 0; i < m->nglobals; i++) {
		const char *n = m->gnames[i];

		if (n[0] == 'a' && n[1] == 'r' && n[2] == 'g' && !n[3])
			return make_args(S, &S->globals[i], argc, argv);
	}
	return 0;
}

int ktap_session_load(struct ktap_session *S, const void *bc, size_t size,
		      int argc, const char *const *argv)
{
	int r;

	if (S->mod)
		return kp_error(S, "a script is already loaded");
	S->err[0] = '\0';
	r = bc_load(S, bc, size);
	if (!r && bc_verify(S, S->mod)) {
		bc_unload(S);
		r = -1;
	}
	/* a failure here leaves a session that can only be freed */
	if (!r)
		r = bind_globals(S, argc, argv);
	S->gc_off = 0;
	return r;
}

uint32_t ktap_session_probe_count(const struct ktap_session *S)
{
	return S->mod ? S->mod->nprobes : 0;
}

int ktap_session_uses(const struct ktap_session *S, const char *name)
{
	size_t n = kp_strlen(name);
	uint32_t i;

	for (i = 0; S->mod && i < S->mod->nglobals; i++) {
		const char *g = S->mod->gnames[i];

		if (kp_strlen(g) == n && !kp_memcmp(g, name, n))
			return 1;
	}
	return 0;
}

const struct ktap_probe *ktap_session_probe(const struct ktap_session *S,
					    uint32_t index)
{
	if (!S->mod || index >= S->mod->nprobes)
		return NULL;
	return &S->mod->probes[index];
}

/* Run closure @cl with the event object as argument when @pass_event. */
static int invoke(struct ktap_session *S, struct kp_closure *cl,
		  const struct ktap_event *ev, int pass_event)
{
	struct kp_value *v;
	int r;

	if (S->running)
		return kp_error(S, "the session is already running (recursive event)");
	S->running = 1;
	S->ev = ev;
	set_func(&S->stack[0], cl);
	S->stack[1].type = KT_EVENT;
	S->hwm = S->stack + 2;
	r = vm_enter(S, S->stack, pass_event);
	for (v = S->stack; v < S->hwm; v++)
		set_nil(v);
	S->hwm = S->top = S->stack;
	S->npins = 0;
	S->ev = NULL;
	S->running = 0;
	if (S->out.len)
		kp_out_flush(S);
	if (r && S->exited) {
		S->err[0] = '\0';
		r = 0;
	}
	return r;
}

int ktap_session_run(struct ktap_session *S)
{
	struct kp_closure *cl;

	if (!S->mod)
		return kp_error(S, "no script is loaded");
	cl = (struct kp_closure *)gc_new(S, KT_FUNC, sizeof(*cl));
	if (!cl)
		return -1;
	cl->p = S->mod->main;
	return invoke(S, cl, NULL, 0);
}

int ktap_session_fire(struct ktap_session *S, uint32_t index,
		      const struct ktap_event *ev)
{
	if (!S->mod || index >= S->mod->nprobes || !S->handlers[index] ||
	    S->exited)
		return 0;
	if (ev && S->mod->filters[index] && !ev->prefiltered &&
	    !filter_eval(S->mod->filters[index], ev))
		return 0;
	return invoke(S, S->handlers[index], ev,
		      S->mod->probes[index].legacy && ev);
}

/* Boundaries fired at once after a gap; the rest of a long gap is skipped. */
#define MAX_TICKS_AT_ONCE	1000000

int ktap_session_time(struct ktap_session *S, uint64_t now)
{
	uint32_t i;

	/* called per event: most calls have nothing to do */
	if (!S->nticks || (S->tick_due && now < S->tick_due))
		return 0;
	S->tick_due = 0;
	for (i = 0; S->mod && i < S->mod->nprobes && !S->exited; i++) {
		uint64_t period = S->mod->probes[i].period_ns;
		uint64_t *next = &S->next_tick[i];
		uint64_t n = 0;

		if (S->mod->probes[i].kind != KTAP_PROBE_TICK)
			continue;
		if (!*next)
			*next = (now / period + 1) * period;
		if (now >= *next && (now - *next) / period >= MAX_TICKS_AT_ONCE)
			*next = (now / period) * period;
		while (now >= *next && !S->exited && n++ < MAX_TICKS_AT_ONCE) {
			*next += period;
			if (ktap_session_fire(S, i, NULL))
				return -1;
		}
		if (!S->tick_due || *next < S->tick_due)
			S->tick_due = *next;
	}
	return 0;
}

int ktap_session_end(struct ktap_session *S)
{
	int exited = S->exited;
	uint32_t i;

	/* exit() inside a trace_end stops the ones after it */
	for (i = 0; S->mod && i < S->mod->nprobes &&
	     (exited || !S->exited); i++) {
		if (S->mod->probes[i].kind != KTAP_PROBE_END ||
		    !S->handlers[i])
			continue;
		if (invoke(S, S->handlers[i], NULL, 0))
			return -1;
	}
	return 0;
}

int ktap_session_exited(const struct ktap_session *S, int *status)
{
	if (status)
		*status = S->exit_status;
	return S->exited;
}

const char *ktap_session_error(const struct ktap_session *S)
{
	return S->err;
}

uint64_t ktap_session_mem(const struct ktap_session *S, uint64_t *peak)
{
	if (peak)
		*peak = S->mem_peak;
	return S->mem;
}

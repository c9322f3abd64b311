/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kp_state.h - a session: the loaded module, its globals, the VM stack,
 * the heap and its collector, and the declarations shared inside lib/.
 */
#ifndef KTAP_KP_STATE_H
#define KTAP_KP_STATE_H

#include "kp_obj.h"

/* A loaded and verified bytecode file. */
struct kp_module {
	const char *chunkname;
	uint32_t nglobals;
	const char **gnames;
	uint32_t nprobes;
	struct ktap_probe *probes;
	struct kp_filter **filters;	/* per probe, NULL without /filter/ */
	uint32_t nspecs;
	struct kp_lspec *specs;
	struct kp_proto *main;
	uint32_t nallprotos;
	struct kp_proto **allprotos;	/* every prototype, for the collector */
	struct kp_block *blocks;	/* memory of everything above */
};

/* One active call of a script function. */
struct kp_frame {
	struct kp_closure *cl;
	struct kp_value *func;		/* function slot: results go here */
	struct kp_value *base;		/* R[0] */
	const uint32_t *pc;		/* resume point while a callee runs */
	int nresults;			/* wanted by the caller, -1: all */
	int nvarargs;			/* at func + 1 + nparams */
};

/* A function added by the host (ktap_session_add_function). */
struct kp_hostfn {
	struct kp_builtin b;	/* b.fn: the trampoline that calls fn */
	ktap_function_fn fn;
	void *ctx;
	const char *lib;	/* NULL: a global */
	const char *full;	/* "lib.name", for messages */
	struct kp_hostfn *next;
};

/* A growable byte buffer in the session heap. */
struct kp_buf {
	char *p;
	size_t len;
	size_t cap;
};

#define KP_ERRLEN	512

struct ktap_session {
	struct ktap_platform pf;
	struct ktap_limits lim;

	/* heap */
	uint64_t mem;			/* bytes held now */
	uint64_t mem_peak;
	uint64_t gc_threshold;		/* collect when mem passes this */
	struct kp_obj *objs;		/* every collectable object */
	int gc_off;			/* > 0 while loading */
	struct kp_obj *gray;		/* marked objects not yet traversed */
	struct kp_value pins[4];	/* objects under construction */
	int npins;

	/* strings */
	struct kp_str **strtab;
	uint32_t strmask;
	uint32_t nstr;

	/* the script */
	struct kp_module *mod;
	struct kp_value *globals;
	struct kp_closure **handlers;	/* one per probe */
	uint64_t *next_tick;		/* per probe: next boundary, 0 unset */
	uint64_t tick_due;		/* the earliest of them, 0 to recompute */
	int nticks;			/* tick probes in the manifest */

	/* VM */
	struct kp_value *stack;
	struct kp_value *stack_last;	/* frames must end below this */
	struct kp_value *top;		/* end of multiple results */
	struct kp_value *hwm;		/* highest slot used since reset */
	struct kp_frame *frames;
	struct kp_frame *frame_last;
	struct kp_upval *open_upvals;
	int running;
	const struct ktap_event *ev;
	const struct kp_builtin *cur_builtin;	/* the one being called */
	struct kp_str *last_comm;	/* execname of the previous event */
	struct kp_hostfn *hostfns;

	/* output */
	int json;
	struct kp_buf out;		/* output being built */
	struct kp_buf tmp;		/* scratch for strings being built */

	/* status */
	int exited;
	int exit_status;
	char err[KP_ERRLEN];
};

/* ------------------------------------------------------------ gc.c */

void *kp_malloc(struct ktap_session *S, size_t size);
void kp_free(struct ktap_session *S, void *p, size_t size);
void *kp_realloc(struct ktap_session *S, void *p, size_t old, size_t size);
struct kp_obj *gc_new(struct ktap_session *S, int type, size_t size);
/*
 * Any allocation may run the collector.  An object that nothing
 * references yet must be pinned while more memory is allocated.
 */
static inline void gc_pin(struct ktap_session *S, const struct kp_value *v)
{
	S->pins[S->npins++] = *v;
}

static inline void gc_unpin(struct ktap_session *S)
{
	set_nil(&S->pins[--S->npins]);
}

void gc_free_all(struct ktap_session *S);

/* -------------------------------------------------------------- buffers */

int buf_reserve(struct ktap_session *S, struct kp_buf *b, size_t n);
int buf_add(struct ktap_session *S, struct kp_buf *b, const char *s,
	    size_t n);
void buf_free(struct ktap_session *S, struct kp_buf *b);

/* ---------------------------------------------------------- session.c */

/* Set the session's error message; always returns -1. */
int kp_error(struct ktap_session *S, const char *fmt, ...) KP_PRINTF(2, 3);
/* Flush S->out to the platform's write hook. */
void kp_out_flush(struct ktap_session *S);

/* ---------------------------------------------------------------- vm.c */

/*
 * Enter the script function in func[0] (the bottom of the stack) with
 * func[1..nargs] and run it to completion.  Results are discarded.
 * Returns 0, or -1 on a runtime error.
 */
int vm_enter(struct ktap_session *S, struct kp_value *func, int nargs);
/* Raw equality: no errors, different types are unequal. */
int vm_equal(const struct kp_value *a, const struct kp_value *b);

/* -------------------------------------------------------------- load.c */

int bc_load(struct ktap_session *S, const uint8_t *p, size_t size);
void bc_unload(struct ktap_session *S);

/* ------------------------------------------------------------ verify.c */

int bc_verify(struct ktap_session *S, struct kp_module *m);

#endif /* KTAP_KP_STATE_H */

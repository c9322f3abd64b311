/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktap.h - the public interface of the ktap runtime (libktap).
 *
 * A host (the ktap command, a trace-cmd or perf plugin, the kernel module)
 * gives the runtime a platform (memory, output, clocks), loads verified
 * bytecode into a session, runs its top-level code, feeds it events and
 * finally runs its trace_end handlers.  The runtime never prints and never
 * exits: every function returns an error code and the message is kept in
 * the session (ktap_session_error()).
 *
 * This header is shared by every world ktap is built for: userspace,
 * the kernel, and the freestanding check; it needs nothing but integer types.
 */
#ifndef KTAP_KTAP_H
#define KTAP_KTAP_H

#if defined(__KERNEL__)
#include <linux/types.h>
#elif defined(KTAP_FREESTANDING)
#include "ktap_freestanding.h"
#else
#include <stddef.h>
#include <stdint.h>
#endif

#define KTAP_VERSION "0.5.0"

/* The library exports these and nothing else. */
#if defined(__GNUC__) && !defined(__KERNEL__)
#define KTAP_API __attribute__((visibility("default")))
#else
#define KTAP_API
#endif

/* Bytecode format version this runtime reads (Documentation/bytecode.md). */
#define KTAP_BC_VERSION 1

/* ---------------------------------------------------------------- limits */

/*
 * Per-session limits.  A zero field means "use the default" (KTAP_DEFAULT_*);
 * KTAP_UNLIMITED disables the loop budget.
 */
struct ktap_limits {
	uint64_t max_mem;	/* bytes the session heap may hold */
	uint64_t max_loop;	/* backward jumps + calls per invocation */
	uint32_t max_depth;	/* nested calls per invocation */
	uint32_t stack_slots;	/* value slots of the VM stack */
};

#define KTAP_UNLIMITED		((uint64_t)-1)
#define KTAP_DEFAULT_MAX_MEM	(256ULL << 20)
#define KTAP_DEFAULT_MAX_LOOP	10000000ULL
#define KTAP_DEFAULT_MAX_DEPTH	1000
#define KTAP_DEFAULT_STACK	32768

/* -------------------------------------------------------------- platform */

/* What the host knows about the task running the code (the event's task). */
struct ktap_task {
	int cpu;
	int pid;
	int tid;
	int uid;
	const char *comm;
};

/*
 * The only way the runtime reaches the world.  alloc/free/write are
 * required; every other hook may be NULL, and the built-ins that need it
 * then fail with "... is not available in this host".
 */
struct ktap_platform_ops {
	/* Allocate @size bytes, NULL on failure.  Never sleeps in the kernel. */
	void *(*alloc)(void *ctx, size_t size);
	/* Release memory from alloc(); @size is the size that was asked for. */
	void (*free)(void *ctx, void *ptr, size_t size);
	/*
	 * Optional: resize a block, keeping its contents; NULL on failure
	 * (the block is then untouched).  Without it the runtime allocates,
	 * copies and frees.
	 */
	void *(*realloc)(void *ctx, void *ptr, size_t old, size_t size);
	/* Append script output. */
	void (*write)(void *ctx, const char *buf, size_t len);
	/* Wall-clock time in nanoseconds since the epoch. */
	uint64_t (*realtime_ns)(void *ctx);
	/* Number of possible CPUs. */
	int (*num_cpus)(void *ctx);
	/* Machine name ("x86_64") and kernel release ("6.1.0-56-amd64"). */
	const char *(*arch)(void *ctx);
	const char *(*kernel_release)(void *ctx);
	/* The current task when no event supplies one; 0 or -1. */
	int (*current_task)(void *ctx, struct ktap_task *task);
	/*
	 * Write the symbol of kernel address @addr ("func+0x1c") into @buf;
	 * returns the length, or -1 when the address is unknown.
	 */
	int (*symbolize)(void *ctx, uint64_t addr, char *buf, size_t size);
	/*
	 * Called every 65536 loop iterations and calls of a run: give the CPU
	 * back if needed; non-zero stops the run ("interrupted").
	 */
	int (*yield)(void *ctx);
};

struct ktap_platform {
	const struct ktap_platform_ops *ops;
	void *ctx;
};

/* ------------------------------------------------------------ event view */

enum ktap_field_type {
	KTAP_FIELD_NONE = 0,	/* no such field */
	KTAP_FIELD_INT,
	KTAP_FIELD_STRING,
	KTAP_FIELD_ARRAY,	/* of integers: becomes a table {1..n} */
};

struct ktap_field {
	enum ktap_field_type type;
	int64_t num;
	const char *str;	/* KTAP_FIELD_STRING: not necessarily NUL-ended */
	size_t len;		/* STRING: bytes; ARRAY: elements */
	const void *array;	/* ARRAY: elements in host byte order */
	uint8_t elem_size;	/* ARRAY: 1, 2, 4 or 8 */
	uint8_t is_signed;	/* ARRAY */
};

struct ktap_event;

/* How a host exposes one event's payload to the VM. */
struct ktap_event_ops {
	/* Positional field @index (arg0 is 0); returns 0 or -1 if absent. */
	int (*field)(const struct ktap_event *ev, int index,
		     struct ktap_field *out);
	/* Field named @name; returns 0, or -1 if the event has no such field. */
	int (*field_by_name)(const struct ktap_event *ev, const char *name,
			     struct ktap_field *out);
	/*
	 * The event printed as ftrace prints it (its info part, as in
	 * trace-cmd report); returns the full length (which may exceed @size,
	 * as snprintf does) or -1.
	 */
	int (*format)(const struct ktap_event *ev, char *buf, size_t size);
	/* Name of positional field @index, NULL past the last (messages). */
	const char *(*field_name)(const struct ktap_event *ev, int index);
	/*
	 * Optional: the task's command name when task.comm is NULL, for
	 * hosts where looking it up costs (asked only when a script does).
	 */
	const char *(*comm)(const struct ktap_event *ev);
};

/* One event handed to ktap_session_fire(). */
struct ktap_event {
	const struct ktap_event_ops *ops;
	void *data;		/* host's own record */
	const char *name;	/* "sys:event" */
	uint64_t timestamp;	/* ns, trace clock */
	struct ktap_task task;	/* comm may be NULL: see ops->comm */
	/*
	 * Non-zero when the host has applied the /filter/ of every probe
	 * the event is fired to (in the kernel): it is not evaluated again.
	 */
	int prefiltered;
};

/* The command name of @ev's task: task.comm, else ops->comm(), or "". */
static inline const char *ktap_event_comm(const struct ktap_event *ev)
{
	const char *c = ev->task.comm;

	if (!c && ev->ops->comm)
		c = ev->ops->comm(ev);
	return c ? c : "";
}

/* ---------------------------------------------------------------- probes */

enum ktap_probe_kind {
	KTAP_PROBE_TRACE = 1,	/* trace EVENTDEF... { } */
	KTAP_PROBE_END,		/* trace_end { } */
	KTAP_PROBE_TICK,	/* tick-N { }: one timer */
	KTAP_PROBE_PROFILE,	/* profile-N { }: a timer on every CPU */
};

/* One entry of a script's probe manifest. */
struct ktap_probe {
	enum ktap_probe_kind kind;
	uint32_t nevents;
	const char *const *events;	/* EVENTDEFs, as written */
	const char *filter;		/* "" when none */
	uint64_t period_ns;		/* tick and profile */
	uint32_t line;			/* where the script declares it */
	int legacy;			/* declared with kdebug./timer. calls */
};

/* --------------------------------------------------------------- session */

struct ktap_session;

enum ktap_output_format {
	KTAP_OUTPUT_TEXT = 0,
	KTAP_OUTPUT_JSON,	/* one JSON object per print/printf/histogram */
};

/*
 * Create a session using @pf for everything; @limits may be NULL.
 * Returns NULL when the platform cannot allocate the session.
 */
KTAP_API struct ktap_session *ktap_session_new(const struct ktap_platform *pf,
				      const struct ktap_limits *limits);

/* Release the session and everything it allocated. */
KTAP_API void ktap_session_free(struct ktap_session *s);

/*
 * A function a host adds to the language, e.g. kshark.mark() in the
 * KernelShark plugin or stack() where stacks exist.  Arguments arrive as
 * fields (nil: KTAP_FIELD_NONE; numbers, strings; booleans as 0/1); the
 * result goes in @ret (NONE: nil).  Return 0, or -1 with a message in @err.
 */
typedef int (*ktap_function_fn)(void *ctx, const struct ktap_field *args,
				int nargs, struct ktap_field *ret, char *err,
				size_t errlen);

/*
 * Make @fn callable as @lib.@name (or as global @name when @lib is NULL),
 * replacing a built-in of that name.  Call before ktap_session_load().
 * Returns 0 or -1.
 */
KTAP_API int ktap_session_add_function(struct ktap_session *s,
				       const char *lib, const char *name,
				       ktap_function_fn fn, void *ctx);

/*
 * The argument of stack([N]) and ustack([N]), as every host that offers
 * them takes it: none or nil for every frame (*@max = 0), else a positive
 * number of innermost frames.  Returns 0, or -1 with the message in @err.
 */
KTAP_API int ktap_stack_depth(const struct ktap_field *args, int nargs,
			      int64_t *max, char *err, size_t errlen);

/* Select how print, printf and histograms are written. */
KTAP_API void ktap_session_set_output(struct ktap_session *s,
			     enum ktap_output_format format);

/*
 * Load and verify bytecode.  @argv are the script's arguments: argv[0] the
 * script path, then its arguments, which become the global table `arg`.
 * Returns 0, or -1 with the reason in ktap_session_error().
 */
KTAP_API int ktap_session_load(struct ktap_session *s, const void *bc, size_t size,
		      int argc, const char *const *argv);

/*
 * Whether the loaded script refers to the global @name, e.g. "stack": a
 * host may then prepare what that needs (stacks recorded with events).
 */
KTAP_API int ktap_session_uses(const struct ktap_session *s, const char *name);

/* ---------------------------------------------------- table updates */

/*
 * Most tracing scripts do one thing at every event: `t[KEY] += N` or
 * `t[KEY] <<< VALUE`, keyed and fed by the event.  A host whose handlers
 * run on many CPUs at once (the kernel VM) may run such a handler without
 * the VM: each CPU evaluates it (ktap_update_eval) into partial results of
 * its own (ktap_update_part_add), which are merged into the table
 * (ktap_session_update_merge) before anything else of the session runs.
 * Sums and aggregations do not depend on the order of their values, so
 * the table ends as the VM would have left it.
 */
#define KTAP_AGG_BUCKETS	129	/* power-of-two buckets of an aggregation */

struct ktap_update_src {	/* where a key or value comes from */
	uint8_t kind;
	uint8_t var;
	const void *ref;
	int64_t num;
};

struct ktap_update {
	const void *handler;	/* the handler it was made from */
	int agg;		/* t[k] <<< v; else t[k] += N */
	uint32_t global;	/* t: a global */
	struct ktap_update_src key, val;
};

/* What the values of one key came to, on one CPU.  Zero it to start. */
struct ktap_update_part {
	int64_t count, sum, min, max;
	uint64_t log2[KTAP_AGG_BUCKETS];	/* aggregations only */
};

/*
 * Fill @u when the handler bound to probe @index is such an update (call
 * after the top level ran: that binds the handlers).  Returns 1 if so,
 * 0 if the VM must run it.
 */
KTAP_API int ktap_session_update(const struct ktap_session *s, uint32_t index,
				 struct ktap_update *u);

/*
 * Evaluate update @u of probe @index for event @ev, without the VM and
 * without touching the session: any number of CPUs may call it at once.
 * The probe's /filter/ first (unless @ev is prefiltered); then the key
 * (a number, or a string pointing into @ev) and the value.  Returns 1 (an
 * update), 0 (nothing to do: filtered out, the script exited), or -1 when
 * the VM must run this event after all (the handler was rebound, a value
 * is missing or of a type the VM would complain about).
 */
KTAP_API int ktap_update_eval(const struct ktap_session *s, uint32_t index,
			      const struct ktap_update *u,
			      const struct ktap_event *ev,
			      struct ktap_field *key, int64_t *value);

/* Add @value (from ktap_update_eval) to @part. */
KTAP_API void ktap_update_part_add(const struct ktap_update *u,
				   struct ktap_update_part *part, int64_t value);

/*
 * Merge @part, what update @u gathered for @key, into its table, as the
 * VM's += or <<< would.  Not concurrently with anything else in the
 * session.  Returns 0, or -1 with the error in ktap_session_error().
 */
KTAP_API int ktap_session_update_merge(struct ktap_session *s,
				       const struct ktap_update *u,
				       const struct ktap_field *key,
				       const struct ktap_update_part *part);

/* The probe manifest of the loaded script. */
KTAP_API uint32_t ktap_session_probe_count(const struct ktap_session *s);
KTAP_API const struct ktap_probe *ktap_session_probe(const struct ktap_session *s,
					    uint32_t index);

/* Run the script's top-level code.  Returns 0 or -1 (error). */
KTAP_API int ktap_session_run(struct ktap_session *s);

/*
 * Run the handler of probe @index for event @ev (NULL for timers).
 * A probe with a /filter/ first evaluates it on @ev's fields (the kernel's
 * event-filter syntax), unless @ev is prefiltered; an event it rejects
 * runs nothing.  Returns 0, or
 * -1 on a runtime error.  A probe whose handler was never bound (its
 * declaration did not run) is ignored.
 */
KTAP_API int ktap_session_fire(struct ktap_session *s, uint32_t index,
		      const struct ktap_event *ev);

/*
 * Whether probe @p declares event @system:@name (tracepoint id @id, or -1):
 * its EVENTDEFs are "sys:event" globs ('*', '?'), "id:N" for kdebug.
 * trace_by_id, and only the part before a blank counts (fetchargs).
 */
KTAP_API int ktap_probe_match(const struct ktap_probe *p, const char *system,
			      const char *name, int id);

/*
 * The recording's clock has reached @now (ns): fire every tick probe whose
 * period boundary (a multiple of its period) was crossed since the
 * previous call, once per boundary.  Offline hosts call it before each
 * event, so ticks follow event time and repeat identically.
 */
KTAP_API int ktap_session_time(struct ktap_session *s, uint64_t now);

/* Run every trace_end handler once, in declaration order. */
KTAP_API int ktap_session_end(struct ktap_session *s);

/* Non-zero once the script called exit(); @status gets its argument. */
KTAP_API int ktap_session_exited(const struct ktap_session *s, int *status);

/* The message of the last error, "" if none. */
KTAP_API const char *ktap_session_error(const struct ktap_session *s);

/* Write a readable listing of the loaded bytecode to the output. */
KTAP_API int ktap_session_list(struct ktap_session *s);

/* Bytes the session heap holds now and at most so far. */
KTAP_API uint64_t ktap_session_mem(const struct ktap_session *s, uint64_t *peak);

/* ------------------------------------------------------------- compiler */

/*
 * Compile script @src (@len bytes) named @chunkname into bytecode.
 * On success returns 0 and a malloc()ed buffer in *@out (free() it).
 * On error returns -1 and writes "chunk:line:col: message" into @err.
 * Userspace only (lang/).
 */
KTAP_API int ktap_compile(const char *chunkname, const char *src, size_t len,
		 void **out, size_t *outlen, char *err, size_t errlen);

#endif /* KTAP_KTAP_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perf_view.h - perf samples as ktap events.
 *
 * Shared by the two perf hosts: the script engine built into perf
 * (plugins/perf/trace-event-ktap.c, `perf script -s foo.kp`) and the
 * dlfilter for the distribution's perf (plugins/perf/dlfilter.c).  Each
 * hands every sample over as a struct perf_view_sample and answers a few
 * questions about it (its thread's command, its symbol, its callchain)
 * through struct perf_view_ops; the view does the rest the same way for
 * both:
 *
 * - tracepoint samples (perf.data records of PERF_TYPE_TRACEPOINT events)
 *   go through the libtraceevent view (tep_view) with the recording's own
 *   event format, so fields, argstr and filters are those of `ktap -i`;
 *   pid and tid are the sample's (process and thread), execname perf's
 *   command of that thread;
 * - every other sample (cpu-clock, hardware events, ...) is an event named
 *   "perf:NAME", with the fields ip, sym, symoff, dso, addr and period.
 *   NAME is what a generic event counts ("cpu-clock", "cycles", however
 *   the command line spelled it: cpu-clock:u, cpu-clock/period=1000/), or
 *   else perf's name of the event without its :modifiers;
 * - cpu-clock samples also fire the profile-N probes: on each CPU, the
 *   first cpu-clock sample in every N-long window of sample time;
 * - tick-N probes fire on sample time (ktap_session_time);
 * - stack() returns the sample's callchain, symbolized and folded
 *   outermost frame first ("main;work;spin"), and perf.keep() marks the
 *   sample as one to keep (what the dlfilter does with it: perf_view_kept).
 */
#ifndef KTAP_PERF_VIEW_H
#define KTAP_PERF_VIEW_H

#include <stdint.h>

#include <ktap/ktap.h>

struct tep_event;
struct perf_view;

/* Where an address is, as perf resolved it; NULL members: unknown. */
struct perf_view_sym {
	const char *sym;
	uint64_t off;		/* from the start of sym */
	const char *dso;
};

/* What the view asks the host about the current sample (@host). */
struct perf_view_ops {
	/* The command of the sample's thread; NULL if unknown. */
	const char *(*comm)(void *host);
	/* The symbol and object of the sample's ip. */
	void (*resolve_ip)(void *host, struct perf_view_sym *out);
	/*
	 * Walk the sample's callchain from the innermost frame out, calling
	 * @frame with each frame's symbol (NULL: unknown) until it returns
	 * non-zero.  Returns 0, or -1 if the sample has no callchain.
	 */
	int (*callchain)(void *host,
			 int (*frame)(void *arg, const char *sym), void *arg);
};

/* One sample (or, for perf_view_check, one event of the recording). */
struct perf_view_sample {
	const void *key;	/* the same for all samples of one event */
	const char *event;	/* perf's name: "sched:sched_switch", "cpu-clock" */
	uint32_t type;		/* perf_event_attr.type and .config */
	uint64_t config;
	struct tep_event *tp;	/* the format of a tracepoint, else NULL */
	uint64_t time;		/* ns */
	uint64_t ip;
	uint64_t addr;
	uint64_t period;
	int cpu;
	int pid;		/* process */
	int tid;		/* thread */
	const void *raw;	/* tracepoints: the record */
	uint32_t raw_size;
	void *host;		/* handed to the ops */
};

/*
 * A view for session @s, which must not be loaded yet: this adds the
 * functions stack() and perf.keep() to it.  NULL if out of memory.
 */
struct perf_view *perf_view_new(struct ktap_session *s,
				const struct perf_view_ops *ops);
void perf_view_free(struct perf_view *v);

/* Whether some probe of the (loaded) session runs for @smp's event. */
int perf_view_wanted(struct perf_view *v, const struct perf_view_sample *smp);

/*
 * Advance the session's clock to the sample's time (ticks), then run the
 * probes of @smp's event.  Returns 0, or -1 with the reason in
 * perf_view_error().
 */
int perf_view_fire(struct perf_view *v, const struct perf_view_sample *smp);

/* Why perf_view_fire() failed: the script's runtime error, or the view's. */
const char *perf_view_error(const struct perf_view *v);

/* Whether a handler of the last sample fired called perf.keep(). */
int perf_view_kept(const struct perf_view *v);

/* Tracepoint samples without a format (their event is unknown): skipped. */
unsigned long long perf_view_unknown(const struct perf_view *v);

/*
 * Before the first sample: call @warn with a message for each probe that
 * no event of @evs (@n of them; key and the event description only) can
 * fire -- usually a typo -- and for profile probes when there is no
 * cpu-clock event.
 */
void perf_view_check(struct perf_view *v, const struct perf_view_sample *evs,
		     int n, void (*warn)(void *arg, const char *msg),
		     void *arg);

/*
 * The name a script sees for @smp's event ("sys:event", "perf:cpu-clock")
 * into @buf; returns @buf.
 */
const char *perf_view_event_name(const struct perf_view_sample *smp,
				 char *buf, size_t size);

#endif /* KTAP_PERF_VIEW_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tep_view.h - the ktap event view over libtraceevent records.
 *
 * Shared by every host that reads events through libtraceevent: `ktap -i
 * trace.dat`, the trace-cmd plugin and the KernelShark plugin.  It maps
 * each event type once to the probes of a session that declare it, and
 * hands each record to the session as a struct ktap_event whose fields
 * are read straight from the record.
 */
#ifndef KTAP_TEP_VIEW_H
#define KTAP_TEP_VIEW_H

#include <event-parse.h>
#include <ktap/ktap.h>

struct tep_view;

/* A view of the events of @tep for session @s; NULL if out of memory. */
struct tep_view *tep_view_new(struct tep_handle *tep, struct ktap_session *s);
void tep_view_free(struct tep_view *v);

/*
 * Route @event to probe @probe as well, under the name @name (its
 * probename): for events the host made for a probe, such as a uprobe,
 * whose tracefs name is not what the script wrote.  Returns 0 or -1.
 */
int tep_view_bind(struct tep_view *v, struct tep_event *event, uint32_t probe,
		  const char *name);

/*
 * Whether field @f is text.  libtraceevent calls u8 arrays strings too;
 * only char arrays are text (an IPv4 address in a u8[4] is four numbers).
 */
int tep_view_is_text(const struct tep_format_field *f);

/* Whether some probe of the session declares @event. */
int tep_view_wanted(struct tep_view *v, struct tep_event *event);

/* What the records said about themselves, for the host to report. */
struct tep_view_stats {
	unsigned long long unknown;	/* records of no known event: damage */
	unsigned long long lost;	/* events the ring buffer dropped */
	int lost_unknown;		/* some drops were not counted */
};

void tep_view_stats(const struct tep_view *v, struct tep_view_stats *st);

/*
 * Run every probe declaring @rec's event (the host advances the session's
 * clock first: ktap_session_time).  Returns 0, or -1 with the reason in
 * ktap_session_error().
 */
int tep_view_fire(struct tep_view *v, struct tep_record *rec);

/*
 * What a host knows about a record's task better than the record does
 * (perf: the sample's pid and tid, and the command of perf's thread).
 */
struct tep_view_task {
	int pid;
	int tid;
	const char *comm;		/* NULL: comm_fn(arg), if a script asks */
	const char *(*comm_fn)(void *arg);
	void *arg;
	int prefiltered;		/* see struct ktap_event */
};

/* tep_view_fire(), with the task from @task instead of common_pid. */
int tep_view_fire_task(struct tep_view *v, struct tep_record *rec,
		       const struct tep_view_task *task);

#endif /* KTAP_TEP_VIEW_H */

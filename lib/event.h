/* SPDX-License-Identifier: GPL-2.0 */
/*
 * event.h - what a handler sees of the current event: the special
 * variables (arg0.., argstr, probename, pid, ...), $fields, and the event
 * object of the 0.1 API (e.name, e.tostring()).  All of it goes through
 * the host's struct ktap_event; with no event (top-level code, trace_end)
 * the task variables describe the host's current task.
 */
#ifndef KTAP_EVENT_H
#define KTAP_EVENT_H

#include "kp_state.h"

/* Event variable @which (enum kp_evvar) into @res. */
int ev_var(struct ktap_session *S, int which, struct kp_value *res);
/*
 * Event variable @which of @ev as a field, without the session (no
 * string is made): every one but argstr.  A missing argN is NONE (nil).
 * Returns 0, or -1 for argstr.
 */
int ev_var_field(const struct ktap_event *ev, int which, struct ktap_field *f);
/* Field $name of the current event into @res. */
int ev_field(struct ktap_session *S, const struct kp_str *name,
	     struct kp_value *res);
/* e.name, e.tostring of the event object. */
int ev_index(struct ktap_session *S, const struct kp_str *key,
	     struct kp_value *res);
/* Append the current event as ftrace prints it (argstr) to @b. */
int ev_format(struct ktap_session *S, struct kp_buf *b);

#endif /* KTAP_EVENT_H */

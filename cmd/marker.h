/* SPDX-License-Identifier: GPL-2.0 */
/*
 * marker.h - `ktap --ftrace`: the script's output also goes into the ftrace
 * ring buffer (trace_marker), so a recording made meanwhile (trace-cmd
 * record, perf record -e ftrace:print) carries it beside the events and
 * KernelShark shows it on the timeline.
 */
#ifndef KTAP_CMD_MARKER_H
#define KTAP_CMD_MARKER_H

#include <stddef.h>

struct marker;

/*
 * Open the trace marker of tracefs instance @instance (NULL or "": the
 * top level), mounting tracefs if needed.  NULL with errno on failure.
 */
struct marker *marker_open(const char *instance);
/* Write @buf as ftrace:print events, one per line. */
void marker_write(struct marker *m, const char *buf, size_t len);
void marker_close(struct marker *m);

#endif /* KTAP_CMD_MARKER_H */

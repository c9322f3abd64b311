/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perf_data.h - what the dlfilter reads from a perf.data file itself:
 * the recorded events (feature HEADER_EVENT_DESC) and the tracepoint
 * formats of the recording machine (feature HEADER_TRACING_DATA), parsed
 * with libtraceevent.  perf hands a dlfilter neither.
 */
#ifndef KTAP_PERF_DATA_H
#define KTAP_PERF_DATA_H

#include <stddef.h>
#include <stdint.h>

struct tep_handle;

struct pdata_event {
	char *name;		/* as perf names it: "sched:sched_switch" */
	uint32_t type;		/* perf_event_attr.type, .config */
	uint64_t config;
};

struct pdata {
	struct tep_handle *tep;	/* the formats; NULL if none recorded */
	struct pdata_event *events;
	int nevents;
	int pipe;		/* a pipe-mode file: no header features */
};

/*
 * Read @path.  Returns 0, or -1 with a message in @err.  A file without
 * tracing data (no tracepoint recorded) is not an error: pd->tep is NULL.
 */
int pdata_read(const char *path, struct pdata *pd, char *err, size_t errlen);

/*
 * Parse one event format (the text of tracefs' events/SYS/NAME/format)
 * into @tep; returns 0 or -1.
 */
int pdata_parse_format(struct tep_handle *tep, const char *sys,
		       const char *buf, size_t len);

void pdata_free(struct pdata *pd);

#endif /* KTAP_PERF_DATA_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * minimal.c - the event sources of a minimal ktap (make MINIMAL=1, which
 * `make cross` builds for other architectures): linked instead of
 * live.c, tracedat.c, marker.c and record.c, so the command needs neither
 * libtraceevent, libtracefs, libtracecmd nor libelf.  Such a ktap
 * compiles (-c), runs bytecode and scripts without events (--no-events,
 * trace_end), and runs them in the kernel VM (/dev/ktap) with their
 * tracepoint and timer probes (kevents_tracefs.c); what needs the
 * libraries says so and fails: tracing from userspace, -i, --ftrace,
 * record, -l.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "live.h"
#include "marker.h"
#include "probes.h"
#include "record.h"
#include "tracedat.h"

#define WITHOUT	"which this minimal ktap is built without (make MINIMAL=1, make cross)"

static int lacking_libs(char *err, size_t errlen, const char *what,
			const char *libs)
{
	snprintf(err, errlen, "%s needs %s, " WITHOUT, what, libs);
	return -1;
}

static int lacking(char *err, size_t errlen, const char *what)
{
	return lacking_libs(err, errlen, what, "libtraceevent and libtracefs");
}

/* No stack(), ustack(): their built-ins say so in this host. */
int live_prepare(struct ktap_session *s)
{
	return 0;
}

struct live *live_open(struct ktap_session *s, const struct live_options *o,
		       struct user_platform *up, char *err, size_t errlen)
{
	size_t n;

	lacking(err, errlen, "tracing the running system from userspace");
	n = strlen(err);
	snprintf(err + n, errlen - n, "; with ktapvm.ko loaded the probes run in the kernel VM, and --no-events runs the script without them");
	return NULL;
}

int live_dry_run(struct ktap_session *s, const struct live_options *o,
		 FILE *out, char *err, size_t errlen)
{
	return lacking(err, errlen, "resolving the events of a dry run");
}

/* Never reached (live_open() opens nothing): the link needs it. */
int live_run(struct live *l, char *err, size_t errlen)
{
	lacking(err, errlen, "tracing the running system");
	return -2;
}

void live_close(struct live *l)
{
}

int tracedat_run(struct ktap_session *s, const char *path, char *err,
		 size_t errlen)
{
	/* -2: the source's own error, not the script's (ktap.c) */
	lacking_libs(err, errlen, "reading a trace-cmd recording (-i)",
		     "libtracecmd and libtraceevent");
	return -2;
}

struct marker *marker_open(const char *instance)
{
	fprintf(stderr, "ktap: --ftrace needs libtracefs, " WITHOUT "\n");
	errno = ENOTSUP;
	return NULL;
}

void marker_write(struct marker *m, const char *buf, size_t len)
{
}

void marker_close(struct marker *m)
{
}

int probes_list(int what, const char *arg, FILE *out, char *err,
		size_t errlen)
{
	return lacking(err, errlen, "listing events (-le, -lf, -lm)");
}

int record_run(struct ktap_session *s, const char *output, char *const *cmd,
	       char *err, size_t errlen)
{
	return lacking_libs(err, errlen, "ktap record",
			    "libtracefs and trace-cmd");
}

int record_perf_args(struct ktap_session *s, FILE *out, char *err,
		     size_t errlen)
{
	return lacking(err, errlen, "--perf-record-args");
}

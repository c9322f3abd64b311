/* SPDX-License-Identifier: GPL-2.0 */
/*
 * record.h - recordings made for a script: `ktap record` drives trace-cmd
 * with exactly the events the script's probes need, and
 * `ktap --perf-record-args` prints them for perf record.  The script then
 * runs over the recording (ktap -i, the trace-cmd plugin, perf script).
 */
#ifndef KTAP_CMD_RECORD_H
#define KTAP_CMD_RECORD_H

#include <stdio.h>

#include <ktap/ktap.h>

/*
 * Make the dynamic probes of @s, run `trace-cmd record -o @output -e ...`
 * (with @cmd as the traced command if not NULL), then remove the probes.
 * Returns trace-cmd's exit status, or -1 with the reason in @err.
 */
int record_run(struct ktap_session *s, const char *output, char *const *cmd,
	       char *err, size_t errlen);

/*
 * Print on @out the perf record options that record what @s needs, and
 * on stderr how to make the probes perf needs made first.  Returns 0, or
 * -1 with the reason in @err.
 */
int record_perf_args(struct ktap_session *s, FILE *out, char *err,
		     size_t errlen);

#endif /* KTAP_CMD_RECORD_H */

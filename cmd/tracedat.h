/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracedat.h - `ktap -i trace.dat`: a trace-cmd recording as event source.
 */
#ifndef KTAP_CMD_TRACEDAT_H
#define KTAP_CMD_TRACEDAT_H

#include <ktap/ktap.h>

/*
 * Feed every record of @path (all CPUs, all buffers, in timestamp order)
 * to the probes of @s.  Returns 0; -1 after a runtime error (the session
 * says why); -2 when the file cannot be read (@err says why).
 */
int tracedat_run(struct ktap_session *s, const char *path, char *err,
		 size_t errlen);

#endif /* KTAP_CMD_TRACEDAT_H */

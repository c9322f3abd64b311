/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktap_trace.h - the module's own trace events: the output of the scripts
 * that ask for it (`ktap --ftrace`), one event per line, so recordings
 * (trace-cmd record -e ktap, perf record -e ktap:print) and KernelShark
 * carry it beside the kernel's events.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ktap

#if !defined(KTAP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define KTAP_TRACE_H

#include <linux/tracepoint.h>

/*
 * One line a script printed (without its newline).  @session is the
 * process of the ktap command that runs the script, to tell sessions
 * apart: `-e ktap:print -f 'session == PID'`.
 */
TRACE_EVENT(print,
	TP_PROTO(u32 session, const char *text, u32 len),
	TP_ARGS(session, text, len),
	TP_STRUCT__entry(
		__field(u32, session)
		__string_len(text, text, len)
	),
	TP_fast_assign(
		__entry->session = session;
		__assign_str_len(text, text, len);
	),
	TP_printk("%s", __get_str(text))
);

#endif /* KTAP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE ktap_trace
#include <trace/define_trace.h>

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dynmatch.h - recorded events of dynamic probes, by what a script wrote.
 *
 * A recording made with `ktap record` holds a kprobe, uprobe or USDT
 * probe as ktap_PID:SYMBOL (ktap's group of that run); one made with
 * perf probe as probe:SYMBOL, probe_BINARY:SYMBOL or sdt_PROVIDER:NAME.
 * The script says probe:SYMBOL, probe:/path:SYMBOL or sdt:/path:NAME, so
 * the hosts reading recordings route those events to it by name.
 */
#ifndef KTAP_HOST_DYNMATCH_H
#define KTAP_HOST_DYNMATCH_H

/*
 * Whether recorded event @system:@event belongs to dynamic EVENTDEF @def
 * ("probe:sym[%return] [args]", "probe:/path:sym[%return]",
 * "sdt:/path:[provider:]name"; globs allowed).  0 for any other EVENTDEF.
 */
int dynmatch(const char *def, const char *system, const char *event);

#endif /* KTAP_HOST_DYNMATCH_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fmt.h - text formatting without libc: numbers, the runtime's own error
 * messages, and the script's printf.
 */
#ifndef KTAP_FMT_H
#define KTAP_FMT_H

#include "kp_state.h"

/* Decimal text of @n into @buf (at least 21 bytes); returns the length. */
int fmt_int(char *buf, int64_t n);
/* "table 0x..." for reference values; @buf at least 40 bytes. */
int fmt_ptr(char *buf, const char *type, const void *p);
/*
 * A small vsnprintf for messages: %s %d %u %x %c %% with the l, ll and z
 * modifiers.  Always NUL-terminates; returns the length written.
 */
int fmt_vformat(char *buf, size_t size, const char *fmt, kp_va_list ap);
int fmt_format(char *buf, size_t size, const char *fmt, ...) KP_PRINTF(3, 4);
/*
 * The script's printf: append @fmt (@len bytes) formatted with @args to
 * @b.  Returns 0, or -1 after kp_error().
 */
int fmt_printf(struct ktap_session *S, struct kp_buf *b, const char *fmt,
	       size_t len, const struct kp_value *args, int nargs);

#endif /* KTAP_FMT_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * out.h - script output, as text or as JSON lines (-f json).  Output is
 * collected in the session's buffer and handed to the platform's write
 * hook when it grows and when an invocation ends.
 */
#ifndef KTAP_OUT_H
#define KTAP_OUT_H

#include "kp_state.h"

/* print(a, b, ...) */
int out_print(struct ktap_session *S, const struct kp_value *args, int n);
/* Text produced by printf and the ansi functions. */
int out_text(struct ktap_session *S, const char *s, size_t len);
/* A JSON value for @v: numbers, strings, booleans, null, else its text. */
int out_json_value(struct ktap_session *S, struct kp_buf *b,
		   const struct kp_value *v);
/* Hand buffered output to the host once there is enough of it. */
void out_maybe_flush(struct ktap_session *S);

#endif /* KTAP_OUT_H */

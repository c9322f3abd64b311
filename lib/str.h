/* SPDX-License-Identifier: GPL-2.0 */
/*
 * str.h - interned strings.  Every string exists once per session, so
 * equality is pointer equality and table lookups never compare bytes.
 */
#ifndef KTAP_STR_H
#define KTAP_STR_H

#include "kp_state.h"

/* Longest string a script may build. */
#define KP_MAX_STRLEN	(64U << 20)

/* The hash every string of this session has, from its bytes alone. */
uint32_t str_hash(const char *s, size_t len);
/* The interned string with these bytes; NULL (and an error) on failure. */
struct kp_str *str_new(struct ktap_session *S, const char *s, size_t len);
struct kp_str *str_newz(struct ktap_session *S, const char *s);
/* Remove a dead string from the intern table (the collector's sweep). */
void str_unlink(struct ktap_session *S, struct kp_str *ts);
void str_free_table(struct ktap_session *S);

#endif /* KTAP_STR_H */

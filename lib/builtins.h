/* SPDX-License-Identifier: GPL-2.0 */
/*
 * builtins.h - the built-in library.
 */
#ifndef KTAP_BUILTINS_H
#define KTAP_BUILTINS_H

#include "kp_state.h"

/* Most buckets a linear histogram may have (print_lhist). */
#define KP_LHIST_MAX_BUCKETS	10000

/* Give every global named like a built-in its built-in value. */
int lib_bind_globals(struct ktap_session *S);
/* Release the functions the host added. */
void lib_free_functions(struct ktap_session *S);
/* Fill @ls from print_lhist bounds; -1 if they make no histogram. */
int lib_lspec_init(struct kp_lspec *ls, int64_t lo, int64_t hi, int64_t step);

#endif /* KTAP_BUILTINS_H */

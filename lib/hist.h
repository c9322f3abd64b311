/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hist.h - histograms of tables and aggregations.
 */
#ifndef KTAP_HIST_H
#define KTAP_HIST_H

#include "kp_state.h"

/* Rows shown by print_hist(t) without a count: a screenful. */
#define HIST_DEFAULT_TOP	20

/*
 * print_hist(@v) (@ls NULL) or print_lhist(@v, ...) (@ls its bounds);
 * @top limits the rows of a table (-1: all).
 */
int hist_print(struct ktap_session *S, const struct kp_value *v,
	       const struct kp_lspec *ls, int64_t top);

#endif /* KTAP_HIST_H */

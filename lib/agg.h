/* SPDX-License-Identifier: GPL-2.0 */
/*
 * agg.h - aggregations: the statistics behind `t[k] <<< v` (count, sum,
 * min, max, a power-of-two histogram, and a linear one when the script
 * prints it with print_lhist).
 */
#ifndef KTAP_AGG_H
#define KTAP_AGG_H

#include "kp_state.h"

struct kp_agg *agg_new(struct ktap_session *S, const struct kp_lspec *spec);
/*
 * Add @val to the aggregation in @slot.  An aggregation keeps the linear
 * spec it was created with (agg_new), so every value lands in it.
 */
int agg_add(struct ktap_session *S, struct kp_value *slot,
	    const struct kp_value *val);
/* What agg_add() does to an aggregation, done to a partial result. */
void agg_part_add(struct ktap_update_part *p, int64_t v);
/* Merge partial result @p into the aggregation in @slot. */
int agg_merge(struct ktap_session *S, struct kp_value *slot,
	      const struct ktap_update_part *p);
/* Smallest value of power-of-two bucket @i. */
int64_t agg_log2_value(int i);
int64_t agg_avg(const struct kp_agg *a);
int agg_tostring(struct ktap_session *S, struct kp_buf *b,
		 const struct kp_agg *a);

#endif /* KTAP_AGG_H */

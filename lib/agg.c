// SPDX-License-Identifier: GPL-2.0
/*
 * agg.c - aggregations.
 *
 * Power-of-two buckets are DTrace's quantize(): bucket KP_AGG_LOG2 holds 0,
 * the ones above it [1,2), [2,4), ... and the ones below it the negative
 * values mirrored.  Counters are allocated on the first value so an
 * aggregation read only through count()/sum() stays small.
 */
#include "agg.h"
#include "fmt.h"

struct kp_agg *agg_new(struct ktap_session *S, const struct kp_lspec *spec)
{
	struct kp_agg *a = (struct kp_agg *)gc_new(S, KT_AGG, sizeof(*a));

	if (!a)
		return NULL;
	a->count = 0;
	a->sum = 0;
	a->min = INT64_MAX;
	a->max = INT64_MIN;
	a->lspec = spec;
	a->log2 = NULL;
	a->linear = NULL;
	return a;
}

static int ilog2(uint64_t v)
{
	return 63 - __builtin_clzll(v);
}

static int agg_log2_bucket(int64_t v)
{
	if (v > 0)
		return KP_AGG_LOG2 + 1 + ilog2((uint64_t)v);
	if (v < 0)
		return KP_AGG_LOG2 - 1 - ilog2(0 - (uint64_t)v);
	return KP_AGG_LOG2;
}

int64_t agg_log2_value(int i)
{
	if (i > KP_AGG_LOG2)
		return (int64_t)(1ULL << (i - KP_AGG_LOG2 - 1));
	if (i < KP_AGG_LOG2)
		return (int64_t)(0 - (1ULL << (KP_AGG_LOG2 - 1 - i)));
	return 0;
}

static uint32_t agg_linear_bucket(const struct kp_lspec *ls, int64_t v)
{
	if (v < ls->lo)
		return 0;
	if (v >= ls->hi)
		return ls->nbuckets - 1;
	return 1 + (uint32_t)(((uint64_t)v - (uint64_t)ls->lo) /
			      (uint64_t)ls->step);
}

/* The aggregation stays reachable through the caller's slot meanwhile. */
static uint64_t *counters(struct ktap_session *S, uint32_t n)
{
	uint64_t *c = kp_malloc(S, n * sizeof(*c));

	if (c)
		kp_memset(c, 0, n * sizeof(*c));
	return c;
}

/* The aggregation in @slot, its counters allocated; NULL on error. */
static struct kp_agg *agg_of(struct ktap_session *S, struct kp_value *slot)
{
	struct kp_agg *a;

	if (slot->type != KT_AGG) {
		kp_error(S, "'<<<' on a %s value (an aggregation or nil expected)",
			 kp_typename(slot));
		return NULL;
	}
	a = slot->u.a;
	if (!a->log2) {
		a->log2 = counters(S, KP_AGG_NBUCKETS);
		if (!a->log2)
			return NULL;
	}
	if (a->lspec && !a->linear) {
		a->linear = counters(S, a->lspec->nbuckets);
		if (!a->linear)
			return NULL;
	}
	return a;
}

int agg_add(struct ktap_session *S, struct kp_value *slot,
	    const struct kp_value *val)
{
	struct kp_agg *a;
	int64_t v;

	if (slot->type == KT_AGG && !is_num(val))
		return kp_error(S, "'<<<' needs a number, got a %s value",
				kp_typename(val));
	a = agg_of(S, slot);
	if (!a)
		return -1;
	v = val->u.n;
	a->count++;
	a->sum = kp_add(a->sum, v);
	if (v < a->min)
		a->min = v;
	if (v > a->max)
		a->max = v;
	a->log2[agg_log2_bucket(v)]++;
	if (a->linear)
		a->linear[agg_linear_bucket(a->lspec, v)]++;
	return 0;
}

void agg_part_add(struct ktap_update_part *p, int64_t v)
{
	if (!p->count || v < p->min)
		p->min = v;
	if (!p->count || v > p->max)
		p->max = v;
	p->count++;
	p->sum = kp_add(p->sum, v);
	p->log2[agg_log2_bucket(v)]++;
}

int agg_merge(struct ktap_session *S, struct kp_value *slot,
	      const struct ktap_update_part *p)
{
	struct kp_agg *a = agg_of(S, slot);
	int i;

	if (!a)
		return -1;
	/* partial results have power-of-two buckets only */
	if (a->lspec)
		return kp_error(S, "'<<<' of a handler run on every CPU into an aggregation with linear buckets (made elsewhere with a spec): run it with --user");
	if (!p->count)
		return 0;
	a->count += p->count;
	a->sum = kp_add(a->sum, p->sum);
	if (p->min < a->min)
		a->min = p->min;
	if (p->max > a->max)
		a->max = p->max;
	for (i = 0; i < KP_AGG_NBUCKETS; i++)
		a->log2[i] += p->log2[i];
	return 0;
}

int64_t agg_avg(const struct kp_agg *a)
{
	return a->count ? a->sum / a->count : 0;
}

int agg_tostring(struct ktap_session *S, struct kp_buf *b,
		 const struct kp_agg *a)
{
	char tmp[160];
	int n;

	n = fmt_format(tmp, sizeof(tmp), "count=%lld sum=%lld min=%lld max=%lld avg=%lld",
		       (long long)a->count, (long long)a->sum,
		       (long long)(a->count ? a->min : 0),
		       (long long)(a->count ? a->max : 0),
		       (long long)agg_avg(a));
	return buf_add(S, b, tmp, (size_t)n);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * hist.c - print_hist and print_lhist: DTrace-style text histograms, or
 * one JSON object per histogram with -f json.
 *
 *	                          value ------------- Distribution ------------- count
 *	                        openat |@@@@@@@@@@@@@@@@@@@@                     12
 *
 * A table of numbers is shown sorted by value, largest first (ties by key,
 * so the output never depends on hash order); an aggregation as its
 * power-of-two or linear buckets.
 */
#include "hist.h"
#include "agg.h"
#include "fmt.h"
#include "out.h"
#include "tab.h"
#include "vm.h"

#define KEY_COLS	31
#define BAR_COLS	40
#define DIST_STR	"------------- Distribution -------------"

struct entry {
	struct kp_value key;
	struct kp_value val;
	int64_t n;		/* the number the row shows */
};

#define lit(S, b, s)	buf_add(S, b, s, sizeof(s) - 1)

static int key_cmp(const struct kp_value *a, const struct kp_value *b)
{
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	switch (a->type) {
	case KT_NUM:
		return a->u.n < b->u.n ? -1 : a->u.n > b->u.n;
	case KT_STR:
		return vm_strcmp(a->u.s, b->u.s);
	case KT_BOOL:
		return a->u.b - b->u.b;
	default:
		return 0;
	}
}

/* Row order: numbers before aggregations, larger first, then by key. */
static int entry_before(const struct entry *a, const struct entry *b)
{
	if ((a->val.type == KT_AGG) != (b->val.type == KT_AGG))
		return b->val.type == KT_AGG;
	if (a->n != b->n)
		return a->n > b->n;
	return key_cmp(&a->key, &b->key) < 0;
}

static void sift_down(struct entry *e, size_t i, size_t n)
{
	for (;;) {
		size_t c = 2 * i + 1;
		struct entry t;

		if (c >= n)
			return;
		/* a max-heap on "comes after" puts the first row at the end */
		if (c + 1 < n && entry_before(&e[c], &e[c + 1]))
			c++;
		if (!entry_before(&e[i], &e[c]))
			return;
		t = e[i];
		e[i] = e[c];
		e[c] = t;
		i = c;
	}
}

/* Heapsort: no recursion, no extra memory. */
static void sort_entries(struct entry *e, size_t n)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		sift_down(e, i, n);
	for (i = n; i-- > 1;) {
		struct entry t = e[0];

		e[0] = e[i];
		e[i] = t;
		sift_down(e, 0, i);
	}
}

/* The key column: right-aligned in 31 columns, long keys cut with "...". */
static int put_key(struct ktap_session *S, struct kp_buf *b, const char *s,
		   size_t len)
{
	char pad[KEY_COLS];

	if (len > KEY_COLS) {
		return buf_add(S, b, s, KEY_COLS - 3) || lit(S, b, "...");
	}
	kp_memset(pad, ' ', sizeof(pad));
	return buf_add(S, b, pad, KEY_COLS - len) || buf_add(S, b, s, len);
}

static int put_header(struct ktap_session *S, struct kp_buf *b)
{
	return put_key(S, b, "value ", 6) || lit(S, b, DIST_STR " count\n");
}

static int put_row(struct ktap_session *S, struct kp_buf *b, const char *key,
		   size_t klen, int64_t n, int64_t total)
{
	char bar[BAR_COLS], num[24];
	int64_t at;
	int len;

	if (total <= 0 || n <= 0)
		at = 0;
	else if (n >= total)
		at = BAR_COLS;
	else if (n <= INT64_MAX / BAR_COLS)
		at = n * BAR_COLS / total;
	else
		at = n / (total / BAR_COLS);	/* beyond 2^57 events: close enough */
	kp_memset(bar, ' ', sizeof(bar));
	kp_memset(bar, '@', (size_t)at);
	len = fmt_int(num, n);
	return put_key(S, b, key, klen) || lit(S, b, " |") ||
	       buf_add(S, b, bar, sizeof(bar)) || lit(S, b, " ") ||
	       buf_add(S, b, num, (size_t)len) || lit(S, b, "\n");
}

/* ------------------------------------------------------- bucket views */

/* The buckets of one aggregation, power-of-two or linear. */
struct buckets {
	const uint64_t *c;
	uint32_t n;
	const struct kp_lspec *ls;	/* NULL: power-of-two */
};

/*
 * Bucket @i holds [*lo, *hi); has_lo/has_hi say whether each bound exists.
 * A negative power-of-two bucket holds the magnitudes [2^k, 2^(k+1)), so
 * the -2 bucket holds -3 and -2.
 */
static void bucket_range(const struct buckets *bk, uint32_t i, int *has_lo,
			 int64_t *lo, int *has_hi, int64_t *hi)
{
	const struct kp_lspec *ls = bk->ls;
	int k;

	*has_lo = *has_hi = 1;
	if (ls) {
		*has_lo = i > 0;
		*lo = kp_add(ls->lo, kp_mul((int64_t)i - 1, ls->step));
		*has_hi = i + 1 < bk->n;
		*hi = kp_add(ls->lo, kp_mul((int64_t)i, ls->step));
		return;
	}
	if (i >= KP_AGG_LOG2) {
		*lo = agg_log2_value((int)i);
		*has_hi = i + 1 < KP_AGG_NBUCKETS;
		*hi = agg_log2_value((int)i + 1);
		return;
	}
	k = KP_AGG_LOG2 - 1 - (int)i;
	*lo = k == 63 ? INT64_MIN : kp_add(kp_neg((int64_t)(2ULL << k)), 1);
	*hi = kp_add(kp_neg((int64_t)(1ULL << k)), 1);
}

/* The row label: the value DTrace shows, or "< lo" / ">= hi". */
static int bucket_label(const struct buckets *bk, uint32_t i, char *buf,
			size_t size)
{
	if (!bk->ls)
		return fmt_int(buf, agg_log2_value((int)i));
	if (i == 0)
		return fmt_format(buf, size, "< %lld", (long long)bk->ls->lo);
	if (i + 1 == bk->n)
		return fmt_format(buf, size, ">= %lld", (long long)bk->ls->hi);
	return fmt_int(buf, kp_add(bk->ls->lo, kp_mul((int64_t)i - 1,
						      bk->ls->step)));
}

static int print_buckets_text(struct ktap_session *S, struct kp_buf *b,
			      const struct buckets *bk)
{
	uint32_t first = bk->n, last = 0, i;
	int64_t total = 0;
	char label[40];

	for (i = 0; i < bk->n; i++) {
		if (!bk->c[i])
			continue;
		if (first == bk->n)
			first = i;
		last = i;
		total += (int64_t)bk->c[i];
	}
	if (put_header(S, b))
		return -1;
	if (first == bk->n)
		return 0;
	/* one empty bucket on each side frames the distribution */
	if (first > 0)
		first--;
	if (last + 1 < bk->n)
		last++;
	for (i = first; i <= last; i++) {
		int n;

		n = bucket_label(bk, i, label, sizeof(label));
		if (put_row(S, b, label, (size_t)n, (int64_t)bk->c[i], total))
			return -1;
	}
	return 0;
}

static int put_json_bound(struct ktap_session *S, struct kp_buf *b, int has,
			  int64_t v)
{
	char num[24];

	if (!has)
		return lit(S, b, "null");
	return buf_add(S, b, num, (size_t)fmt_int(num, v));
}

static int print_buckets_json(struct ktap_session *S, struct kp_buf *b,
			      const struct buckets *bk)
{
	uint32_t i;
	int first = 1;

	if (lit(S, b, "\"buckets\":["))
		return -1;
	for (i = 0; i < bk->n; i++) {
		char num[24];
		int64_t lo, hi;
		int has_lo, has_hi;

		if (!bk->c[i])
			continue;
		bucket_range(bk, i, &has_lo, &lo, &has_hi, &hi);
		if ((!first && lit(S, b, ",")) || lit(S, b, "{\"lo\":") ||
		    put_json_bound(S, b, has_lo, lo) || lit(S, b, ",\"hi\":") ||
		    put_json_bound(S, b, has_hi, hi) ||
		    lit(S, b, ",\"count\":") ||
		    buf_add(S, b, num, (size_t)fmt_int(num, (int64_t)bk->c[i])) ||
		    lit(S, b, "}"))
			return -1;
		first = 0;
	}
	return lit(S, b, "]");
}

static const uint64_t no_counts[KP_AGG_NBUCKETS];

static int agg_buckets(struct ktap_session *S, const struct kp_agg *a,
		       const struct kp_lspec *ls, struct buckets *bk)
{
	if (!ls) {
		bk->c = a->log2 ? a->log2 : no_counts;
		bk->n = KP_AGG_NBUCKETS;
		bk->ls = NULL;
		return 0;
	}
	if (!a->lspec || a->lspec->lo != ls->lo || a->lspec->hi != ls->hi ||
	    a->lspec->step != ls->step)
		return kp_error(S, "print_lhist: this aggregation has no linear histogram %lld..%lld step %lld (print_lhist must name a global aggregation with constant bounds)",
				(long long)ls->lo, (long long)ls->hi,
				(long long)ls->step);
	/* counters exist from the first value on */
	bk->c = a->linear ? a->linear : no_counts;
	bk->n = a->linear ? ls->nbuckets : 0;
	bk->ls = ls;
	return 0;
}

/* One aggregation's histogram; @key labels it inside a table. */
static int print_agg(struct ktap_session *S, const struct kp_agg *a,
		     const struct kp_lspec *ls, const struct kp_value *key)
{
	struct kp_buf *b = &S->out;
	struct buckets bk = { 0 };

	if (agg_buckets(S, a, ls, &bk))
		return -1;
	if (S->json) {
		if (lit(S, b, "{\"type\":\"hist\",") ||
		    (key && (lit(S, b, "\"key\":") ||
			     out_json_value(S, b, key) || lit(S, b, ","))) ||
		    print_buckets_json(S, b, &bk) || lit(S, b, "}\n"))
			return -1;
		return 0;
	}
	if (key && (lit(S, b, "  ") || vm_tostring(S, b, key) ||
		    lit(S, b, "\n")))
		return -1;
	return print_buckets_text(S, b, &bk);
}

/* ------------------------------------------------------- table rows */

static int table_rows(struct ktap_session *S, const struct kp_tab *t,
		      struct entry **out, size_t *count)
{
	struct entry *e;
	struct kp_value k, v;
	uint64_t pos = 0;
	size_t n = 0;

	*out = NULL;
	*count = 0;
	if (!t->count)
		return 0;
	e = kp_malloc(S, t->count * sizeof(*e));
	if (!e)
		return -1;
	while (n < t->count && tab_next(t, &pos, &k, &v)) {
		if (v.type == KT_NUM)
			e[n].n = v.u.n;
		else if (v.type == KT_AGG)
			e[n].n = v.u.a->count;
		else
			continue;
		e[n].key = k;
		e[n].val = v;
		n++;
	}
	sort_entries(e, n);
	*out = e;
	*count = n;
	return 0;
}

/* The rows of a table of numbers: header, bars, "..." when cut. */
static int print_number_rows(struct ktap_session *S, const struct entry *e,
			     size_t n, size_t shown)
{
	struct kp_buf *b = &S->out, tmp = { 0 };
	int64_t total = 0;
	size_t i;
	int r;

	if (S->json) {
		r = lit(S, b, "{\"type\":\"hist\",\"rows\":[");
		for (i = 0; !r && i < shown; i++) {
			r = (i && lit(S, b, ",")) || lit(S, b, "{\"key\":") ||
			    out_json_value(S, b, &e[i].key) ||
			    lit(S, b, ",\"value\":") ||
			    vm_tostring(S, b, &e[i].val) || lit(S, b, "}");
		}
		return r || lit(S, b, "]}\n");
	}
	/* negative values have no bar and take no share */
	for (i = 0; i < n; i++)
		if (e[i].n > 0)
			total = kp_add(total, e[i].n);
	r = put_header(S, b);
	for (i = 0; !r && i < shown; i++) {
		tmp.len = 0;
		r = vm_tostring(S, &tmp, &e[i].key) ||
		    put_row(S, b, tmp.p, tmp.len, e[i].n, total);
	}
	if (!r && shown < n)
		r = put_key(S, b, "...", 3) || lit(S, b, " |\n");
	buf_free(S, &tmp);
	return r;
}

/*
 * A table: its number values as one histogram, then each aggregation's
 * own histogram under its key; @top rows of each at most.
 */
static int print_table(struct ktap_session *S, const struct kp_tab *t,
		       const struct kp_lspec *ls, int64_t top)
{
	struct entry *e;
	size_t n, nnum, i;
	int r = 0;

	if (table_rows(S, t, &e, &n))
		return -1;
	for (nnum = 0; nnum < n && e[nnum].val.type != KT_AGG; nnum++)
		;
	if (nnum || !n)
		r = print_number_rows(S, e, nnum,
				      top >= 0 && (uint64_t)top < nnum ?
				      (size_t)top : nnum);
	for (i = nnum; !r && i < n && (top < 0 || i - nnum < (uint64_t)top);
	     i++)
		r = print_agg(S, e[i].val.u.a, ls, &e[i].key) ||
		    (!S->json && lit(S, &S->out, "\n"));
	if (e)
		kp_free(S, e, t->count * sizeof(*e));
	out_maybe_flush(S);
	return r ? -1 : 0;
}

int hist_print(struct ktap_session *S, const struct kp_value *v,
	       const struct kp_lspec *ls, int64_t top)
{
	int r;

	if (v->type == KT_TAB)
		return print_table(S, v->u.t, ls, top);
	if (v->type == KT_AGG) {
		r = print_agg(S, v->u.a, ls, NULL);
		out_maybe_flush(S);
		return r;
	}
	return kp_error(S, "%s: a table or an aggregation expected, got a %s value",
			ls ? "print_lhist" : "print_hist", kp_typename(v));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * test_tab.c - tables (lib/tab.h) and string interning (lib/str.h),
 * called directly.  No script is loaded, so the collector never runs and
 * the objects made here stay alive until ktap_session_free().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kp_state.h"
#include "str.h"
#include "tab.h"

static struct counting mem;
static struct ktap_session *S;

static void num(struct kp_value *v, int64_t n)
{
	set_num(v, n);
}

static struct kp_str *str(const char *fmt, long n)
{
	char buf[64];
	struct kp_str *s;

	snprintf(buf, sizeof(buf), fmt, n);
	s = str_newz(S, buf);
	if (!s) {
		printf("not ok tab/harness: str_newz failed: %s\n",
		       ktap_session_error(S));
		exit(1);
	}
	return s;
}

static int64_t getint(const struct kp_tab *t, int64_t k, int *is_nil_out)
{
	const struct kp_value *v = tab_getint(t, k);

	*is_nil_out = is_nil(v);
	return is_num(v) ? v->u.n : -999999;
}

/* ---------------------------------------------------------------- keys */

static void test_int_keys(void)
{
	struct kp_tab *t = tab_new(S, 0, 0);
	struct kp_value v;
	int64_t i, bad = 0;
	int nil;

	for (i = 1; i <= 20000; i++) {
		num(&v, i * 2);
		if (tab_setint(S, t, i, &v))
			bad++;
	}
	for (i = 1; i <= 20000; i++)
		if (getint(t, i, &nil) != i * 2)
			bad++;
	check(!bad && t->count == 20000, "tab/int-keys-dense",
	      "%lld wrong values, count %llu", (long long)bad,
	      (unsigned long long)t->count);
	check(t->asize >= 20000, "tab/int-keys-array-part",
	      "sequential keys went to the hash part (array size %u)",
	      t->asize);

	/* sparse, negative and extreme keys live in the hash part */
	for (i = 1; i <= 5000; i++) {
		num(&v, i);
		if (tab_setint(S, t, 1000000 + i * 7919, &v) ||
		    tab_setint(S, t, -i, &v))
			bad++;
	}
	num(&v, 1);
	bad += tab_setint(S, t, INT64_MIN, &v) != 0;
	num(&v, 2);
	bad += tab_setint(S, t, INT64_MAX, &v) != 0;
	num(&v, 3);
	bad += tab_setint(S, t, 0, &v) != 0;
	for (i = 1; i <= 5000; i++) {
		if (getint(t, 1000000 + i * 7919, &nil) != i ||
		    getint(t, -i, &nil) != i)
			bad++;
	}
	bad += getint(t, INT64_MIN, &nil) != 1;
	bad += getint(t, INT64_MAX, &nil) != 2;
	bad += getint(t, 0, &nil) != 3;
	check(!bad && t->count == 30003, "tab/int-keys-sparse",
	      "%lld wrong values, count %llu", (long long)bad,
	      (unsigned long long)t->count);

	getint(t, 20001, &nil);
	bad = !nil;
	getint(t, -5001, &nil);
	bad += !nil;
	getint(t, 1000000 + 7918, &nil);
	bad += !nil;
	check(!bad, "tab/int-keys-missing", "%lld absent keys are found",
	      (long long)bad);
}

static void test_str_keys(void)
{
	struct kp_tab *t = tab_new(S, 0, 0);
	struct kp_value v;
	long i, bad = 0;

	for (i = 0; i < 10000; i++) {
		num(&v, i);
		if (tab_setstr(S, t, str("key%ld", i), &v))
			bad++;
	}
	for (i = 0; i < 10000; i++) {
		const struct kp_value *r = tab_getstr(t, str("key%ld", i));

		if (!is_num(r) || r->u.n != i)
			bad++;
	}
	check(!bad && t->count == 10000, "tab/string-keys",
	      "%ld wrong values, count %llu", bad,
	      (unsigned long long)t->count);
	check(is_nil(tab_getstr(t, str("key%ld", 10000))) &&
	      is_nil(tab_getstr(t, str("other%ld", 5))),
	      "tab/string-keys-missing", "an absent key is found");

	/* booleans are keys too; nil and tables are not */
	{
		struct kp_value k, tk;
		int r1, r2;

		set_bool(&k, 1);
		num(&v, 11);
		tab_set(S, t, &k, &v);
		set_bool(&k, 0);
		num(&v, 12);
		tab_set(S, t, &k, &v);
		set_bool(&k, 1);
		check(tab_get(t, &k)->u.n == 11 &&
		      (set_bool(&k, 0), tab_get(t, &k)->u.n == 12),
		      "tab/bool-keys", "wrong values for true/false keys");
		set_nil(&k);
		r1 = tab_set(S, t, &k, &v);
		check(r1 == -1 && strstr(ktap_session_error(S),
					 "table index is nil"),
		      "tab/nil-key", "returned %d: %s", r1,
		      ktap_session_error(S));
		set_tab(&tk, t);
		r2 = tab_set(S, t, &tk, &v);
		check(r2 == -1 && strstr(ktap_session_error(S),
					 "a table cannot be a table key"),
		      "tab/table-key", "returned %d: %s", r2,
		      ktap_session_error(S));
	}
}

/* ----------------------------------------------------------- iteration */

/* The int value of @v: every key maps to a distinct number. */
static void fill_mixed(struct kp_tab *t, int narr, int nstr, int nsparse)
{
	struct kp_value v;
	int i, id = 0;

	for (i = 1; i <= narr; i++) {
		num(&v, id++);
		tab_setint(S, t, i, &v);
	}
	for (i = 0; i < nstr; i++) {
		num(&v, id++);
		tab_setstr(S, t, str("s%ld", i), &v);
	}
	for (i = 0; i < nsparse; i++) {
		num(&v, id++);
		tab_setint(S, t, 100000 + (int64_t)i * 31, &v);
	}
}

static void test_iterate_delete(void)
{
	struct kp_tab *t = tab_new(S, 0, 0);
	enum { NARR = 100, NSTR = 500, NSPARSE = 200, N = NARR + NSTR + NSPARSE };
	static unsigned char seen[N];
	struct kp_value k, v, nil;
	uint64_t pos = 0;
	int n = 0, dup = 0, bad = 0, i;

	set_nil(&nil);
	fill_mixed(t, NARR, NSTR, NSPARSE);
	memset(seen, 0, sizeof(seen));
	while (tab_next(t, &pos, &k, &v)) {
		if (!is_num(&v) || v.u.n < 0 || v.u.n >= N) {
			bad++;
			break;
		}
		if (seen[v.u.n]++)
			dup++;
		n++;
		/* delete what was just visited */
		if (tab_set(S, t, &k, &nil))
			bad++;
		if (n > 2 * N)
			break;
	}
	check(n == N && !dup && !bad && t->count == 0,
	      "tab/pairs-delete-current",
	      "%d of %d visited, %d twice, %d errors, count %llu", n, N, dup,
	      bad, (unsigned long long)t->count);
	pos = 0;
	check(!tab_next(t, &pos, &k, &v), "tab/pairs-after-delete-all",
	      "an entry is left after deleting everything");

	/* deleting entries not visited yet: they are not visited at all */
	t = tab_new(S, 0, 0);
	fill_mixed(t, NARR, NSTR, NSPARSE);
	memset(seen, 0, sizeof(seen));
	pos = 0;
	n = dup = bad = 0;
	while (tab_next(t, &pos, &k, &v)) {
		uint64_t p2 = pos;
		struct kp_value k2, v2;

		if (seen[v.u.n]++)
			dup++;
		n++;
		/* delete the next entry in iteration order */
		if (tab_next(t, &p2, &k2, &v2)) {
			seen[v2.u.n]++;
			if (tab_set(S, t, &k2, &nil))
				bad++;
		}
		if (n > 2 * N)
			break;
	}
	for (i = 0; i < N; i++)
		if (seen[i] != 1)
			bad++;
	check(n == N / 2 && !dup && !bad && t->count == (uint64_t)N / 2,
	      "tab/pairs-delete-next",
	      "%d visited (want %d), %d twice, %d errors, count %llu", n,
	      N / 2, dup, bad, (unsigned long long)t->count);

	/* inserting while iterating may reorder, but never crashes or loops */
	t = tab_new(S, 0, 0);
	fill_mixed(t, 10, 10, 10);
	pos = 0;
	n = 0;
	while (tab_next(t, &pos, &k, &v) && n < 100000) {
		struct kp_value nk;

		num(&nk, 5000000 + n);
		tab_set(S, t, &nk, &v);
		n++;
	}
	check(n < 100000, "tab/pairs-insert-terminates",
	      "iteration with inserts did not end");
}

static void test_array_growth(void)
{
	struct kp_tab *t = tab_new(S, 0, 0);
	struct kp_value v, k;
	uint64_t pos = 0;
	int i, n = 0, bad = 0, nil;

	/* 5..8 first: no array part yet, they go to the hash part */
	for (i = 8; i >= 5; i--) {
		num(&v, i * 10);
		tab_setint(S, t, i, &v);
	}
	check(t->asize == 0, "tab/array-growth-hash-first",
	      "keys 5..8 made an array part of %u", t->asize);
	for (i = 1; i <= 4; i++) {
		num(&v, i * 10);
		tab_setint(S, t, i, &v);
	}
	/* key 5 follows the array: growing pulls 5..8 out of the hash */
	num(&v, 55);
	tab_setint(S, t, 5, &v);
	for (i = 1; i <= 8; i++)
		if (getint(t, i, &nil) != (i == 5 ? 55 : i * 10))
			bad++;
	check(!bad && t->asize >= 8 && t->count == 8, "tab/array-growth-migrate",
	      "%d wrong values, array size %u, count %llu", bad, t->asize,
	      (unsigned long long)t->count);
	while (tab_next(t, &pos, &k, &v))
		n++;
	check(n == 8, "tab/array-growth-iterate",
	      "%d entries visited, 8 expected (stale hash entries?)", n);

	/* deleting inside the array part leaves holes, not shifts */
	set_nil(&v);
	tab_setint(S, t, 3, &v);
	check(is_nil(tab_getint(t, 3)) && getint(t, 4, &nil) == 40 &&
	      t->count == 7, "tab/array-hole", "count %llu",
	      (unsigned long long)t->count);

	/* a pre-sized array part */
	t = tab_new(S, 100, 0);
	check(t && t->asize == 100 && t->count == 0 &&
	      is_nil(tab_getint(t, 50)), "tab/array-presized",
	      "array size %u", t ? t->asize : 0);
}

static void test_tombstones(void)
{
	struct kp_tab *t = tab_new(S, 0, 0);
	struct kp_value v, nil, key;
	uint32_t used, size;
	int i;

	set_nil(&nil);
	num(&v, 1);
	/* a few live keys, so the hash part exists */
	for (i = 0; i < 3; i++)
		tab_setstr(S, t, str("live%ld", i), &v);
	size = t->hmask + 1;
	for (i = 0; i < 100000; i++) {
		num(&key, 1000000 + (int64_t)i * 13);
		tab_set(S, t, &key, &v);
		tab_set(S, t, &key, &nil);
	}
	check(t->hmask + 1 <= 16 && t->count == 3, "tab/tombstones-bounded",
	      "100000 insert/delete cycles grew the hash part from %u to %u nodes (count %llu)",
	      size, t->hmask + 1, (unsigned long long)t->count);

	/* the same key again reuses its node */
	num(&key, 77777777);
	tab_set(S, t, &key, &v);
	tab_set(S, t, &key, &nil);
	used = t->hused;
	size = t->hmask;
	tab_set(S, t, &key, &v);
	check(t->hused == used && t->hmask == size &&
	      tab_get(t, &key)->u.n == 1, "tab/tombstone-reuse",
	      "re-inserting a deleted key took a new node (%u -> %u)", used,
	      t->hused);

	/* deleting an absent key is fine and allocates nothing */
	{
		size_t before = mem.nalloc;

		num(&key, 123456789);
		check(tab_set(S, t, &key, &nil) == 0 && mem.nalloc == before,
		      "tab/delete-absent", "error or allocation");
	}
}

/* ------------------------------------------------------------- strings */

static void test_strings(void)
{
	struct kp_str *a = str_new(S, "hello", 5), *b, *c, *e1, *e2;
	struct kp_str *many[20000];
	int i, bad = 0;

	b = str_new(S, "hello", 5);
	c = str_newz(S, "hello");
	check(a && a == b && a == c, "str/intern-same-pointer",
	      "\"hello\" made %p, %p, %p", (void *)a, (void *)b, (void *)c);
	check(a->len == 5 && !memcmp(a->data, "hello", 6) &&
	      a->hash == str_hash("hello", 5), "str/contents",
	      "len %u, data \"%s\"", a->len, a->data);
	b = str_new(S, "hellO", 5);
	c = str_new(S, "hell", 4);
	check(b != a && c != a && b != c, "str/intern-different",
	      "different bytes share a string");
	b = str_new(S, "hello\0x", 7);
	c = str_new(S, "hello\0y", 7);
	check(b != a && b != c && b->len == 7 &&
	      b == str_new(S, "hello\0x", 7), "str/embedded-nul",
	      "strings with a NUL byte are confused");
	e1 = str_new(S, "", 0);
	e2 = str_new(S, "abc", 0);
	check(e1 && e1 == e2 && e1->len == 0 && e1->data[0] == '\0',
	      "str/empty", "two empty strings differ");

	/* many strings: the intern table resizes, identity stays */
	for (i = 0; i < 20000; i++)
		many[i] = str("string-%ld", i);
	for (i = 0; i < 20000; i++)
		if (str("string-%ld", i) != many[i])
			bad++;
	check(!bad && str_new(S, "hello", 5) == a, "str/intern-after-resize",
	      "%d strings got a new copy after the table grew", bad);
}

int main(void)
{
	struct ktap_platform pf;

	setvbuf(stdout, NULL, _IOLBF, 0);
	counting_init(&mem, &pf);
	S = ktap_session_new(&pf, NULL);
	if (!S) {
		printf("not ok tab/session: cannot create a session\n");
		return 1;
	}
	test_int_keys();
	test_str_keys();
	test_iterate_delete();
	test_array_growth();
	test_tombstones();
	test_strings();
	ktap_session_free(S);
	check(mem.cur == 0 && mem.bad_free == 0, "tab/no-leak",
	      "%zu bytes not freed, %zu frees with a wrong size", mem.cur,
	      mem.bad_free);
	counting_fini(&mem);
	tk_free_all();
	return failures();
}

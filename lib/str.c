// SPDX-License-Identifier: GPL-2.0
/*
 * str.c - the string intern table: a chained hash table of every live
 * string, resized by powers of two.  The collector sweeps it like a weak
 * table: a string nobody references is unlinked and freed.
 */
#include "str.h"

#define STRTAB_MIN	64

uint32_t str_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u ^ (uint32_t)len;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static int strtab_resize(struct ktap_session *S, uint32_t nsize)
{
	struct kp_str **nt = kp_malloc(S, nsize * sizeof(*nt));
	uint32_t i;

	if (!nt)
		return -1;
	kp_memset(nt, 0, nsize * sizeof(*nt));
	for (i = 0; S->strtab && i <= S->strmask; i++) {
		struct kp_str *p = S->strtab[i];

		while (p) {
			struct kp_str *next = p->hnext;
			uint32_t h = p->hash & (nsize - 1);

			p->hnext = nt[h];
			nt[h] = p;
			p = next;
		}
	}
	if (S->strtab)
		kp_free(S, S->strtab, (S->strmask + 1) * sizeof(*nt));
	S->strtab = nt;
	S->strmask = nsize - 1;
	return 0;
}

/*
 * @s must not point into a collectable object that nothing references:
 * allocating the new string may run the collector.
 */
struct kp_str *str_new(struct ktap_session *S, const char *s, size_t len)
{
	uint32_t h = str_hash(s, len);
	struct kp_str *ts;

	if (len > KP_MAX_STRLEN) {
		kp_error(S, "string too long (%zu bytes, limit %u)", len,
			 KP_MAX_STRLEN);
		return NULL;
	}
	if (S->strtab) {
		for (ts = S->strtab[h & S->strmask]; ts; ts = ts->hnext) {
			if (ts->hash == h && ts->len == len &&
			    !kp_memcmp(ts->data, s, len)) {
				return ts;
			}
		}
	}
	if (!S->strtab || S->nstr >= S->strmask + 1) {
		if (strtab_resize(S, S->strtab ? (S->strmask + 1) * 2 :
				  STRTAB_MIN))
			return NULL;
	}
	ts = (struct kp_str *)gc_new(S, KT_STR, sizeof(*ts) + len + 1);
	if (!ts)
		return NULL;
	ts->len = (uint32_t)len;
	ts->hash = h;
	kp_memcpy(ts->data, s, len);
	ts->data[len] = '\0';
	ts->hnext = S->strtab[h & S->strmask];
	S->strtab[h & S->strmask] = ts;
	S->nstr++;
	return ts;
}

struct kp_str *str_newz(struct ktap_session *S, const char *s)
{
	return str_new(S, s, kp_strlen(s));
}

void str_unlink(struct ktap_session *S, struct kp_str *ts)
{
	struct kp_str **pp = &S->strtab[ts->hash & S->strmask];

	while (*pp != ts)
		pp = &(*pp)->hnext;
	*pp = ts->hnext;
	S->nstr--;
}

void str_free_table(struct ktap_session *S)
{
	if (S->strtab)
		kp_free(S, S->strtab, (S->strmask + 1) * sizeof(*S->strtab));
	S->strtab = NULL;
	S->strmask = 0;
	S->nstr = 0;
}

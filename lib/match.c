// SPDX-License-Identifier: GPL-2.0
/*
 * match.c - glob patterns, and which events a probe declares.
 */
#include "kp_state.h"
#include "filter.h"

/* Match [...] at *pp against @c; advances *pp past the class. */
static int glob_class(const char **pp, const char *pend, char c)
{
	const char *p = *pp + 1;
	int neg = 0, hit = 0;

	if (p < pend && (*p == '!' || *p == '^')) {
		neg = 1;
		p++;
	}
	/* a ']' right after '[' is a member, as in shells */
	do {
		char lo = *p, hi = lo;

		if (p + 2 < pend && p[1] == '-' && p[2] != ']') {
			hi = p[2];
			p += 2;
		}
		if (lo <= c && c <= hi)
			hit = 1;
		p++;
	} while (p < pend && *p != ']');
	if (p >= pend)
		return -1;	/* no closing ']': a literal '[' */
	*pp = p + 1;
	return hit != neg;
}

int kp_glob(const char *pat, size_t plen, const char *s, size_t slen)
{
	const char *p = pat, *pend = pat + plen, *send = s + slen;
	const char *star = NULL, *retry = NULL;

	while (s < send) {
		if (p < pend && *p == '*') {
			star = ++p;
			retry = s;
			continue;
		}
		if (p < pend && *p == '[') {
			const char *q = p;
			int r = glob_class(&q, pend, *s);

			if (r > 0) {
				p = q;
				s++;
				continue;
			}
			if (r < 0 && *s == '[') {
				p++;
				s++;
				continue;
			}
		} else if (p < pend && (*p == '?' || *p == *s)) {
			p++;
			s++;
			continue;
		}
		/* mismatch: let the last '*' take one more character */
		if (!star)
			return 0;
		p = star;
		s = ++retry;
	}
	while (p < pend && *p == '*')
		p++;
	return p == pend;
}

static size_t span_to(const char *s, char stop)
{
	size_t n = 0;

	while (s[n] && s[n] != stop && s[n] != ' ' && s[n] != '\t')
		n++;
	return n;
}

static int spec_match(const char *spec, const char *system, const char *name,
		      int id)
{
	size_t slen = span_to(spec, ':');
	size_t nlen;
	int64_t n = 0;

	if (spec[slen] != ':')
		return 0;
	if (slen == 2 && spec[0] == 'i' && spec[1] == 'd') {
		const char *p = spec + 3;

		if (!*p)
			return 0;
		for (; *p >= '0' && *p <= '9'; p++)
			n = n * 10 + (*p - '0');
		return !*p && id >= 0 && n == id;
	}
	nlen = span_to(spec + slen + 1, '\0');
	return kp_glob(spec, slen, system, kp_strlen(system)) &&
	       kp_glob(spec + slen + 1, nlen, name, kp_strlen(name));
}

int ktap_probe_match(const struct ktap_probe *p, const char *system,
		     const char *name, int id)
{
	uint32_t i;

	if (p->kind != KTAP_PROBE_TRACE)
		return 0;
	for (i = 0; i < p->nevents; i++) {
		if (spec_match(p->events[i], system, name, id))
			return 1;
	}
	return 0;
}

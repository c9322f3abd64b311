// SPDX-License-Identifier: GPL-2.0
/*
 * dynmatch.c - recorded dynamic events by the script's EVENTDEFs.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "dynmatch.h"

/* The tracefs name ktap gives a symbol: letters, digits and '_'. */
static void event_name(const char *sym, size_t len, int ret, char *out,
		       size_t size)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 10 < size; i++) {
		unsigned char c = (unsigned char)sym[i];

		/* glob characters stay: the name is a pattern */
		out[n++] = isalnum(c) || strchr("*?[]", c) ? (char)c : '_';
	}
	if (n && isdigit((unsigned char)out[0])) {
		memmove(out + 1, out, n++);
		out[0] = '_';
	}
	snprintf(out + n, size - n, "%s", ret ? "__return" : "");
}

static int ktap_group(const char *system)
{
	return !strncmp(system, "ktap_", 5) && system[5] &&
	       strspn(system + 5, "0123456789") == strlen(system + 5);
}

int dynmatch(const char *def, const char *system, const char *event)
{
	size_t len = strcspn(def, " \t\n");
	const char *what, *colon;
	char name[300];
	int ret = 0, sdt = !strncmp(def, "sdt:", 4);

	if (!sdt && strncmp(def, "probe:", 6))
		return 0;
	what = def + (sdt ? 4 : 6);
	len -= (size_t)(what - def);
	if (*what == '/') {
		colon = memchr(what, ':', len);
		if (!colon)
			return 0;
		len -= (size_t)(colon + 1 - what);
		what = colon + 1;
	}
	if (!sdt && len > 7 && !strncmp(what + len - 7, "%return", 7)) {
		ret = 1;
		len -= 7;
	}
	if (sdt) {
		/* provider:name; ktap names it provider_name, perf sdt_provider:name */
		const char *sep = memchr(what, ':', len);
		char prov[128], ev[160];

		snprintf(prov, sizeof(prov), "%.*s", sep ? (int)(sep - what) : 1,
			 sep ? what : "*");
		snprintf(ev, sizeof(ev), "%.*s", sep ? (int)(len - (sep + 1 - what)) :
			 (int)len, sep ? sep + 1 : what);
		if (!strncmp(system, "sdt_", 4))
			return !fnmatch(prov, system + 4, 0) &&
			       !fnmatch(ev, event, 0);
		snprintf(name, sizeof(name), "%s_%s", prov, ev);
		return ktap_group(system) && !fnmatch(name, event, 0);
	}
	event_name(what, len, ret, name, sizeof(name));
	return (ktap_group(system) || !strcmp(system, "probe") ||
		!strncmp(system, "probe_", 6)) && !fnmatch(name, event, 0);
}

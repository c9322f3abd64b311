// SPDX-License-Identifier: GPL-2.0
/*
 * script.c - read and load scripts for the userspace hosts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script.h"

char *host_read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t got;

		if (n + 65536 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 65536 * 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				errno = ENOMEM;
				buf = NULL;
				break;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
		errno = EIO;
	}
	if (f != stdin)
		fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

int host_load(struct ktap_session *s, const char *name, const char *src,
	      size_t len, int may_be_bytecode, int argc,
	      const char *const *argv, char *err, size_t errlen)
{
	void *bc = NULL;
	size_t bclen;
	int r;

	if (may_be_bytecode && len >= HOST_BC_MAGIC_LEN &&
	    !memcmp(src, HOST_BC_MAGIC, HOST_BC_MAGIC_LEN)) {
		r = ktap_session_load(s, src, len, argc, argv);
	} else {
		if (ktap_compile(name, src, len, &bc, &bclen, err, errlen))
			return -1;
		r = ktap_session_load(s, bc, bclen, argc, argv);
		free(bc);
	}
	if (r)
		snprintf(err, errlen, "%s: %s", name, ktap_session_error(s));
	return r;
}

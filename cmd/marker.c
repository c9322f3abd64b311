// SPDX-License-Identifier: GPL-2.0
/*
 * marker.c - script output into the ftrace buffer, through libtracefs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include <tracefs.h>

#include "marker.h"

/* A marker write is one event; longer lines are cut into pieces. */
#define MARKER_PIECE	1024

struct marker {
	struct tracefs_instance *inst;	/* NULL: the top level */
	char line[MARKER_PIECE];
	size_t len;			/* of an unfinished line */
};

static int mount_tracefs(void)
{
	if (tracefs_tracing_dir())
		return 0;
	/* root may mount it, as the kernel's documentation does */
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return -1;
	return tracefs_tracing_dir() ? 0 : -1;
}

struct marker *marker_open(const char *instance)
{
	struct marker *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	if (mount_tracefs())
		goto fail;
	if (instance && *instance) {
		if (!tracefs_instance_exists(instance)) {
			errno = ENOENT;
			goto fail;
		}
		m->inst = tracefs_instance_create(instance);
		if (!m->inst)
			goto fail;
	}
	if (tracefs_print_init(m->inst) < 0)
		goto fail;
	return m;
fail:
	if (m->inst)
		tracefs_instance_free(m->inst);
	free(m);
	return NULL;
}

static void flush_line(struct marker *m)
{
	if (m->len)
		tracefs_printf(m->inst, "%.*s\n", (int)m->len, m->line);
	m->len = 0;
}

void marker_write(struct marker *m, const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			flush_line(m);
			continue;
		}
		if (m->len == sizeof(m->line))
			flush_line(m);
		m->line[m->len++] = buf[i];
	}
}

void marker_close(struct marker *m)
{
	if (!m)
		return;
	flush_line(m);
	tracefs_print_close(m->inst);
	if (m->inst)
		tracefs_instance_free(m->inst);
	free(m);
}

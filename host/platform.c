// SPDX-License-Identifier: GPL-2.0
/*
 * platform.c - the userspace platform of the ktap runtime.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "platform.h"

static void *up_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size ? size : 1);
}

static void up_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)size;
	free(p);
}

static void *up_realloc(void *ctx, void *p, size_t old, size_t size)
{
	(void)ctx;
	(void)old;
	return realloc(p, size);
}

static void up_write(void *ctx, const char *buf, size_t len)
{
	struct user_platform *up = ctx;

	if (up->sink)
		up->sink(up->sink_arg, buf, len);
	else
		fwrite(buf, 1, len, up->out);
}

static uint64_t up_realtime_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int up_num_cpus(void *ctx)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	(void)ctx;
	return n > 0 ? (int)n : 1;
}

static const char *up_arch(void *ctx)
{
	return ((struct user_platform *)ctx)->machine;
}

static const char *up_kernel_release(void *ctx)
{
	return ((struct user_platform *)ctx)->release;
}

static int up_current_task(void *ctx, struct ktap_task *t)
{
	struct user_platform *up = ctx;

	t->cpu = sched_getcpu();
	t->pid = getpid();
	t->tid = gettid();
	t->uid = (int)getuid();
	t->comm = up->comm;
	return 0;
}

static const struct ktap_platform_ops user_ops = {
	.alloc = up_alloc,
	.free = up_free,
	.realloc = up_realloc,
	.write = up_write,
	.realtime_ns = up_realtime_ns,
	.num_cpus = up_num_cpus,
	.arch = up_arch,
	.kernel_release = up_kernel_release,
	.current_task = up_current_task,
};

void user_platform_init(struct user_platform *up, FILE *out)
{
	struct utsname u;
	FILE *f;

	memset(up, 0, sizeof(*up));
	up->out = out;
	up->pf.ops = &user_ops;
	up->pf.ctx = up;
	if (uname(&u) == 0) {
		snprintf(up->machine, sizeof(up->machine), "%s", u.machine);
		snprintf(up->release, sizeof(up->release), "%s", u.release);
	}
	f = fopen("/proc/self/comm", "r");
	if (f) {
		if (fgets(up->comm, sizeof(up->comm), f))
			up->comm[strcspn(up->comm, "\n")] = '\0';
		fclose(f);
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * loop.c - the workload of the live-tracing benchmark.
 *
 *   loop N    N getppid() system calls; prints the seconds they took
 *   loop 0    prints CLOCK_REALTIME in ns as it starts: a tracer that
 *             starts it after attaching (ktap -- loop 0, bpftrace -c)
 *             shows how long attaching took
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long i, n = argc > 1 ? atol(argv[1]) : 2000000;
	struct timespec t;
	double start;

	if (n == 0) {
		clock_gettime(CLOCK_REALTIME, &t);
		printf("%lld\n", (long long)t.tv_sec * 1000000000LL + t.tv_nsec);
		return 0;
	}
	start = now(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);	/* never a cached value */
	printf("%.4f\n", now(CLOCK_MONOTONIC) - start);
	return 0;
}

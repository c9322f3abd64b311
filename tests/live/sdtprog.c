// SPDX-License-Identifier: GPL-2.0
/*
 * sdtprog - a target for uprobe and USDT tests.
 *
 *   sdtprog [N [MS]]	loop N times (default 10), sleeping MS ms per loop
 *
 * Each iteration fires ktaptest:tick (no semaphore) with the loop index
 * and a string, calls ktaptest_work(i), and fires ktaptest:tock (with a
 * semaphore) with the index and work's result, but only while a tracer
 * holds the semaphore up: a tock event proves that the tracer set the
 * uprobe's reference counter.  At the end it calls ktaptest_report(), and
 * prints how many tocks the semaphore allowed, so a test can compare.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sys/sdt.h>

/* Kept out of line and uncloned so that its symbol is its only entry. */
__attribute__((noinline, noclone)) int ktaptest_work(int i)
{
	__asm__ __volatile__("" : "+r"(i));
	return 2 * i + 1;
}

__attribute__((noinline, noclone)) void ktaptest_report(int n, int tocks)
{
	printf("sdtprog: %d loops, %d tocks\n", n, tocks);
}

static void tick(int i, const char *str)
{
	DTRACE_PROBE2(ktaptest, tick, i, str);
}

/*
 * sys/sdt.h decides when it is included whether every probe of a file
 * names a semaphore (_SDT_HAS_SEMAPHORES); dtrace -G output would put the
 * two kinds in two objects.  One file is simpler to build, so switch the
 * macro that the probes below expand at their use site.  The semaphore
 * lives in .probes, where the kernel's ref_ctr_offset expects it.
 */
volatile unsigned short ktaptest_tock_semaphore
	__attribute__((section(".probes"), used));
#undef _SDT_SEMAPHORE
#define _SDT_SEMAPHORE(p, n) _SDT_ASM_1(_SDT_ASM_ADDR p##_##n##_semaphore)

static int tock(int i, long v)
{
	if (!ktaptest_tock_semaphore)
		return 0;
	DTRACE_PROBE2(ktaptest, tock, i, v);
	return 1;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;
	int ms = argc > 2 ? atoi(argv[2]) : 0;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	int i, tocks = 0;
	char str[32];

	for (i = 0; i < n; i++) {
		snprintf(str, sizeof(str), "tick %d", i);
		tick(i, str);
		tocks += tock(i, ktaptest_work(i));
		if (ms > 0)
			nanosleep(&ts, NULL);
	}
	ktaptest_report(n, tocks);
	return 0;
}

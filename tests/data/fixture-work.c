// SPDX-License-Identifier: GPL-2.0
/*
 * fixture-work.c - the known workload behind the trace.dat fixtures in
 * tests/data/ (built and run by make-fixtures.sh, which installs it under
 * several names: the file name becomes the task's comm).
 *
 *   fixture-work [-S] spin MS                 busy loop for MS ms (no syscalls)
 *   fixture-work [-S] nap N MS                N nanosleep()s of MS ms each
 *   fixture-work [-S] sys OK FAIL PPID FILE   OK x (openat(FILE) + close),
 *                                             then FAIL x openat() of a
 *                                             missing file (-ENOENT),
 *                                             then PPID x getppid()
 *
 * -S: stop (SIGSTOP) before doing anything, so that the script can start
 * tracing and then SIGCONT it: the traced part then holds exactly the
 * syscalls listed above plus the final exit_group().
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MISSING_FILE "/nonexistent/ktap-fixture"

static long num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0) {
		fprintf(stderr, "fixture-work: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	int i = 1;

	if (i < argc && strcmp(argv[i], "-S") == 0) {
		i++;
		kill(getpid(), SIGSTOP);
	}
	if (i < argc && strcmp(argv[i], "spin") == 0 && argc - i == 2) {
		unsigned long long end = now_ns() + num(argv[i + 1]) * 1000000ULL;
		volatile unsigned long spins = 0;

		while (now_ns() < end)	/* vDSO: no syscall */
			spins++;
		return 0;
	}
	if (i < argc && strcmp(argv[i], "nap") == 0 && argc - i == 3) {
		long n = num(argv[i + 1]), ms = num(argv[i + 2]);
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		while (n-- > 0)
			nanosleep(&ts, NULL);
		return 0;
	}
	if (i < argc && strcmp(argv[i], "sys") == 0 && argc - i == 5) {
		long ok = num(argv[i + 1]), fail = num(argv[i + 2]);
		long ppid = num(argv[i + 3]);
		const char *file = argv[i + 4];

		while (ok-- > 0) {
			int fd = syscall(SYS_openat, AT_FDCWD, file, O_RDONLY);

			if (fd < 0) {
				perror(file);
				return 1;
			}
			syscall(SYS_close, fd);
		}
		while (fail-- > 0)
			syscall(SYS_openat, AT_FDCWD, MISSING_FILE, O_RDONLY);
		while (ppid-- > 0)
			syscall(SYS_getppid);
		return 0;
	}
	fprintf(stderr, "usage: fixture-work [-S] spin MS | nap N MS | "
		"sys OK FAIL PPID FILE\n");
	return 2;
}

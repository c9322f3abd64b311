// SPDX-License-Identifier: GPL-2.0
/*
 * getppid-loop.c - the workload recorded for the trace.dat benchmark:
 * N getppid() system calls (default 1000000), each one a
 * syscalls:sys_enter_getppid event. Built and run by run.sh.
 */
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long i, n = argc > 1 ? atol(argv[1]) : 1000000;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);	/* glibc's getppid() is not cached, but be sure */
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * work.c - the workload of the perf.data fixtures (make-fixtures.sh),
 * installed as ktap-perf-work.  Exact, whatever the machine:
 *
 *   ktap-perf-work (pinned to CPU 0): 20 getppid(), then spins for
 *	SPIN_MS in main -> spin_outer -> spin_inner, then 3 nanosleeps of
 *	2 ms; its thread ktap-perf-thr (same pid, own tid) calls getppid()
 *	7 times;
 *   ktap-perf-kid, a child pinned to CPU 1: spins for SPIN_MS in
 *	main -> run_kid -> spin_outer -> spin_inner, then 5 getppid().
 *
 * Built with -O0 and frame pointers, so that perf record -g
 * sees those frames.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#define SPIN_MS		40

static volatile uint64_t sink;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) static void spin_inner(void)
{
	uint64_t i;

	for (i = 0; i < 200000; i++)
		sink += i;
}

__attribute__((noinline)) static void spin_outer(void)
{
	uint64_t end = now_ns() + SPIN_MS * 1000000ULL;

	while (now_ns() < end)
		spin_inner();
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
}

static void calls(int n)
{
	while (n-- > 0)
		getppid();
}

__attribute__((noinline)) static void run_kid(void)
{
	pin(1);
	prctl(PR_SET_NAME, "ktap-perf-kid");
	spin_outer();
	calls(5);
}

static void *thread_main(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "ktap-perf-thr");
	calls(7);
	return NULL;
}

int main(void)
{
	struct timespec nap = { 0, 2000000 };
	pthread_t thr;
	pid_t kid;
	int i;

	pin(0);
	kid = fork();
	if (kid < 0) {
		perror("fork");
		return 1;
	}
	if (kid == 0) {
		run_kid();
		return 0;
	}
	calls(20);
	if (pthread_create(&thr, NULL, thread_main, NULL) ||
	    pthread_join(thr, NULL)) {
		fprintf(stderr, "ktap-perf-work: no thread\n");
		return 1;
	}
	spin_outer();
	for (i = 0; i < 3; i++)
		nanosleep(&nap, NULL);
	waitpid(kid, NULL, 0);
	return 0;
}

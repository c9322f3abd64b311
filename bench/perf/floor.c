// SPDX-License-Identifier: GPL-2.0
/*
 * floor.c - the perf benchmark's floor: a dlfilter whose filter_event
 * drops every sample.  perf has read, ordered and resolved each sample
 * (its thread, map and symbol) before filter_event runs, where any script
 * would: what remains is the least any script can cost.  It counts the
 * samples and prints the count at the end, to check the recording.
 */
#include <stdio.h>
#include <perf/perf_dlfilter.h>

static unsigned long long samples;

int filter_event(void *data, const struct perf_dlfilter_sample *sample,
		 void *ctx)
{
	(void)data;
	(void)sample;
	(void)ctx;
	samples++;
	return 1;
}

int stop(void *data, void *ctx)
{
	(void)data;
	(void)ctx;
	printf("%llu\n", samples);
	return 0;
}

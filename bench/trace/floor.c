// SPDX-License-Identifier: GPL-2.0
/*
 * floor.c - the floor of the trace.dat benchmark: open a trace.dat with
 * libtracecmd, visit every record of every buffer (the top-level one and
 * each instance) in timestamp order, count them, print the count. Nothing
 * else: no plugins, no parsing of fields, no output per event. A reader
 * doing real work per event (ktap -i, trace-cmd report) cannot beat this.
 *
 *   gcc -O2 -o floor floor.c $(pkg-config --cflags --libs libtracecmd libtraceevent)
 *   ./floor trace.dat
 */
#include <stdio.h>
#include <stdlib.h>
#include <trace-cmd/trace-cmd.h>

static int count_record(struct tracecmd_input *h, struct tep_record *rec,
			int cpu, void *data)
{
	(void)h;
	(void)rec;
	(void)cpu;
	++*(unsigned long long *)data;
	return 0;
}

int main(int argc, char **argv)
{
	struct tracecmd_input *top, **handles;
	unsigned long long count = 0;
	int i, n, ret;

	if (argc != 2) {
		fprintf(stderr, "usage: floor trace.dat\n");
		return 2;
	}
	tracecmd_set_loglevel(TEP_LOG_ERROR);
	top = tracecmd_open(argv[1], TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!top) {
		fprintf(stderr, "floor: cannot open %s\n", argv[1]);
		return 1;
	}
	n = tracecmd_buffer_instances(top);
	handles = calloc(n + 1, sizeof(*handles));
	if (!handles)
		return 1;
	handles[0] = top;
	for (i = 0; i < n; i++) {
		handles[i + 1] = tracecmd_buffer_instance_handle(top, i);
		if (!handles[i + 1]) {
			fprintf(stderr, "floor: cannot open buffer %s\n",
				tracecmd_buffer_instance_name(top, i));
			return 1;
		}
	}
	if (n == 0)
		ret = tracecmd_iterate_events(top, NULL, 0, count_record, &count);
	else
		ret = tracecmd_iterate_events_multi(handles, n + 1,
						    count_record, &count);
	if (ret < 0) {
		fprintf(stderr, "floor: cannot read %s\n", argv[1]);
		return 1;
	}
	printf("%llu\n", count);
	for (i = n; i >= 0; i--)
		tracecmd_close(handles[i]);
	free(handles);
	return 0;
}

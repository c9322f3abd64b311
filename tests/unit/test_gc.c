// SPDX-License-Identifier: GPL-2.0
/*
 * test_gc.c - the session heap: garbage is collected under a small cap,
 * live data beyond the cap fails with "out of memory", and whatever
 * happens, ktap_session_free() gives every byte back to the host (the
 * platform's allocator counts them, and checks the size of every free).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* 20000 iterations, each leaving a table and three strings behind. */
static const char garbage_script[] =
	"var total = 0\n"
	"for (i = 1, 20000) {\n"
	"	var t = { i, \"s\" .. i }\n"
	"	t.name = \"n\" .. (i % 100)\n"
	"	t[3] = function() { return i }\n"
	"	total += len(t[2])\n"
	"}\n"
	"print(total)\n";
#define GARBAGE_OUTPUT "108894\n"

static const char keep_script[] =
	"var keep = {}\n"
	"for (i = 1, 1000000) { keep[i] = \"string number \" .. i }\n"
	"print(\"not reached\")\n";

/* Garbage made in probe handlers and trace_end, across invocations. */
static const char handler_script[] =
	"var n = 0\n"
	"var last = {}\n"
	"tick-1ms {\n"
	"	for (i = 1, 2000) { last = { n, \"x\" .. n .. \"-\" .. i } }\n"
	"	n += 1\n"
	"}\n"
	"trace_end { print(n, last[2]) }\n";

struct result {
	int load, run, end;
	char err[600];
	char out[256];
	uint64_t peak;		/* ktap_session_mem() peak */
	size_t leaked, bad_free, host_peak;
};

/*
 * Compile @src, run it in a session capped at @max_mem (fire probe 0
 * @fires times), free the session, and report.
 */
static void run_script(const char *src, uint64_t max_mem, uint32_t slots,
		       int fires, size_t host_fail_at, struct result *res)
{
	struct counting c = { 0 };
	struct ktap_limits lim = { .max_mem = max_mem, .stack_slots = slots };
	struct ktap_platform pf;
	struct ktap_session *s;
	const char *argv[] = { "gc.kp" };
	size_t len;
	uint8_t *bc = compile_or_die(src, &len);
	int i;

	memset(res, 0, sizeof(*res));
	res->load = res->run = res->end = -2;
	counting_init(&c, &pf);
	c.limit = host_fail_at;
	s = ktap_session_new(&pf, &lim);
	if (!s) {
		snprintf(res->err, sizeof(res->err), "no session");
		res->leaked = c.cur;
		counting_fini(&c);
		return;
	}
	res->load = ktap_session_load(s, bc, len, 1, argv);
	if (!res->load) {
		res->run = ktap_session_run(s);
		for (i = 0; !res->run && i < fires; i++)
			res->run = ktap_session_fire(s, 0, NULL);
		if (!res->run)
			res->end = ktap_session_end(s);
	}
	snprintf(res->err, sizeof(res->err), "%s", ktap_session_error(s));
	snprintf(res->out, sizeof(res->out), "%s", c.out ? c.out : "");
	ktap_session_mem(s, &res->peak);
	ktap_session_free(s);
	res->leaked = c.cur;
	res->bad_free = c.bad_free;
	res->host_peak = c.peak;
	counting_fini(&c);
}

#define MB (1ULL << 20)

static void test_garbage(void)
{
	struct result r;

	run_script(garbage_script, MB, 0, 0, 0, &r);
	check(r.load == 0 && r.run == 0 && r.end == 0,
	      "gc/garbage-under-1mb", "load %d run %d end %d: %s", r.load,
	      r.run, r.end, r.err);
	check(!strcmp(r.out, GARBAGE_OUTPUT), "gc/garbage-under-1mb-output",
	      "output \"%s\"", r.out);
	/* the host also holds the session structure, outside the heap */
	check(r.peak <= MB && r.host_peak <= MB + 4096,
	      "gc/garbage-under-1mb-peak", "peak %llu bytes (host saw %zu)",
	      (unsigned long long)r.peak, r.host_peak);
	check(!r.leaked && !r.bad_free, "gc/garbage-under-1mb-no-leak",
	      "%zu bytes not freed, %zu frees with a wrong size", r.leaked,
	      r.bad_free);

	run_script(handler_script, MB, 0, 50, 0, &r);
	check(r.load == 0 && r.run == 0 && r.end == 0 &&
	      !strcmp(r.out, "50\tx49-2000\n"), "gc/garbage-in-handlers",
	      "load %d run %d end %d: %s; output \"%s\"", r.load, r.run,
	      r.end, r.err, r.out);
	check(!r.leaked && !r.bad_free, "gc/garbage-in-handlers-no-leak",
	      "%zu bytes not freed, %zu frees with a wrong size", r.leaked,
	      r.bad_free);
}

static void test_oom(void)
{
	struct result r;

	run_script(keep_script, MB, 0, 0, 0, &r);
	check(r.load == 0 && r.run == -1 && strstr(r.err, "out of memory"),
	      "gc/keep-all-out-of-memory",
	      "load %d run %d: \"%s\" (expected out of memory)", r.load,
	      r.run, r.err);
	check(!strstr(r.out, "not reached"), "gc/keep-all-stops",
	      "the script went on after running out of memory");
	check(r.peak <= MB, "gc/keep-all-cap-respected",
	      "peak %llu bytes over a cap of %llu",
	      (unsigned long long)r.peak, (unsigned long long)MB);
	check(!r.leaked && !r.bad_free, "gc/keep-all-no-leak",
	      "%zu bytes not freed, %zu frees with a wrong size", r.leaked,
	      r.bad_free);

	/* the host refusing memory is an error like the cap, not a crash */
	run_script(keep_script, 64 * MB, 1024, 0, 3 * MB, &r);
	check(r.load == 0 && r.run == -1 &&
	      strstr(r.err, "out of memory: the host refused"),
	      "gc/host-refuses", "load %d run %d: \"%s\"", r.load, r.run,
	      r.err);
	check(!r.leaked && !r.bad_free, "gc/host-refuses-no-leak",
	      "%zu bytes not freed, %zu frees with a wrong size", r.leaked,
	      r.bad_free);
}

/*
 * The host refuses memory beyond every possible point of a run of the
 * garbage script: each run must end (in success or an error) and give
 * everything back.
 */
static void test_refuse_everywhere(void)
{
	struct result r;
	size_t limit, runs = 0, leaks = 0, errors = 0, ok = 0;
	char first[700] = "";

	for (limit = 1024; limit < MB + 65536; limit += 1024 + limit / 32) {
		run_script(garbage_script, MB, 1024, 0, limit, &r);
		runs++;
		if (r.leaked || r.bad_free) {
			leaks++;
			if (!first[0])
				snprintf(first, sizeof(first),
					 "host limit %zu: %zu bytes not freed, %zu bad frees (%s)",
					 limit, r.leaked, r.bad_free, r.err);
		}
		if (r.load == 0 && r.run == 0 && r.end == 0)
			ok++;
		else
			errors++;
	}
	check(!leaks, "gc/refuse-everywhere-no-leak", "%zu of %zu runs leak; first: %s",
	      leaks, runs, first);
	check(ok && errors, "gc/refuse-everywhere-both-outcomes",
	      "%zu runs succeeded, %zu failed: the sweep missed a range", ok,
	      errors);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_garbage();
	test_oom();
	test_refuse_everywhere();
	tk_free_all();
	return failures();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * ktap.c - the ktap command: compile a script (or load bytecode), run it,
 * and report errors the way a compiler does.
 *
 * Exit status: the script's exit(n), 0 when it ends normally, 1 after a
 * compile, verification or runtime error, 2 for a usage error.
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ktap/ktap.h>

#include "../host/platform.h"
#include "../host/script.h"
#include "kernel.h"
#include "live.h"
#include "marker.h"
#include "probes.h"
#include "record.h"
#include "tracedat.h"

#define EXIT_SCRIPT_ERROR	1
#define EXIT_USAGE		2

struct options {
	const char *oneliner;		/* -e */
	const char *compile_to;		/* -c */
	const char *output;		/* -o */
	const char *input;		/* -i */
	const char *ftrace;		/* --ftrace[=INSTANCE], --ftrace-only */
	int ftrace_only;
	int kernel;			/* --kernel */
	int user;			/* --user */
	int listing;			/* -b */
	int json;			/* -f json */
	int quiet;			/* -q */
	int verbose;			/* -v */
	int dry_run;			/* -d */
	int no_events;			/* --no-events */
	int list;			/* -l e|f|m */
	int record;			/* ktap record */
	int perf_args;			/* --perf-record-args */
	struct live_options live;	/* -p -C -T -- cmd --buffer-size */
	struct ktap_limits limits;
};

static const char usage_text[] =
"usage: ktap [options] script.kp [args...] [-- command [args...]]\n"
"       ktap [options] -e 'script' [args...] [-- command [args...]]\n"
"       ktap [options] script.kpc [args...]     (compiled bytecode)\n"
"       ktap -le ['sys:event glob'] | -lf FILE | -lm FILE\n"
"       ktap record [-o trace.dat] script.kp [args...] [-- command...]\n"
"       ktap --perf-record-args script.kp\n"
"\n"
"Without -i, the script's probes trace the running system (root).\n"
"\n"
"  -e SCRIPT       run SCRIPT given on the command line\n"
"  -i TRACE.DAT    run the probes over a trace-cmd recording\n"
"  -- COMMAND      run COMMAND, trace only it and its children, end with it\n"
"  -p PID          trace only process PID, end when it does\n"
"  -C CPU          trace only CPU\n"
"  -T              start each line the script prints with the event's time\n"
"  -le [GLOB]      list the kernel's tracepoints (sys:event)\n"
"  -lf FILE        list the functions of FILE that uprobes can trace\n"
"  -lm FILE        list the SDT (USDT) notes of FILE\n"
"  --buffer-size SIZE  ring buffer per CPU (default: the kernel's, 1.4M)\n"
"  --no-events     attach no probes: run the top level, then trace_end\n"
"  record          record the events the script needs with trace-cmd\n"
"                  (-o names the file, default trace.dat); run the script\n"
"                  over it later with -i\n"
"  --perf-record-args  print the perf record options for the script\n"
"  -c FILE         compile only: write bytecode to FILE\n"
"  -b              print a listing of the bytecode instead of running it\n"
"  -f text|json    output format (json: one object per print/printf/histogram)\n"
"  -o FILE         write the script's output to FILE\n"
"  --ftrace[=INST] also write the output into the ftrace buffer (trace_marker\n"
"                  of tracefs instance INST, else the top level); in the\n"
"                  kernel VM as ktap:print events, a line each\n"
"  --ftrace-only[=INST]  the same, and nowhere else\n"
"  -d              dry run: list the probes and the events they would\n"
"                  attach to, attach and run nothing\n"
"  -q              quiet: no notes on stderr\n"
"  -v              verbose: report memory use at the end\n"
"  --max-loop N    backward jumps and calls per handler run (0: unlimited)\n"
"  --max-mem SIZE  session memory limit, e.g. 64M (default 256M, least 1M)\n"
"  --max-depth N   nested calls (default 1000)\n"
"  --kernel        run the script in the kernel VM (ktapvm.ko, /dev/ktap);\n"
"                  the default when /dev/ktap exists and no -i is given\n"
"  --user          run the script in this process, even with /dev/ktap\n"
"  -V, --version   print the version\n"
"  -h, --help      print this help\n"
"\n"
"See ktap(1) and Documentation/ for the language.\n";

static void __attribute__((noreturn)) usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("ktap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(see 'ktap -h')\n", stderr);
	exit(EXIT_USAGE);
}

static uint64_t parse_size(const char *s, const char *opt)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		usage_error("%s: '%s' is not a size", opt, s);
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end)
		usage_error("%s: '%s' is not a size (use e.g. 64M)", opt, s);
	return v;
}

static uint64_t parse_number(const char *s, const char *opt)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		usage_error("%s: '%s' is not a number", opt, s);
	return v;
}

enum { OPT_MAX_LOOP = 256, OPT_MAX_MEM, OPT_MAX_DEPTH, OPT_FTRACE,
       OPT_FTRACE_ONLY, OPT_KERNEL, OPT_USER, OPT_NO_EVENTS, OPT_BUFFER_SIZE,
       OPT_PERF_ARGS };

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "max-loop", required_argument, NULL, OPT_MAX_LOOP },
		{ "max-mem", required_argument, NULL, OPT_MAX_MEM },
		{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
		{ "ftrace", optional_argument, NULL, OPT_FTRACE },
		{ "ftrace-only", optional_argument, NULL, OPT_FTRACE_ONLY },
		{ "kernel", no_argument, NULL, OPT_KERNEL },
		{ "user", no_argument, NULL, OPT_USER },
		{ "no-events", no_argument, NULL, OPT_NO_EVENTS },
		{ "buffer-size", required_argument, NULL, OPT_BUFFER_SIZE },
		{ "perf-record-args", no_argument, NULL, OPT_PERF_ARGS },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	uint64_t v;

	/* '+': options end at the script, the rest are its arguments */
	while ((c = getopt_long(argc, argv, "+e:c:bf:i:o:dqvp:C:Tl:Vh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'e':
			o->oneliner = optarg;
			break;
		case 'c':
			o->compile_to = optarg;
			break;
		case 'b':
			o->listing = 1;
			break;
		case 'f':
			if (!strcmp(optarg, "json"))
				o->json = 1;
			else if (strcmp(optarg, "text"))
				usage_error("-f: unknown format '%s' (text or json)",
					    optarg);
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'i':
			o->input = optarg;
			break;
		case 'd':
			o->dry_run = 1;
			break;
		case 'q':
			o->quiet = 1;
			o->live.quiet = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'p':
			v = parse_number(optarg, "-p");
			if (!v || v > INT32_MAX)
				usage_error("-p: '%s' is not a process id", optarg);
			o->live.pid = (int)v;
			break;
		case 'C':
			v = parse_number(optarg, "-C");
			if (v >= 4096)
				usage_error("-C: '%s' is not a CPU number", optarg);
			o->live.cpu = (int)v;
			break;
		case 'T':
			o->live.timestamps = 1;
			break;
		case 'l':
			if (strlen(optarg) != 1 || !strchr("efm", *optarg))
				usage_error("-l%s: use -le, -lf or -lm", optarg);
			o->list = *optarg;
			break;
		case OPT_NO_EVENTS:
			o->no_events = 1;
			break;
		case OPT_PERF_ARGS:
			o->perf_args = 1;
			break;
		case OPT_BUFFER_SIZE:
			v = parse_size(optarg, "--buffer-size");
			if (v < 4096 || v > (1ULL << 40))
				usage_error("--buffer-size: between 4K and 1T");
			o->live.buffer_kb = (unsigned long)(v >> 10);
			break;
		case OPT_MAX_LOOP:
			v = parse_number(optarg, "--max-loop");
			o->limits.max_loop = v ? v : KTAP_UNLIMITED;
			break;
		case OPT_MAX_MEM:
			o->limits.max_mem = parse_size(optarg, "--max-mem");
			/* the VM stack alone takes 512K */
			if (o->limits.max_mem < (1 << 20))
				usage_error("--max-mem: at least 1M");
			break;
		case OPT_FTRACE_ONLY:
			o->ftrace_only = 1;
			/* fall through */
		case OPT_FTRACE:
			o->ftrace = optarg ? optarg : "";
			break;
		case OPT_KERNEL:
			o->kernel = 1;
			break;
		case OPT_USER:
			o->user = 1;
			break;
		case OPT_MAX_DEPTH:
			v = parse_number(optarg, "--max-depth");
			if (!v || v > 100000)
				usage_error("--max-depth: between 1 and 100000");
			o->limits.max_depth = (uint32_t)v;
			break;
		case 'V':
			printf("ktap %s (bytecode version %d)\n", KTAP_VERSION,
			       KTAP_BC_VERSION);
			exit(0);
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			fputs("(see 'ktap -h')\n", stderr);
			exit(EXIT_USAGE);
		}
	}
	return optind;
}

/*
 * "script args -- command args": the command is the target.  After -e,
 * getopt() has already taken the "--".
 */
static int split_command(int argc, char **argv, int first, struct options *o)
{
	int i;

	if (o->oneliner && first > 1 && !strcmp(argv[first - 1], "--")) {
		o->live.cmd = argv + first;
		argc = first;
	} else {
		for (i = first; i < argc && strcmp(argv[i], "--"); i++)
			;
		if (i == argc)
			return argc;
		argv[i] = NULL;
		o->live.cmd = argv + i + 1;
		argc = i;
	}
	if (!o->live.cmd[0])
		usage_error("--: no command given");
	return argc;
}

/* -le, -lf, -lm */
static int list_probes(int what, const char *arg)
{
	char err[1024];
	int r;

	if (what != 'e' && !arg)
		usage_error("-l%c: which file?", what);
	r = probes_list(what, arg, stdout, err, sizeof(err));
	if (r)
		fprintf(stderr, "ktap: %s\n", err);
	return r ? EXIT_SCRIPT_ERROR : 0;
}

static int has_event_probes(const struct ktap_session *s)
{
	uint32_t i;

	for (i = 0; i < ktap_session_probe_count(s); i++) {
		if (ktap_session_probe(s, i)->kind != KTAP_PROBE_END)
			return 1;
	}
	return 0;
}

static void print_manifest(const struct ktap_session *s, FILE *out)
{
	static const char *const kinds[] = {
		"?", "trace", "trace_end", "tick", "profile"
	};
	uint32_t i, j;

	for (i = 0; i < ktap_session_probe_count(s); i++) {
		const struct ktap_probe *p = ktap_session_probe(s, i);

		fprintf(out, "%s", kinds[p->kind]);
		for (j = 0; j < p->nevents; j++)
			fprintf(out, "%s%s", j ? ", " : " ", p->events[j]);
		if (p->filter[0])
			fprintf(out, " /%s/", p->filter);
		if (p->period_ns)
			fprintf(out, " every %llu ns", (unsigned long long)p->period_ns);
		fputc('\n', out);
	}
}

static int write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	if (fwrite(buf, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

/* Script output first, then the message: the order the user expects. */
static void report(struct ktap_session *s, FILE *out)
{
	fflush(out);
	fprintf(stderr, "ktap: %s\n", ktap_session_error(s));
}

/*
 * The status after an event source ran: -1 a runtime error (the session
 * says it), -2 the source's own error (@err).
 */
static int source_status(int r, struct ktap_session *s, FILE *out,
			 const char *err)
{
	if (r == -1) {
		report(s, out);
		return EXIT_SCRIPT_ERROR;
	}
	if (r == -2) {
		fflush(out);
		fprintf(stderr, "ktap: %s\n", err);
		return EXIT_SCRIPT_ERROR;
	}
	return 0;
}

/* Without a recording, probes trace the running system. */
static int wants_live(const struct ktap_session *s, const struct options *o)
{
	return !o->input && !o->no_events &&
	       (has_event_probes(s) || o->live.cmd || o->live.pid);
}

static int run(struct ktap_session *s, const struct options *o,
	       const char *name, struct user_platform *up)
{
	FILE *out = up->out;
	struct live *live = NULL;
	char err[1024];
	int status = 0;

	if (wants_live(s, o)) {
		live = live_open(s, &o->live, up, err, sizeof(err));
		if (!live) {
			fprintf(stderr, "ktap: %s\n", err);
			return EXIT_SCRIPT_ERROR;
		}
	}
	if (ktap_session_run(s)) {
		report(s, out);
		live_close(live);
		return EXIT_SCRIPT_ERROR;
	}
	if (live && !ktap_session_exited(s, NULL)) {
		status = source_status(live_run(live, err, sizeof(err)), s,
				       out, err);
	} else if (o->input && !ktap_session_exited(s, NULL)) {
		status = source_status(tracedat_run(s, o->input, err,
						    sizeof(err)), s, out, err);
	} else if (!ktap_session_exited(s, NULL) && has_event_probes(s) &&
		   !o->quiet) {
		fprintf(stderr, "ktap: %s: no event source is attached: probes do not fire, running trace_end\n",
			name);
	}
	/* what was collected is printed even after a damaged recording */
	if (ktap_session_end(s)) {
		report(s, out);
		live_close(live);
		return EXIT_SCRIPT_ERROR;
	}
	live_close(live);
	if (status)
		return status;
	ktap_session_exited(s, &status);
	return status;
}

static struct marker *marker;

/* --ftrace: the output goes where it would, and into the trace marker */
static void tee_to_marker(void *arg, const char *buf, size_t len)
{
	struct user_platform *up = arg;

	fwrite(buf, 1, len, up->out);
	marker_write(marker, buf, len);
}

/* --ftrace-only: into the trace marker alone */
static void to_marker(void *arg, const char *buf, size_t len)
{
	marker_write(marker, buf, len);
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct user_platform up;
	struct ktap_session *s;
	const char *name, *src;
	char *file = NULL, err[1024];
	void *bc = NULL;
	size_t srclen, bclen;
	int first, ret, nargs, in_kernel;
	FILE *out = stdout;

	o.live.cpu = -1;
	if (argc > 1 && !strcmp(argv[1], "record")) {
		o.record = 1;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	first = parse_options(argc, argv, &o);
	if (o.list)
		return list_probes(o.list, first < argc ? argv[first] : NULL);
	argc = split_command(argc, argv, first, &o);
	if (o.kernel && (o.user || o.input))
		usage_error("--kernel cannot go with --user or -i");
	in_kernel = o.kernel || (!o.user && !o.input && kernel_available());
	if (in_kernel && o.ftrace && *o.ftrace)
		usage_error("--ftrace=%s: in the kernel VM the output becomes ktap:print events, in every instance that enables them",
			    o.ftrace);
	if ((o.input || o.no_events) &&
	    (o.live.cmd || o.live.pid || o.live.cpu >= 0 || o.live.timestamps))
		usage_error("-p, -C, -T and -- command trace the running system: not with %s",
			    o.input ? "-i" : "--no-events");
	if (o.live.pid && o.live.cmd)
		usage_error("-p and -- command: one target at a time");
	if (o.oneliner) {
		name = "(command line)";
		src = o.oneliner;
		srclen = strlen(src);
		/* arg[0] is the script: here the one-liner's name */
		nargs = argc - first + 1;
		argv[first - 1] = (char *)name;
		first--;
	} else {
		if (first >= argc)
			usage_error("no script given");
		name = argv[first];
		file = host_read_file(name, &srclen);
		if (!file) {
			fprintf(stderr, "ktap: cannot read %s: %s\n", name,
				strerror(errno));
			return EXIT_USAGE;
		}
		src = file;
		nargs = argc - first;
	}
	if (!o.oneliner && srclen >= 4 && !memcmp(src, HOST_BC_MAGIC, HOST_BC_MAGIC_LEN)) {
		if (o.compile_to)
			usage_error("%s is bytecode already", name);
		bc = (void *)src;
		bclen = srclen;
		file = NULL;
	} else if (ktap_compile(name, src, srclen, &bc, &bclen, err,
				sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		free(file);
		return EXIT_SCRIPT_ERROR;
	} else {
		free(file);
	}
	if (o.compile_to) {
		ret = write_file(o.compile_to, bc, bclen);
		if (ret)
			fprintf(stderr, "ktap: cannot write %s: %s\n",
				o.compile_to, strerror(errno));
		free(bc);
		return ret ? EXIT_USAGE : 0;
	}
	if (o.output && !o.record) {
		out = fopen(o.output, "w");
		if (!out) {
			fprintf(stderr, "ktap: cannot write %s: %s\n", o.output,
				strerror(errno));
			return EXIT_USAGE;
		}
	}
	user_platform_init(&up, out);
	if (o.ftrace && !in_kernel) {
		marker = marker_open(o.ftrace);
		if (!marker) {
			fprintf(stderr, "ktap: cannot write into the ftrace buffer%s%s: %s\n",
				*o.ftrace ? " of instance " : "", o.ftrace,
				strerror(errno));
			return EXIT_USAGE;
		}
		up.sink = o.ftrace_only ? to_marker : tee_to_marker;
		up.sink_arg = &up;
	}
	s = ktap_session_new(&up.pf, &o.limits);
	if (!s) {
		fprintf(stderr, "ktap: cannot create a session: out of memory\n");
		return EXIT_SCRIPT_ERROR;
	}
	ktap_session_set_output(s, o.json ? KTAP_OUTPUT_JSON : KTAP_OUTPUT_TEXT);
	if (!o.input && !o.no_events && !o.kernel && live_prepare(s)) {
		fprintf(stderr, "ktap: cannot create a session: out of memory\n");
		return EXIT_SCRIPT_ERROR;
	}
	if (ktap_session_load(s, bc, bclen, nargs,
			      (const char *const *)argv + first)) {
		fprintf(stderr, "ktap: %s: %s\n", name, ktap_session_error(s));
		ret = EXIT_SCRIPT_ERROR;
	} else if (in_kernel && !o.listing && !o.record && !o.perf_args &&
		   !o.dry_run &&
		   ktap_session_uses(s, "ustack")) {
		/* user addresses mean nothing to the kernel's symbols */
		fprintf(stderr, "ktap: %s: ustack() is not available in the kernel VM: run with --user\n",
			name);
		ret = EXIT_USAGE;
	} else if (o.listing) {
		ret = ktap_session_list(s) ? EXIT_SCRIPT_ERROR : 0;
	} else if (o.record || o.perf_args) {
		ret = o.record ?
		      record_run(s, o.output ? o.output : "trace.dat",
				 o.live.cmd, err, sizeof(err)) :
		      record_perf_args(s, stdout, err, sizeof(err));
		if (ret < 0) {
			fprintf(stderr, "ktap: %s\n", err);
			ret = EXIT_SCRIPT_ERROR;
		}
	} else if (o.dry_run) {
		print_manifest(s, out);
		ret = 0;
		if (wants_live(s, &o) &&
		    live_dry_run(s, &o.live, out, err, sizeof(err))) {
			fprintf(stderr, "ktap: %s\n", err);
			ret = EXIT_SCRIPT_ERROR;
		}
	} else if (in_kernel) {
		/* verified here too: the same messages before the module's */
		struct kernel_run kr = {
			.name = name, .bc = bc, .size = bclen, .argc = nargs,
			.argv = argv + first, .limits = &o.limits,
			.json = o.json, .quiet = o.quiet, .verbose = o.verbose,
			.ftrace = !!o.ftrace, .ftrace_only = o.ftrace_only,
			.has_probes = has_event_probes(s), .out = out,
			.s = wants_live(s, &o) ? s : NULL, .live = &o.live,
		};

		ret = kernel_run(&kr);
		o.verbose = 0;
	} else {
		ret = run(s, &o, name, &up);
	}
	if (o.verbose) {
		uint64_t peak, now = ktap_session_mem(s, &peak);

		fprintf(stderr, "ktap: memory: %llu bytes in use, %llu at most\n",
			(unsigned long long)now, (unsigned long long)peak);
	}
	ktap_session_free(s);
	marker_close(marker);
	free(bc);
	if (out != stdout && fclose(out)) {
		fprintf(stderr, "ktap: cannot write %s: %s\n", o.output,
			strerror(errno));
		ret = EXIT_SCRIPT_ERROR;
	}
	fflush(stdout);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kernel.c - the ktap command's side of /dev/ktap: the script runs in the
 * ktapvm module; a thread copies its output out while it runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <ktap/ktapvm_ioctl.h>

#include "kernel.h"
#include "kevents.h"
#include "probes.h"
#include "tracee.h"

#define EXIT_SCRIPT_ERROR	1
#define EXIT_USAGE		2

int kernel_available(void)
{
	return access(KTAPVM_DEVICE, F_OK) == 0;
}

struct reader {
	int fd;
	FILE *out;
};

static void *read_output(void *arg)
{
	struct reader *r = arg;
	char buf[65536];
	ssize_t n;

	/* read() returns 0 once the module says no more output will come */
	while ((n = read(r->fd, buf, sizeof(buf))) > 0 ||
	       (n < 0 && errno == EINTR)) {
		if (n > 0) {
			fwrite(buf, 1, (size_t)n, r->out);
			fflush(r->out);
		}
	}
	return NULL;
}

static void status(int fd, struct ktapvm_status *st)
{
	memset(st, 0, sizeof(*st));
	ioctl(fd, KTAPVM_IOC_STATUS, st);
}

static int open_device(const char *name)
{
	struct ktapvm_version v;
	int fd = open(KTAPVM_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "ktap: cannot open %s: %s%s\n", KTAPVM_DEVICE,
			strerror(errno), errno == EPERM || errno == EACCES ?
			" (the kernel VM needs CAP_SYS_ADMIN)" :
			errno == ENOENT ? " (load ktapvm.ko, or run with --user)" : "");
		return -1;
	}
	if (ioctl(fd, KTAPVM_IOC_VERSION, &v) ||
	    v.protocol != KTAPVM_PROTOCOL || v.bytecode != KTAP_BC_VERSION) {
		fprintf(stderr, "ktap: %s: ktapvm %s speaks protocol %u and bytecode %u; this ktap needs %u and %u\n",
			name, v.release, v.protocol, v.bytecode,
			KTAPVM_PROTOCOL, KTAP_BC_VERSION);
		close(fd);
		return -1;
	}
	return fd;
}

/* Everything the probes of kr->s attach to, resolved and made. */
struct attached {
	struct probes *probes;
	struct kevents k;
	struct tracee t;
};

static int attach(int fd, const struct kernel_run *kr, struct attached *a)
{
	const struct live_options *o = kr->live;
	struct ktapvm_attach at;
	char err[1024];

	tracee_init(&a->t, o->cmd, o->pid);
	if (o->pid && tracee_pid_gone(o->pid)) {
		snprintf(err, sizeof(err), "-p %d: no such process", o->pid);
		goto fail;
	}
	if (live_mount_tracefs(err, sizeof(err)))
		goto fail;
	a->probes = probes_resolve(kr->s, err, sizeof(err));
	if (!a->probes || probes_create(a->probes, err, sizeof(err)) ||
	    kevents_build(&a->k, kr->s, a->probes, err, sizeof(err)) ||
	    (o->cmd && tracee_fork(&a->t, err, sizeof(err))))
		goto fail;
	memset(&at, 0, sizeof(at));
	at.nevents = (uint32_t)a->k.n;
	at.cpu = o->cpu;
	at.pid = a->t.child ? a->t.child : o->pid;
	at.events = (uintptr_t)a->k.ev;
	if (ioctl(fd, KTAPVM_IOC_ATTACH, &at)) {
		snprintf(err, sizeof(err), "cannot attach the probes in the kernel VM: %s",
			 strerror(errno));
		goto fail;
	}
	if (!kr->quiet)
		fprintf(stderr, "ktap: tracing %d events in the kernel, Ctrl-C to end\n",
			probes_count(a->probes));
	return 0;
fail:
	fprintf(stderr, "ktap: %s\n", err);
	return -1;
}

/*
 * After the session's file is closed: the module's perf events hold the
 * dynamic events, which cannot be removed before.
 */
static void detach(struct attached *a)
{
	tracee_close(&a->t);
	kevents_free(&a->k);
	probes_free(a->probes);
}

/* Events run in the kernel until Ctrl-C, exit(), an error, the target. */
static int wait_events(int fd, struct attached *a)
{
	const struct timespec tick = { 0, 100000000 };
	struct ktapvm_status st;
	char err[1024];

	if (ioctl(fd, KTAPVM_IOC_START)) {
		fprintf(stderr, "ktap: cannot start the events: %s\n",
			strerror(errno));
		return -1;
	}
	if (tracee_release(&a->t, err, sizeof(err))) {
		fprintf(stderr, "ktap: %s\n", err);
		return -1;
	}
	while (!tracee_stopped() && !a->t.done) {
		status(fd, &st);
		if (st.exited || st.error[0])
			break;
		tracee_wait(&a->t, NULL, 0, &tick);
	}
	return 0;
}

int kernel_run(const struct kernel_run *kr)
{
	struct attached a = { .probes = NULL };
	struct ktapvm_load ld;
	struct ktapvm_status st;
	struct reader rd;
	uint64_t argv[256];
	pthread_t thread;
	int fd, i, ret = 0, failed = 0;

	if (kr->argc > (int)(sizeof(argv) / sizeof(argv[0]))) {
		fprintf(stderr, "ktap: too many script arguments for the kernel VM\n");
		return EXIT_USAGE;
	}
	fd = open_device(kr->name);
	if (fd < 0)
		return EXIT_SCRIPT_ERROR;
	for (i = 0; i < kr->argc; i++)
		argv[i] = (uintptr_t)kr->argv[i];
	memset(&ld, 0, sizeof(ld));
	ld.bytecode = (uintptr_t)kr->bc;
	ld.size = (uint32_t)kr->size;
	ld.argc = (uint32_t)kr->argc;
	ld.argv = (uintptr_t)argv;
	ld.max_mem = kr->limits->max_mem;
	ld.max_loop = kr->limits->max_loop;
	ld.max_depth = kr->limits->max_depth;
	ld.flags = (kr->json ? KTAPVM_OUTPUT_JSON : 0) |
		   (kr->ftrace ? KTAPVM_OUTPUT_FTRACE : 0) |
		   (kr->ftrace_only ? KTAPVM_OUTPUT_NO_RING : 0);
	if (ioctl(fd, KTAPVM_IOC_LOAD, &ld)) {
		int err = errno;

		status(fd, &st);
		if (err == E2BIG)
			fprintf(stderr, "ktap: %s: --max-mem is above the module's limit (/sys/module/ktapvm/parameters/max_mem)\n",
				kr->name);
		else
			fprintf(stderr, "ktap: %s: %s\n", kr->name,
				st.error[0] ? st.error : strerror(err));
		close(fd);
		return EXIT_SCRIPT_ERROR;
	}
	if (kr->s && attach(fd, kr, &a)) {
		close(fd);
		detach(&a);
		return EXIT_SCRIPT_ERROR;
	}
	rd.fd = fd;
	rd.out = kr->out;
	if (pthread_create(&thread, NULL, read_output, &rd)) {
		fprintf(stderr, "ktap: cannot start the output reader\n");
		close(fd);
		detach(&a);
		return EXIT_SCRIPT_ERROR;
	}
	if (ioctl(fd, KTAPVM_IOC_RUN)) {
		/* like userspace: an error in the top level skips trace_end */
		status(fd, &st);
		ioctl(fd, KTAPVM_IOC_END, 1);
		pthread_join(thread, NULL);
		fflush(kr->out);
		fprintf(stderr, "ktap: %s\n", st.error);
		close(fd);
		detach(&a);
		return EXIT_SCRIPT_ERROR;
	}
	status(fd, &st);
	if (kr->s && !st.exited) {
		/* a handler's error is reported, and trace_end still runs */
		if (wait_events(fd, &a) || ioctl(fd, KTAPVM_IOC_STOP)) {
			status(fd, &st);
			if (st.error[0])
				fprintf(stderr, "ktap: %s\n", st.error);
			failed = 1;
		}
	} else if (!st.exited && !kr->quiet && kr->has_probes) {
		fprintf(stderr, "ktap: %s: no event source is attached: probes do not fire, running trace_end\n",
			kr->name);
	}
	if (ioctl(fd, KTAPVM_IOC_END, 0))
		ret = EXIT_SCRIPT_ERROR;
	pthread_join(thread, NULL);
	fflush(kr->out);
	status(fd, &st);
	if (ret)
		fprintf(stderr, "ktap: %s\n", st.error);
	else if (st.exited)
		ret = st.exit_status;
	if (st.lost)
		fprintf(stderr, "ktap: warning: %llu bytes of output were lost\n",
			(unsigned long long)st.lost);
	if (st.dropped)
		fprintf(stderr, "ktap: warning: %llu events were not run (in NMI, or inside a handler)\n",
			(unsigned long long)st.dropped);
	if (failed && !ret)
		ret = EXIT_SCRIPT_ERROR;
	if (kr->verbose) {
		fprintf(stderr, "ktap: memory: %llu bytes in use, %llu at most (in the kernel)\n",
			(unsigned long long)st.mem, (unsigned long long)st.mem_peak);
		fprintf(stderr, "ktap: %llu events ran a probe, %llu of them table updates on their own CPU\n",
			(unsigned long long)st.events,
			(unsigned long long)st.percpu);
	}
	close(fd);
	detach(&a);
	return ret;
}

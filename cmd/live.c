// SPDX-License-Identifier: GPL-2.0
/*
 * live.c - live tracing through a private tracefs instance.
 *
 * The run owns an instance named ktap-PID: its events, filters, pid
 * filter and ring buffers are its own, so the machine's other tracing is
 * never disturbed, and a run killed before it could clean up leaves only
 * names that the next run recognises (the PID is gone) and removes when
 * it ends.
 *
 * Reading: each CPU's trace_pipe_raw gives ring-buffer pages, kbuffer
 * walks them, and the records of all CPUs go to the VM merged by time.
 * Pages are read without blocking; between rounds the reader sleeps in
 * ppoll() until a buffer is half full, a timer is due, or 100 ms have
 * passed (the most a printed line waits).
 *
 * Start-up is kept to what tracing needs: the instance keeps the
 * kernel's default clock ("local", as ftrace shows it) and buffer size,
 * because changing either costs tens of milliseconds (an RCU grace
 * period, page allocation).  So tick-N follows CLOCK_MONOTONIC from the
 * start between reads rather than event times, and --buffer-size is
 * asked for.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include <event-parse.h>
#include <kbuffer.h>
#include <tracefs.h>

#include "live.h"
#include "probes.h"
#include "profile.h"
#include "stacks.h"
#include "tasks.h"
#include "tracee.h"
#include "../host/tep_view.h"

#define INSTANCE_PREFIX	"ktap-"
#define WAKE_PERCENT	"50"		/* wake the reader at half full */
#define MAX_WAIT_NS	100000000ULL	/* latency of printed output */
#define DRAIN_BATCH	65536		/* records between looks at the clock */

struct cpu_reader {
	int cpu;
	int fd;				/* per_cpu/cpuN/trace_pipe_raw */
	struct kbuffer *kbuf;
	void *page;
	void *rec;			/* the next record, or NULL */
	unsigned long long ts;
	long long missed;		/* dropped before this page */
	int empty;			/* nothing more this round */
};

struct live {
	struct ktap_session *s;
	const struct live_options *o;
	struct user_platform *up;
	struct tracefs_instance *inst;
	struct tep_handle *tep;
	struct tep_view *view;
	struct tasks *tasks;
	struct probes *probes;
	struct cpu_reader *cpus;
	struct pollfd *pfds;
	int ncpus, nfds;
	struct profile *profile;
	int stack_ids[2];		/* kernel_stack, user_stack; -1: off */
	unsigned char *prefiltered;	/* by event id */
	int nprefiltered;
	uint64_t kframes[128], uframes[128];
	void *held;			/* a record whose page was refilled */
	size_t page_size;
	uint64_t min_tick;		/* shortest tick period, 0: none */
	uint64_t t0;			/* CLOCK_MONOTONIC when tracing began */
	struct tracee t;		/* -- cmd, -p, and the signals */
	int self;			/* ktap's own pid */
	/* -T */
	void (*next_sink)(void *arg, const char *buf, size_t len);
	void *next_arg;
	int at_line_start;
	uint64_t now;			/* time of the event being handled */
};

/* stack() and ustack(), added to the session before it loads */
static struct stacks *live_stacks;

int live_prepare(struct ktap_session *s)
{
	if (!live_stacks)
		live_stacks = stacks_new();
	return live_stacks ? stacks_register(live_stacks, s) : -1;
}

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------ tracefs */

int live_mount_tracefs(char *err, size_t errlen)
{
	if (tracefs_tracing_dir())
		return 0;
	if (!mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) &&
	    tracefs_tracing_dir())
		return 0;
	snprintf(err, errlen, "cannot mount tracefs on /sys/kernel/tracing: %s%s",
		 strerror(errno), errno == EPERM ? " (live tracing needs root)" : "");
	return -1;
}

/*
 * The instances are listed here rather than with tracefs_instances(),
 * whose libtracefs 1.6 leaks its compiled pattern.
 */
void live_remove_stale(void)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/instances", tracefs_tracing_dir());
	dir = opendir(path);
	while (dir && (d = readdir(dir))) {
		const char *pid = d->d_name + strlen(INSTANCE_PREFIX);
		struct tracefs_instance *inst;

		if (strncmp(d->d_name, INSTANCE_PREFIX, strlen(INSTANCE_PREFIX)) ||
		    !*pid || strspn(pid, "0123456789") != strlen(pid) ||
		    !tracee_pid_gone(atoi(pid)))
			continue;
		inst = tracefs_instance_alloc(NULL, d->d_name);
		if (inst) {
			tracefs_instance_destroy(inst);
			tracefs_instance_free(inst);
		}
	}
	if (dir)
		closedir(dir);
	probes_remove_stale();
}

static int set(struct live *l, const char *file, const char *val,
	       char *err, size_t errlen)
{
	if (tracefs_instance_file_write(l->inst, file, val) >= 0)
		return 0;
	snprintf(err, errlen, "cannot write '%s' to %s of tracefs instance %s: %s",
		 val, file, tracefs_instance_get_name(l->inst), strerror(errno));
	return -1;
}

/* tracing_cpumask wants 32-bit hex groups separated by commas */
static void cpumask(int cpu, char *buf, size_t size)
{
	int group;
	size_t n = 0;

	for (group = cpu / 32; group >= 0 && n < size; group--)
		n += snprintf(buf + n, size - n, "%s%x", n ? "," : "",
			      group == cpu / 32 ? 1u << (cpu % 32) : 0);
}

/* Every thread of @pid, for set_event_pid (which filters threads). */
static void threads_of(int pid, char *buf, size_t size)
{
	char path[64];
	struct dirent *d;
	size_t n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	while (dir && (d = readdir(dir)) && n + 16 < size) {
		if (d->d_name[0] != '.')
			n += snprintf(buf + n, size - n, "%s%s", n ? " " : "",
				      d->d_name);
	}
	if (dir)
		closedir(dir);
	if (!n)
		snprintf(buf, size, "%d", pid);
}

static int setup_instance(struct live *l, char *err, size_t errlen)
{
	const struct live_options *o = l->o;
	char name[32], val[4096];

	snprintf(name, sizeof(name), INSTANCE_PREFIX "%d", (int)getpid());
	l->inst = tracefs_instance_create(name);
	if (!l->inst) {
		snprintf(err, errlen, "cannot create tracefs instance %s: %s",
			 name, strerror(errno));
		return -1;
	}
	if (set(l, "tracing_on", "0", err, errlen) ||
	    /* a full buffer drops new events, counted, instead of old ones */
	    set(l, "options/overwrite", "0", err, errlen))
		return -1;
	if (o->buffer_kb) {
		snprintf(val, sizeof(val), "%lu", o->buffer_kb);
		if (set(l, "buffer_size_kb", val, err, errlen))
			return -1;
	}
	tracefs_instance_file_write(l->inst, "buffer_percent", WAKE_PERCENT);
	/* a kernel_stack, a user_stack event after each event */
	if ((ktap_session_uses(l->s, "stack") &&
	     set(l, "options/stacktrace", "1", err, errlen)) ||
	    (ktap_session_uses(l->s, "ustack") &&
	     set(l, "options/userstacktrace", "1", err, errlen)))
		return -1;
	if (o->cpu >= 0) {
		cpumask(o->cpu, val, sizeof(val));
		if (set(l, "tracing_cpumask", val, err, errlen))
			return -1;
	}
	if (o->pid || l->t.child) {
		if (l->t.child)
			snprintf(val, sizeof(val), "%d", (int)l->t.child);
		else
			threads_of(o->pid, val, sizeof(val));
		if (set(l, "options/event-fork", "1", err, errlen) ||
		    set(l, "set_event_pid", val, err, errlen))
			return -1;
	}
	return 0;
}

/* The id of ftrace:@event if the script calls @fn, else -1. */
static int stack_format(struct live *l, const char *fn, const char *event)
{
	struct tep_event *ev;
	char *buf;
	int size;

	if (!ktap_session_uses(l->s, fn))
		return -1;
	buf = tracefs_event_file_read(NULL, "ftrace", event, "format", &size);
	if (buf)
		tep_parse_event(l->tep, buf, size, "ftrace");
	free(buf);
	ev = tep_find_event_by_name(l->tep, "ftrace", event);
	return ev ? ev->id : -1;
}

/* libtraceevent learns the ring buffer's page layout and the formats. */
static int load_formats(struct live *l, char *err, size_t errlen)
{
	char *buf;
	int size;

	l->tep = tep_alloc();
	if (!l->tep) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	tep_set_long_size(l->tep, sizeof(long));
	tep_set_page_size(l->tep, getpagesize());
	tep_set_file_bigendian(l->tep, tep_is_local_bigendian(l->tep));
	buf = tracefs_instance_file_read(NULL, "events/header_page", &size);
	if (!buf || tep_parse_header_page(l->tep, buf, size, sizeof(long))) {
		free(buf);
		snprintf(err, errlen, "cannot read the ring buffer's page format (events/header_page)");
		return -1;
	}
	free(buf);
	l->stack_ids[0] = stack_format(l, "stack", "kernel_stack");
	l->stack_ids[1] = stack_format(l, "ustack", "user_stack");
	return probes_load_formats(l->probes, l->tep, err, errlen);
}

static size_t subbuf_size(struct live *l)
{
	long long kb;

	/* kernels since 6.8 may use sub-buffers larger than a page */
	if (!tracefs_instance_file_read_number(l->inst, "buffer_subbuf_size_kb",
					       &kb) && kb > 0)
		return (size_t)kb * 1024;
	return (size_t)getpagesize();
}

static int open_readers(struct live *l, char *err, size_t errlen)
{
	int i, n = 0, total = (int)sysconf(_SC_NPROCESSORS_CONF);

	l->page_size = subbuf_size(l);
	l->held = malloc(l->page_size);
	l->cpus = calloc(total, sizeof(*l->cpus));
	l->pfds = calloc(total + profile_pollfds(l->profile, NULL, 0),
			 sizeof(*l->pfds));
	if (!l->cpus || !l->pfds || !l->held) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < total; i++) {
		struct cpu_reader *c = &l->cpus[n];
		char path[64], *dir;

		if (l->o->cpu >= 0 && i != l->o->cpu)
			continue;
		snprintf(path, sizeof(path), "per_cpu/cpu%d/trace_pipe_raw", i);
		dir = tracefs_instance_get_file(l->inst, path);
		c->fd = dir ? open(dir, O_RDONLY | O_NONBLOCK | O_CLOEXEC) : -1;
		tracefs_put_tracing_file(dir);
		if (c->fd < 0)
			continue;	/* an offline CPU */
		c->cpu = i;
		c->kbuf = tep_kbuffer(l->tep);
		c->page = malloc(l->page_size);
		if (!c->kbuf || !c->page) {
			close(c->fd);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		l->pfds[n].fd = c->fd;
		l->pfds[n].events = POLLIN;
		n++;
	}
	l->ncpus = n;
	l->nfds = n;
	if (!n) {
		snprintf(err, errlen, "cannot read any CPU's ring buffer of instance %s",
			 tracefs_instance_get_name(l->inst));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- output */

/* -T: every line a handler prints starts with the event's time */
static void timestamp_sink(void *arg, const char *buf, size_t len)
{
	struct live *l = arg;
	char stamp[32];
	size_t i = 0, j;

	while (i < len) {
		if (l->at_line_start) {
			int n = snprintf(stamp, sizeof(stamp), "%llu.%06llu: ",
				(unsigned long long)(l->now / 1000000000ULL),
				(unsigned long long)(l->now % 1000000000ULL / 1000));

			l->next_sink(l->next_arg, stamp, (size_t)n);
			l->at_line_start = 0;
		}
		for (j = i; j < len && buf[j] != '\n'; j++)
			;
		if (j < len) {
			j++;
			l->at_line_start = 1;
		}
		l->next_sink(l->next_arg, buf + i, j - i);
		i = j;
	}
}

static void plain_sink(void *arg, const char *buf, size_t len)
{
	fwrite(buf, 1, len, arg);
}

/* ------------------------------------------------------------ reading */

/* The next page with records, or 0 when the buffer is empty for now. */
static int cpu_fill(struct live *l, struct cpu_reader *c)
{
	for (;;) {
		ssize_t n = read(c->fd, c->page, l->page_size);

		if (n <= 0) {
			c->empty = 1;
			return 0;
		}
		/*
		 * A partial page is where the writer is: the round ends for
		 * this CPU, or reading could go on forever when the events
		 * traced include the reads themselves (syscalls:*).
		 */
		if ((size_t)n < l->page_size)
			c->empty = 1;
		if (kbuffer_load_subbuffer(c->kbuf, c->page) < 0) {
			if (c->empty)
				return 0;
			continue;
		}
		c->missed = kbuffer_missed_events(c->kbuf);
		c->rec = kbuffer_read_event(c->kbuf, &c->ts);
		if (c->rec)
			return 1;
		if (c->empty)
			return 0;
	}
}

/* The frames of a kernel_stack or user_stack record into @ips. */
static int stack_record(void *data, int size, uint64_t *ips, int max)
{
	int n, room;

	/* both: a 4-byte count or tgid at 8, unsigned long caller[] at 16 */
	if (size < 16)
		return -1;
	room = (size - 16) / 8;
	n = room < max ? room : max;
	memcpy(ips, (char *)data + 16, (size_t)n * 8);
	/* user_stack ends early with a zero frame */
	while (n > 0 && !ips[n - 1])
		n--;
	return n;
}

/*
 * With stack() or ustack() in the script, the kernel records a
 * kernel_stack and a user_stack event right after each event, on the
 * same CPU: take them with it.
 */
static void take_stacks(struct live *l, struct cpu_reader *c, int *nk,
			int *nu)
{
	*nk = *nu = -1;
	while (c->rec && l->stack_ids[0] + l->stack_ids[1] > -2) {
		struct tep_record r = { .data = c->rec,
					.size = kbuffer_event_size(c->kbuf) };
		uint16_t id;

		if (r.size < 2)
			break;
		memcpy(&id, r.data, sizeof(id));

		if (id == l->stack_ids[0] && *nk < 0)
			*nk = stack_record(r.data, r.size, l->kframes, 128);
		else if (id == l->stack_ids[1] && *nu < 0)
			*nu = stack_record(r.data, r.size, l->uframes, 128);
		else
			break;
		c->rec = kbuffer_next_event(c->kbuf, &c->ts);
	}
}

/* Run the probes of the record @c is at, and move @c past it. */
static int fire(struct live *l, struct cpu_reader *c)
{
	struct tep_record rec = {
		.ts = c->ts,
		.cpu = c->cpu,
		.data = c->rec,
		.size = kbuffer_event_size(c->kbuf),
		.missed_events = c->missed,
	};
	struct tep_view_task task = { 0 };
	uint16_t type;
	int nk, nu, r;

	/* the page stays loaded until c->rec is NULL and is refilled */
	c->rec = kbuffer_next_event(c->kbuf, &c->ts);
	if (!c->rec && l->stack_ids[0] + l->stack_ids[1] > -2 &&
	    (size_t)rec.size <= l->page_size) {
		/* its stacks may start the next page: keep the record */
		memcpy(l->held, rec.data, rec.size);
		rec.data = l->held;
		if (!c->empty)
			cpu_fill(l, c);
	}
	take_stacks(l, c, &nk, &nu);
	c->missed = 0;
	/* ftrace's common fields: u16 type at 0, int pid at 4, host order */
	if (rec.size < 8)
		return 0;
	memcpy(&type, rec.data, sizeof(type));
	memcpy(&task.tid, (char *)rec.data + 4, sizeof(task.tid));
	tasks_learn(l->tasks, l->tep, &rec, type);
	task.prefiltered = type < l->nprefiltered && l->prefiltered[type];
	/*
	 * ktap does not see its own reads.  Dropped here rather than with
	 * set_event_notrace_pid, which costs 0.6 ms of start-up.
	 */
	if (task.tid == l->self)
		return 0;
	tasks_lookup(l->tasks, task.tid, &task.pid, &task.comm);
	l->now = rec.ts;
	stacks_set(live_stacks, task.pid, l->kframes, nk, l->uframes, nu);
	r = tep_view_fire_task(l->view, &rec, &task);
	stacks_clear(live_stacks);
	return r;
}

/* profile-N: a sample fires its probe */
static const char *sample_name = "perf:cpu-clock";

static int no_field(const struct ktap_event *ev, int index,
		    struct ktap_field *out)
{
	return -1;
}

static int no_named_field(const struct ktap_event *ev, const char *name,
			  struct ktap_field *out)
{
	return -1;
}

static int sample_format(const struct ktap_event *ev, char *buf, size_t size)
{
	return snprintf(buf, size, "ip=%llx",
			(unsigned long long)*(const uint64_t *)ev->data);
}

static const struct ktap_event_ops sample_ops = {
	.field = no_field,
	.field_by_name = no_named_field,
	.format = sample_format,
};

static int fire_sample(void *arg, const struct profile_sample *smp)
{
	struct live *l = arg;
	struct ktap_event ev = {
		.ops = &sample_ops,
		.data = (void *)&smp->ip,
		.name = sample_name,
		.timestamp = smp->time,
	};
	int r;

	if (smp->pid == l->self)
		return 0;
	ev.task.cpu = smp->cpu;
	ev.task.pid = smp->pid;
	ev.task.tid = smp->tid;
	ev.task.uid = -1;
	tasks_lookup(l->tasks, smp->tid, &ev.task.pid, &ev.task.comm);
	ev.task.pid = smp->pid;
	stacks_set(live_stacks, smp->pid, smp->kernel, smp->nkernel,
		   smp->user, smp->nuser);
	r = ktap_session_fire(l->s, smp->probe, &ev) ? -1 : 0;
	stacks_clear(live_stacks);
	return r;
}

/*
 * Hand the records readable now to the VM, all CPUs merged by time; stop
 * after @max of them (0: no limit), so that timers, signals and the
 * target are seen to while events come faster than they are handled.
 * Returns 0 when the buffers are empty, 1 when cut short, -1 on error.
 */
static int drain(struct live *l, unsigned long max)
{
	unsigned long n = 0;
	int i;

	if (l->profile && profile_drain(l->profile, fire_sample, l))
		return -1;
	for (i = 0; i < l->ncpus; i++)
		l->cpus[i].empty = 0;
	for (;;) {
		struct cpu_reader *best = NULL;

		for (i = 0; i < l->ncpus; i++) {
			struct cpu_reader *c = &l->cpus[i];

			if (!c->rec && (c->empty || !cpu_fill(l, c)))
				continue;
			if (!best || c->ts < best->ts)
				best = c;
		}
		if (!best)
			return 0;
		if (fire(l, best))
			return -1;
		if (ktap_session_exited(l->s, NULL))
			return 0;
		/*
		 * This CPU is read up to where the kernel writes: what it
		 * writes next may be older than what the others still hold,
		 * so the round ends and the next one merges it in order.
		 */
		if (!best->rec && best->empty)
			return 0;
		if (++n == max)
			return 1;
	}
}

/* How long the reader may sleep: until the next tick, at most 100 ms. */
static void wait_time(struct live *l, struct timespec *ts)
{
	uint64_t wait = MAX_WAIT_NS;

	if (l->min_tick) {
		uint64_t left = l->min_tick -
				(mono_now() - l->t0) % l->min_tick;

		if (left < wait)
			wait = left;
	}
	ts->tv_sec = (time_t)(wait / 1000000000ULL);
	ts->tv_nsec = (long)(wait % 1000000000ULL);
}

/* A sampled task that has exited hangs its perf event up: drop it. */
static void drop_hangups(struct live *l)
{
	int i;

	for (i = 0; i < l->nfds; i++) {
		if (l->pfds[i].revents & (POLLHUP | POLLERR | POLLNVAL))
			l->pfds[i].fd = -1;
	}
}

int live_run(struct live *l, char *err, size_t errlen)
{
	struct timespec ts;
	int r = 0;

	if (tracee_release(&l->t, err, errlen))
		return -2;
	while (!tracee_stopped() && !l->t.done &&
	       !ktap_session_exited(l->s, NULL)) {
		int more = drain(l, DRAIN_BATCH);

		/* tick-N fires N after the start, then every N */
		if (more < 0 || ktap_session_time(l->s, mono_now() - l->t0)) {
			r = -1;
			break;
		}
		/* the reader of our output has gone (ktap ... | head) */
		if (ferror(l->up->out))
			break;
		/* what was printed shows before the reader sleeps */
		fflush(l->up->out);
		wait_time(l, &ts);
		if (more)
			ts.tv_sec = ts.tv_nsec = 0;	/* signals, target: no sleep */
		if (tracee_wait(&l->t, l->pfds, l->nfds, &ts) < 0 &&
		    errno != EINTR) {
			snprintf(err, errlen, "cannot wait for events: %s",
				 strerror(errno));
			return -2;
		}
		drop_hangups(l);
	}
	/* what the buffers hold when the run ends still counts */
	if (l->inst)
		tracefs_instance_file_write(l->inst, "tracing_on", "0");
	profile_enable(l->profile, 0);
	if (!r && !ktap_session_exited(l->s, NULL) && drain(l, 0) < 0)
		r = -1;
	return r;
}

/* ----------------------------------------------------------- open/close */

/* Which event types the kernel filters for every probe, by id. */
static int note_prefiltered(struct live *l)
{
	struct tep_event **ev = tep_list_events(l->tep, TEP_EVENT_SORT_ID);
	int i, max = 0;

	for (i = 0; ev && ev[i]; i++)
		max = ev[i]->id > max ? ev[i]->id : max;
	l->prefiltered = calloc(max + 1, 1);
	if (!l->prefiltered)
		return -1;
	l->nprefiltered = max + 1;
	for (i = 0; ev && ev[i]; i++)
		l->prefiltered[ev[i]->id] = (unsigned char)probes_prefiltered(
			l->probes, ev[i]->system, ev[i]->name);
	return 0;
}

struct maker {
	struct live *l;
	int ret;
	char err[512];
};

static void *make_instance(void *arg)
{
	struct maker *m = arg;

	m->ret = setup_instance(m->l, m->err, sizeof(m->err)) ||
		 probes_enable(m->l->probes, m->l->inst, m->err,
			       sizeof(m->err));
	return NULL;
}

/*
 * Make the instance and enable its events (stopped), and meanwhile parse
 * the formats: the kernel's part takes milliseconds (buffers allocated,
 * tracepoints patched in), so doing both at once shortens start-up.
 */
static int attach(struct live *l, char *err, size_t errlen)
{
	struct maker m = { .l = l };
	pthread_t t;
	int r;

	if (pthread_create(&t, NULL, make_instance, &m)) {
		make_instance(&m);
	} else {
		r = load_formats(l, err, errlen);
		pthread_join(t, NULL);
		if (r)
			return -1;
	}
	if (m.ret) {
		snprintf(err, errlen, "%s", m.err);
		return -1;
	}
	if (!l->tep && load_formats(l, err, errlen))
		return -1;
	l->view = tep_view_new(l->tep, l->s);
	if (!l->view || probes_bind(l->probes, l->tep, l->view) ||
	    note_prefiltered(l)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int has_trace_probes(struct ktap_session *s)
{
	uint32_t i;

	for (i = 0; i < ktap_session_probe_count(s); i++) {
		if (ktap_session_probe(s, i)->kind == KTAP_PROBE_TRACE)
			return 1;
	}
	return 0;
}

static uint64_t shortest_tick(struct ktap_session *s)
{
	uint64_t min = 0;
	uint32_t i;

	for (i = 0; i < ktap_session_probe_count(s); i++) {
		const struct ktap_probe *p = ktap_session_probe(s, i);

		if (p->kind == KTAP_PROBE_TICK && (!min || p->period_ns < min))
			min = p->period_ns;
	}
	return min;
}

struct live *live_open(struct ktap_session *s, const struct live_options *o,
		       struct user_platform *up, char *err, size_t errlen)
{
	struct live *l = calloc(1, sizeof(*l));
	int i;

	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->s = s;
	l->o = o;
	l->up = up;
	l->self = (int)getpid();
	l->stack_ids[0] = l->stack_ids[1] = -1;
	l->min_tick = shortest_tick(s);
	tracee_init(&l->t, o->cmd, o->pid);
	if (o->pid && tracee_pid_gone(o->pid)) {
		snprintf(err, errlen, "-p %d: no such process", o->pid);
		goto fail;
	}
	if (has_trace_probes(s) && live_mount_tracefs(err, errlen))
		goto fail;
	l->probes = probes_resolve(s, err, errlen);
	l->tasks = tasks_new();
	if (!l->probes || !l->tasks)
		goto fail;
	if (o->cmd && tracee_fork(&l->t, err, errlen))
		goto fail;
	l->profile = profile_open(s, o->cpu, l->t.child ? l->t.child : o->pid,
				  ktap_session_uses(s, "stack") ||
				  ktap_session_uses(s, "ustack"), err, errlen);
	if (!l->profile)
		goto fail;
	/* timers and profiles alone need no tracefs */
	if (!probes_count(l->probes)) {
		l->pfds = calloc(profile_pollfds(l->profile, NULL, 0) + 1,
				 sizeof(*l->pfds));
		if (!l->pfds) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		goto started;
	}
	for (i = 0; i < TASKS_NEVENTS; i++) {
		if (probes_add_internal(l->probes, tasks_events[i][0],
					tasks_events[i][1])) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if (probes_create(l->probes, err, errlen) ||
	    attach(l, err, errlen) ||
	    open_readers(l, err, errlen) ||
	    set(l, "tracing_on", "1", err, errlen))
		goto fail;
started:
	l->nfds += profile_pollfds(l->profile, l->pfds + l->nfds,
				   profile_pollfds(l->profile, NULL, 0));
	profile_enable(l->profile, 1);
	l->t0 = mono_now();
	if (o->timestamps) {
		l->next_sink = up->sink ? up->sink : plain_sink;
		l->next_arg = up->sink ? up->sink_arg : up->out;
		l->at_line_start = 1;
		up->sink = timestamp_sink;
		up->sink_arg = l;
	}
	if (!o->quiet && l->inst)
		fprintf(stderr, "ktap: tracing %d events%s, Ctrl-C to end\n",
			probes_count(l->probes),
			o->cmd ? " of the command" : o->pid ? " of the process" : "");
	return l;
fail:
	live_close(l);
	return NULL;
}

/* Events the ring buffers had no room for, from the instance's stats. */
static unsigned long long lost_events(struct live *l)
{
	unsigned long long lost = 0, n;
	int i;

	for (i = 0; i < l->ncpus; i++) {
		char file[64], *stats, *p;

		snprintf(file, sizeof(file), "per_cpu/cpu%d/stats",
			 l->cpus[i].cpu);
		stats = tracefs_instance_file_read(l->inst, file, NULL);
		for (p = stats; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
			if (sscanf(p, "overrun: %llu", &n) == 1 ||
			    sscanf(p, "dropped events: %llu", &n) == 1)
				lost += n;
		}
		free(stats);
	}
	return lost;
}

void live_close(struct live *l)
{
	int i;

	if (!l)
		return;
	if (l->inst || l->profile) {
		unsigned long long lost = (l->ncpus ? lost_events(l) : 0) +
			(l->profile ? profile_lost(l->profile) : 0);

		if (lost)
			fprintf(stderr, "ktap: warning: %llu events were lost: the ring buffer was full (a larger --buffer-size, or fewer events)\n",
				lost);
	}
	/* an instance with open files cannot be removed */
	for (i = 0; l->cpus && i < l->ncpus; i++) {
		close(l->cpus[i].fd);
		kbuffer_free(l->cpus[i].kbuf);
		free(l->cpus[i].page);
	}
	if (l->inst) {
		tracefs_instance_destroy(l->inst);
		tracefs_instance_free(l->inst);
	}
	probes_free(l->probes);
	profile_close(l->profile);
	/* after the run, not before: it would delay the start */
	if (l->inst)
		live_remove_stale();
	tracee_close(&l->t);
	free(l->cpus);
	free(l->pfds);
	free(l->prefiltered);
	free(l->held);
	tep_view_free(l->view);
	if (l->tep)
		tep_free(l->tep);
	tasks_free(l->tasks);
	if (l->up && l->up->sink == timestamp_sink) {
		l->up->sink = l->next_sink == plain_sink ? NULL : l->next_sink;
		l->up->sink_arg = l->next_arg;
	}
	free(l);
}

int live_dry_run(struct ktap_session *s, const struct live_options *o,
		 FILE *out, char *err, size_t errlen)
{
	struct probes *p;

	if (has_trace_probes(s) && live_mount_tracefs(err, errlen))
		return -1;
	p = probes_resolve(s, err, errlen);
	if (!p)
		return -1;
	probes_print(p, out);
	probes_free(p);
	return 0;
}

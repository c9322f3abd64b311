// SPDX-License-Identifier: GPL-2.0
/*
 * tprobe.c - tracepoint probes in the kernel VM of the cross-architecture
 * guests (tests/cross/guest.sh), from bytecode compiled elsewhere.
 *
 *   tprobe FILE.kpc
 *
 * The minimal ktap of other architectures cannot attach probes: the
 * command resolves events with libtraceevent and libtracefs, which it is
 * built without.  This client does what the kernel VM needs for plain
 * tracepoints itself: the probes' events from the bytecode's manifest
 * (libktap.a), their ids and fields from tracefs (the format files, read
 * here), then LOAD, ATTACH (this process), RUN, START, a workload, STOP,
 * END, with the script's output on stdout.  The workload makes events
 * whose field values are known: 5 forks, writes of 1..5 bytes to fd 42,
 * and 3 SIGUSR1 sent with raise() (si_code SI_TKILL, -6: a negative
 * 32-bit field), so tests/cross/probe.kp prints the same on every
 * architecture, byte order and field width being right.
 *
 * Exit status: 0 the script ran (its status is on stderr if not 0);
 * 1 the module refused something; 2 other failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ktap/ktap.h>
#include <ktap/ktapvm_ioctl.h>

#define TRACEFS "/sys/kernel/tracing/events"

static void __attribute__((noreturn)) die(int status, const char *what,
					  const char *why)
{
	fprintf(stderr, "tprobe: %s: %s\n", what, why);
	exit(status);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		die(2, path, strerror(errno));
	do {
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			if (!buf)
				die(2, path, "out of memory");
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

/* ------------------------------------------------ the events' formats */

/*
 * One "field:TYPE NAME[N];\toffset:O;\tsize:S;\tsigned:G;" line of a
 * format file into @f, the kernel VM's description (cmd/kevents.c makes
 * the same from libtraceevent's parse).  0, or -1 for a line that is not
 * a field.
 */
static int parse_field(const char *line, struct ktapvm_field *f)
{
	const char *decl = strstr(line, "field:"), *semi, *end, *name;
	unsigned int offset, size, sign, n = 0;
	int array = 0;

	if (!decl || !(semi = strchr(decl, ';')))
		return -1;
	decl += 6;
	if (sscanf(semi, ";\toffset:%u;\tsize:%u;\tsigned:%u;", &offset,
		   &size, &sign) != 3)
		return -1;
	/* the name is the last word, before a [N] of its own */
	end = semi;
	if (end > decl && end[-1] == ']') {
		while (end > decl && *end != '[')
			end--;
		n = (unsigned int)strtoul(end + 1, NULL, 10);
		array = 1;
	}
	for (name = end; name > decl && name[-1] != ' '; name--)
		;
	memset(f, 0, sizeof(*f));
	if (end == name || (size_t)(end - name) >= sizeof(f->name))
		return -1;
	memcpy(f->name, name, (size_t)(end - name));
	f->offset = (uint16_t)offset;
	f->size = (uint16_t)size;
	if (sign)
		f->flags |= KTAPVM_FIELD_SIGNED;
	if (!strncmp(decl, "__data_loc ", 11)) {
		f->flags |= KTAPVM_FIELD_DYNAMIC;
		decl += 11;
	} else if (!strncmp(decl, "__rel_loc ", 10)) {
		f->flags |= KTAPVM_FIELD_DYNAMIC | KTAPVM_FIELD_RELATIVE;
		decl += 10;
	}
	if (array || (f->flags & KTAPVM_FIELD_DYNAMIC)) {
		/* char name[N] and __data_loc char[] name are text */
		if (!strncmp(decl, "char ", 5) || !strncmp(decl, "char[", 5))
			f->flags |= KTAPVM_FIELD_STRING;
		else
			f->flags |= KTAPVM_FIELD_ARRAY;
		if (array)
			f->elem_size = (uint16_t)(n ? size / n : size);
	}
	return 0;
}

/* @e describes tracepoint @def ("sys:event"), its fields in @fields. */
static void describe(struct ktapvm_event *e, uint32_t probe, const char *def,
		     struct ktapvm_field *fields)
{
	char path[512], *fmt, *line, *next;
	const char *colon = strchr(def, ':');
	size_t len;
	int common = 1;

	if (!colon || strpbrk(def, "*?[ "))
		die(2, def, "tprobe takes plain sys:event tracepoints");
	memset(e, 0, sizeof(*e));
	e->kind = KTAPVM_EVENT_TRACEPOINT;
	e->probe = probe;
	snprintf(e->name, sizeof(e->name), "%s", def);
	snprintf(path, sizeof(path), TRACEFS "/%.*s/%s/id",
		 (int)(colon - def), def, colon + 1);
	fmt = read_file(path, &len);
	e->id = strtoull(fmt, NULL, 10);
	free(fmt);
	snprintf(path, sizeof(path), TRACEFS "/%.*s/%s/format",
		 (int)(colon - def), def, colon + 1);
	fmt = read_file(path, &len);
	/* the common fields come first, then an empty line */
	for (line = fmt; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (!*line && e->nfields == 0)
			common = 0;
		if (common || e->nfields == KTAPVM_MAX_FIELDS ||
		    parse_field(line, &fields[e->nfields]))
			continue;
		e->nfields++;
	}
	free(fmt);
	e->fields = (uintptr_t)fields;
}

/* ------------------------------------------------------- the session */

static void *u_alloc(void *ctx, size_t size)
{
	return malloc(size);
}

static void u_free(void *ctx, void *p, size_t size)
{
	free(p);
}

static void u_write(void *ctx, const char *buf, size_t len)
{
}

static const struct ktap_platform_ops u_ops = {
	.alloc = u_alloc,
	.free = u_free,
	.write = u_write,
};

static int fd;

static void *copy_output(void *arg)
{
	char buf[4096];
	ssize_t n;

	/* 0 once the module says no more output will come */
	while ((n = read(fd, buf, sizeof(buf))) > 0 ||
	       (n < 0 && errno == EINTR)) {
		if (n > 0)
			fwrite(buf, 1, (size_t)n, stdout);
	}
	fflush(stdout);
	return NULL;
}

static const char *k_error(void)
{
	static struct ktapvm_status st;

	memset(&st, 0, sizeof(st));
	if (ioctl(fd, KTAPVM_IOC_STATUS, &st))
		return strerror(errno);
	st.error[sizeof(st.error) - 1] = 0;
	return st.error[0] ? st.error : "(no error given)";
}

static void on_usr1(int sig)
{
}

static void workload(void)
{
	static const char bytes[5] = "abcde";
	int i, out = open("/dev/null", O_WRONLY);

	if (out < 0 || dup2(out, 42) < 0)
		die(2, "/dev/null", strerror(errno));
	for (i = 1; i <= 5; i++) {
		pid_t p = fork();

		if (p == 0)
			_exit(0);
		if (p < 0)
			die(2, "fork", strerror(errno));
		waitpid(p, NULL, 0);
		if (write(42, bytes, (size_t)i) != i)
			die(2, "write", strerror(errno));
	}
	signal(SIGUSR1, on_usr1);
	for (i = 0; i < 3; i++)
		raise(SIGUSR1);
	close(42);
	close(out);
}

int main(int argc, char **argv)
{
	struct ktap_platform pf = { &u_ops, NULL };
	struct ktapvm_event ev[16];
	struct ktapvm_field fields[16][KTAPVM_MAX_FIELDS];
	struct ktapvm_load ld;
	struct ktapvm_attach at;
	struct ktapvm_status st;
	struct ktap_session *s;
	const char *file = argc == 2 ? argv[1] : NULL;
	uint64_t args[1];
	uint32_t i, j, n = 0;
	pthread_t reader;
	size_t len;
	char *bc;

	if (!file)
		die(2, "usage", "tprobe FILE.kpc");
	bc = read_file(file, &len);
	/* the manifest, as the userspace loader and verifier see it */
	s = ktap_session_new(&pf, NULL);
	if (!s || ktap_session_load(s, bc, len, 1, (const char *const *)&file))
		die(2, file, s ? ktap_session_error(s) : "out of memory");
	for (i = 0; i < ktap_session_probe_count(s); i++) {
		const struct ktap_probe *p = ktap_session_probe(s, i);

		if (p->kind == KTAP_PROBE_END)
			continue;
		if (p->kind != KTAP_PROBE_TRACE)
			die(2, file, "tprobe takes tracepoint probes only");
		for (j = 0; j < p->nevents; j++, n++) {
			if (n == sizeof(ev) / sizeof(ev[0]))
				die(2, file, "too many events");
			describe(&ev[n], i, p->events[j], fields[n]);
		}
	}
	ktap_session_free(s);

	fd = open(KTAPVM_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(2, KTAPVM_DEVICE, strerror(errno));
	args[0] = (uintptr_t)file;
	memset(&ld, 0, sizeof(ld));
	ld.bytecode = (uintptr_t)bc;
	ld.size = (uint32_t)len;
	ld.argc = 1;
	ld.argv = (uintptr_t)args;
	if (ioctl(fd, KTAPVM_IOC_LOAD, &ld))
		die(1, "LOAD", k_error());
	memset(&at, 0, sizeof(at));
	at.nevents = n;
	at.cpu = -1;
	at.pid = getpid();
	at.events = (uintptr_t)ev;
	if (ioctl(fd, KTAPVM_IOC_ATTACH, &at))
		die(1, "ATTACH", k_error());
	if (pthread_create(&reader, NULL, copy_output, NULL))
		die(2, "pthread_create", "failed");
	if (ioctl(fd, KTAPVM_IOC_RUN) || ioctl(fd, KTAPVM_IOC_START))
		die(1, "RUN, START", k_error());
	workload();
	if (ioctl(fd, KTAPVM_IOC_STOP) || ioctl(fd, KTAPVM_IOC_END, 0))
		die(1, "STOP, END", k_error());
	pthread_join(reader, NULL);
	memset(&st, 0, sizeof(st));
	if (ioctl(fd, KTAPVM_IOC_STATUS, &st))
		die(2, "STATUS", strerror(errno));
	if (st.error[0] || st.exited)
		fprintf(stderr, "tprobe: status %d%s%s\n", st.exit_status,
			st.error[0] ? ", error: " : "", st.error);
	fprintf(stderr, "tprobe: %llu events ran the script, %llu dropped\n",
		(unsigned long long)st.events, (unsigned long long)st.dropped);
	close(fd);
	free(bc);
	return 0;
}

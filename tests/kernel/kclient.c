// SPDX-License-Identifier: GPL-2.0
/*
 * kclient.c - a raw client of /dev/ktap for the safety cases of
 * tests/kernel/guest.sh.  It talks the ioctl protocol directly
 * (include/ktap/ktapvm_ioctl.h), so bytecode reaches the module's loader
 * and verifier exactly as given, without the ktap command's own checks;
 * it links the userspace runtime (libktap.a) to compare verdicts.
 *
 *   kclient version                 print the module's VERSION answer
 *   kclient open [nobody|nocap]     open the device (as uid/gid 65534, or
 *                                   as root without CAP_SYS_ADMIN)
 *   kclient as-nobody CMD [ARG...]  run CMD as uid/gid 65534
 *   kclient run FILE [MAX_LOOP]     load, run, end; print the output
 *   kclient hold FILE SECONDS       load FILE, print "held", keep the
 *                                   session open SECONDS, close it
 *   kclient truncate FILE           every strict prefix of FILE must be
 *                                   rejected by the module's LOAD
 *   kclient corrupt FILE N SEED     N mutated copies of FILE: whatever the
 *                                   userspace loader rejects the module
 *                                   must reject too; what it accepts runs
 *
 * Exit status: 0 as expected (open: it opened), 1 refused (open: EPERM or
 * EACCES; run: LOAD rejected; truncate/corrupt: a copy the module should
 * have rejected), 2 other failure, 3 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include <ktap/ktap.h>
#include <ktap/ktapvm_ioctl.h>

static const char *arg0 = "kclient";

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f) {
		fprintf(stderr, "kclient: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			if (!buf)
				exit(2);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	*len = n;
	return buf;
}

/* ------------------------------------------------------- the module */

static int k_open(void)
{
	return open(KTAPVM_DEVICE, O_RDWR | O_CLOEXEC);
}

static int k_load(int fd, const void *bc, size_t len, uint64_t max_loop,
		  uint64_t max_mem)
{
	uint64_t argv[1] = { (uintptr_t)arg0 };
	struct ktapvm_load l;

	memset(&l, 0, sizeof(l));
	l.bytecode = (uintptr_t)bc;
	l.size = (uint32_t)len;
	l.argc = 1;
	l.argv = (uintptr_t)argv;
	l.max_loop = max_loop;
	l.max_mem = max_mem;
	return ioctl(fd, KTAPVM_IOC_LOAD, &l);
}

/* copy what output is ready to @out (NULL: discard) */
static void k_drain(int fd, FILE *out)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];
	ssize_t n;

	while (poll(&p, 1, 0) == 1 && (p.revents & POLLIN)) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (out)
			fwrite(buf, 1, (size_t)n, out);
	}
}

static const char *k_error(int fd)
{
	static struct ktapvm_status st;

	memset(&st, 0, sizeof(st));
	if (ioctl(fd, KTAPVM_IOC_STATUS, &st))
		return strerror(errno);
	st.error[sizeof(st.error) - 1] = 0;
	return st.error;
}

/* ------------------------------------------------------ userspace */

static void *u_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void u_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)size;
	free(p);
}

static void u_write(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
}

static const struct ktap_platform_ops u_ops = {
	.alloc = u_alloc,
	.free = u_free,
	.write = u_write,
};

/* 0: the userspace loader and verifier accept @bc */
static int u_load(const void *bc, size_t len)
{
	struct ktap_platform pf = { &u_ops, NULL };
	struct ktap_session *s = ktap_session_new(&pf, NULL);
	const char *argv[] = { arg0 };
	int r;

	if (!s)
		exit(2);
	r = ktap_session_load(s, bc, len, 1, argv);
	ktap_session_free(s);
	return r;
}

/* ------------------------------------------------------- privilege */

static void become_nobody(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
		perror("kclient: dropping to uid 65534");
		exit(2);
	}
}

static void drop_sys_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];
	int i = CAP_SYS_ADMIN / 32;
	uint32_t bit = 1U << (CAP_SYS_ADMIN % 32);

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) ||
	    syscall(SYS_capget, &h, d)) {
		perror("kclient: dropping CAP_SYS_ADMIN");
		exit(2);
	}
	d[i].effective &= ~bit;
	d[i].permitted &= ~bit;
	d[i].inheritable &= ~bit;
	if (syscall(SYS_capset, &h, d)) {
		perror("kclient: capset");
		exit(2);
	}
}

/* ------------------------------------------------------------ modes */

static int do_version(void)
{
	struct ktapvm_version v;
	int fd = k_open();

	if (fd < 0) {
		fprintf(stderr, "kclient: open %s: %s\n", KTAPVM_DEVICE,
			strerror(errno));
		return 2;
	}
	memset(&v, 0, sizeof(v));
	if (ioctl(fd, KTAPVM_IOC_VERSION, &v)) {
		fprintf(stderr, "kclient: VERSION: %s\n", strerror(errno));
		return 2;
	}
	v.release[sizeof(v.release) - 1] = 0;
	printf("protocol %u bytecode %u release %s\n", v.protocol, v.bytecode,
	       v.release);
	close(fd);
	return v.protocol == KTAPVM_PROTOCOL ? 0 : 1;
}

static int do_open(const char *who)
{
	int fd, e;

	if (who && !strcmp(who, "nobody"))
		become_nobody();
	else if (who && !strcmp(who, "nocap"))
		drop_sys_admin();
	else if (who)
		return 3;
	fd = k_open();
	e = errno;
	if (fd >= 0) {
		printf("open: ok\n");
		close(fd);
		return 0;
	}
	printf("open: %s\n", strerror(e));
	return e == EPERM || e == EACCES ? 1 : 2;
}

static int do_run(const char *file, uint64_t max_loop)
{
	size_t len;
	uint8_t *bc = read_file(file, &len);
	int fd = k_open(), rc = 0;

	if (fd < 0) {
		fprintf(stderr, "kclient: open: %s\n", strerror(errno));
		return 2;
	}
	if (k_load(fd, bc, len, max_loop, 0)) {
		fprintf(stderr, "kclient: LOAD: %s: %s\n", strerror(errno),
			k_error(fd));
		return 1;
	}
	if (ioctl(fd, KTAPVM_IOC_RUN) || ioctl(fd, KTAPVM_IOC_END)) {
		fprintf(stderr, "kclient: RUN: %s: %s\n", strerror(errno),
			k_error(fd));
		rc = 2;
	}
	k_drain(fd, stdout);
	close(fd);
	free(bc);
	return rc;
}

static int do_hold(const char *file, int seconds)
{
	size_t len;
	uint8_t *bc = read_file(file, &len);
	int fd = k_open();

	if (fd < 0 || k_load(fd, bc, len, 0, 0)) {
		fprintf(stderr, "kclient: open/LOAD: %s\n", strerror(errno));
		return 2;
	}
	printf("held\n");
	fflush(stdout);
	sleep((unsigned)seconds);
	close(fd);
	free(bc);
	return 0;
}

/* 0 accepted, else the errno of a refused LOAD; -1: cannot open */
static int k_try(const uint8_t *bc, size_t len, int run)
{
	int fd = k_open(), r = 0;

	if (fd < 0)
		return -1;
	if (k_load(fd, bc, len, 100000, 8 << 20))
		r = errno;
	else if (run) {
		/* errors here are the script's: only the kernel's health counts */
		if (!ioctl(fd, KTAPVM_IOC_RUN))
			ioctl(fd, KTAPVM_IOC_END);
		k_drain(fd, NULL);
	}
	close(fd);
	return r;
}

static int do_truncate(const char *file)
{
	size_t len, n, bad = 0, user_ok = 0;
	uint8_t *bc = read_file(file, &len), *copy;

	n = (size_t)k_try(bc, len, 0);
	if (n) {
		fprintf(stderr, "kclient: the whole of %s is refused: %s\n",
			file, (int)n < 0 ? "cannot open " KTAPVM_DEVICE
					 : strerror((int)n));
		return 2;
	}
	for (n = 0; n < len; n++) {
		int r;

		/* a copy of its own, so nothing past n can be read */
		copy = malloc(n ? n : 1);
		memcpy(copy, bc, n);
		r = k_try(copy, n, 0);
		if (!u_load(copy, n))
			user_ok++;
		if (r < 0) {
			fprintf(stderr, "kclient: open: %s\n", strerror(errno));
			return 2;
		}
		if (r == 0 && bad++ < 5)
			printf("accepted: the first %zu of %zu bytes\n", n, len);
		free(copy);
	}
	printf("%s: %zu prefixes, %zu accepted by the module, %zu by userspace\n",
	       file, len, bad, user_ok);
	free(bc);
	return bad ? 1 : 0;
}

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void mutate(uint8_t *p, size_t len)
{
	int i, k = 1 + (int)(next() % 3);

	for (i = 0; i < k; i++) {
		size_t at = next() % len;

		switch (next() % 5) {
		case 0: p[at] ^= (uint8_t)(1U << (next() % 8)); break;
		case 1: p[at] = (uint8_t)next(); break;
		case 2: p[at] = 0; break;
		case 3: p[at] = 0xff; break;
		default:	/* a 32-bit word: counts and offsets */
			if (at + 4 <= len)
				memcpy(p + at, &(uint32_t){ (uint32_t)next() }, 4);
			else
				p[at]++;
		}
	}
}

static int do_corrupt(const char *file, long count, unsigned long seed)
{
	size_t len;
	uint8_t *bc = read_file(file, &len), *copy = malloc(len);
	long i, k_rej = 0, u_rej = 0, ran = 0, worse = 0, stricter = 0;

	rng = 0x9e3779b97f4a7c15ULL ^ seed;
	for (i = 0; i < count; i++) {
		int kr, ur;

		memcpy(copy, bc, len);
		mutate(copy, len);
		ur = u_load(copy, len);
		kr = k_try(copy, len, 1);
		if (kr < 0) {
			fprintf(stderr, "kclient: open: %s\n", strerror(errno));
			return 2;
		}
		k_rej += kr != 0;
		u_rej += ur != 0;
		ran += kr == 0;
		if (kr == 0 && ur != 0 && worse++ < 5)
			printf("mutation %ld: userspace rejects it, the module accepts it\n", i);
		if (kr != 0 && ur == 0)
			stricter++;
	}
	printf("%s: %ld mutations, %ld rejected by the module, %ld by userspace, "
	       "%ld loaded and run, %ld accepted only by the module, "
	       "%ld accepted only by userspace\n",
	       file, count, k_rej, u_rej, ran, worse, stricter);
	free(copy);
	free(bc);
	return worse ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "version"))
		return do_version();
	if (!strcmp(mode, "open"))
		return do_open(argc > 2 ? argv[2] : NULL);
	if (!strcmp(mode, "as-nobody") && argc > 2) {
		become_nobody();
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		return 2;
	}
	if (!strcmp(mode, "run") && argc > 2)
		return do_run(argv[2], argc > 3 ? strtoull(argv[3], NULL, 0) : 0);
	if (!strcmp(mode, "hold") && argc > 3)
		return do_hold(argv[2], atoi(argv[3]));
	if (!strcmp(mode, "truncate") && argc > 2)
		return do_truncate(argv[2]);
	if (!strcmp(mode, "corrupt") && argc > 4)
		return do_corrupt(argv[2], atol(argv[3]), strtoul(argv[4], NULL, 0));
	fprintf(stderr, "usage: kclient version|open [nobody|nocap]|as-nobody CMD...|"
		"run FILE [MAX_LOOP]|hold FILE SECONDS|truncate FILE|"
		"corrupt FILE N SEED\n");
	return 3;
}

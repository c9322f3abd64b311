// SPDX-License-Identifier: GPL-2.0
/*
 * profile.c - cpu-clock sampling through perf_event_open().
 *
 * Each (probe, CPU) pair has its own event and ring buffer: the buffer
 * tells the probe, and per-CPU buffers need no locking in the kernel.
 * Records are read between data_tail and data_head; a record that wraps
 * around the end of the buffer is copied out first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "profile.h"

#define DATA_PAGES	16	/* per buffer: 64 KB, a power of two */
#define MAX_FRAMES	127	/* PERF_MAX_STACK_DEPTH is 127 */

struct ring {
	int fd;
	uint32_t probe;
	struct perf_event_mmap_page *meta;
	char *data;
	size_t size;			/* of data */
};

struct profile {
	struct ring *r;
	int n;
	size_t page;
	unsigned long long lost;
	uint64_t kframes[MAX_FRAMES + 1], uframes[MAX_FRAMES + 1];
	char copy[8192];		/* a record that wrapped around */
};

static int open_ring(struct profile *p, const struct ktap_probe *pr,
		     uint32_t probe, int cpu, int pid, int chains,
		     char *err, size_t errlen)
{
	struct perf_event_attr a;
	struct ring *r = &p->r[p->n];

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.sample_period = pr->period_ns;	/* cpu-clock counts ns */
	a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			PERF_SAMPLE_CPU |
			(chains ? PERF_SAMPLE_CALLCHAIN : 0);
	a.disabled = 1;
	a.inherit = pid > 0;		/* the target's children too */
	a.watermark = 1;
	a.wakeup_watermark = DATA_PAGES * p->page / 2;
	r->fd = (int)syscall(SYS_perf_event_open, &a, pid > 0 ? pid : -1, cpu,
			     -1, PERF_FLAG_FD_CLOEXEC);
	if (r->fd < 0) {
		snprintf(err, errlen, "line %u: profile: cannot open a cpu-clock event on CPU %d: %s",
			 pr->line, cpu, strerror(errno));
		return -1;
	}
	r->size = DATA_PAGES * p->page;
	r->meta = mmap(NULL, r->size + p->page, PROT_READ | PROT_WRITE,
		       MAP_SHARED, r->fd, 0);
	if (r->meta == MAP_FAILED) {
		snprintf(err, errlen, "line %u: profile: cannot map the sample buffer: %s",
			 pr->line, strerror(errno));
		close(r->fd);
		return -1;
	}
	r->data = (char *)r->meta + p->page;
	r->probe = probe;
	p->n++;
	return 0;
}

struct profile *profile_open(struct ktap_session *s, int cpu, int pid,
			     int chains, char *err, size_t errlen)
{
	struct profile *p = calloc(1, sizeof(*p));
	int ncpus = (int)sysconf(_SC_NPROCESSORS_CONF), c;
	uint32_t i, nprobes = 0;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->page = (size_t)sysconf(_SC_PAGESIZE);
	for (i = 0; i < ktap_session_probe_count(s); i++)
		nprobes += ktap_session_probe(s, i)->kind == KTAP_PROBE_PROFILE;
	if (!nprobes)
		return p;
	p->r = calloc((size_t)nprobes * ncpus, sizeof(*p->r));
	if (!p->r) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < ktap_session_probe_count(s); i++) {
		const struct ktap_probe *pr = ktap_session_probe(s, i);

		if (pr->kind != KTAP_PROBE_PROFILE)
			continue;
		for (c = 0; c < ncpus; c++) {
			if (cpu >= 0 && c != cpu)
				continue;
			/* an offline CPU cannot be sampled, and needs not be */
			if (open_ring(p, pr, i, c, pid, chains, err, errlen) &&
			    errno != ENODEV)
				goto fail;
		}
	}
	return p;
fail:
	profile_close(p);
	return NULL;
}

int profile_pollfds(struct profile *p, struct pollfd *fds, int max)
{
	int i;

	if (!p)
		return 0;
	if (!fds)
		return p->n;
	for (i = 0; i < p->n && i < max; i++) {
		fds[i].fd = p->r[i].fd;
		fds[i].events = POLLIN;
	}
	return i;
}

void profile_enable(struct profile *p, int on)
{
	int i;

	for (i = 0; p && i < p->n; i++)
		ioctl(p->r[i].fd, on ? PERF_EVENT_IOC_ENABLE :
				       PERF_EVENT_IOC_DISABLE, 0);
}

/* Take a sample record apart; 0, or -1 if it is malformed. */
static int parse_sample(struct profile *p, const struct ring *r,
			const uint64_t *w, size_t words,
			struct profile_sample *smp)
{
	uint64_t nr, i, ctx = PERF_CONTEXT_KERNEL;
	size_t k = 0;

	if (words < 4)
		return -1;
	memset(smp, 0, sizeof(*smp));
	smp->probe = r->probe;
	smp->ip = w[k++];
	smp->pid = (int)(uint32_t)w[k];
	smp->tid = (int)(w[k++] >> 32);
	smp->time = w[k++];
	smp->cpu = (int)(uint32_t)w[k++];
	smp->kernel = p->kframes;
	smp->user = p->uframes;
	if (k == words)
		return 0;
	nr = w[k++];
	if (nr > words - k)
		return -1;
	/* the chain marks where kernel frames end and user frames begin */
	for (i = 0; i < nr; i++) {
		uint64_t ip = w[k + i];

		if (ip >= PERF_CONTEXT_MAX) {
			ctx = ip;
			continue;
		}
		if (ctx == PERF_CONTEXT_KERNEL && smp->nkernel < MAX_FRAMES)
			p->kframes[smp->nkernel++] = ip;
		else if (ctx == PERF_CONTEXT_USER && smp->nuser < MAX_FRAMES)
			p->uframes[smp->nuser++] = ip;
	}
	return 0;
}

static int drain_ring(struct profile *p, struct ring *r,
		      int (*fn)(void *arg, const struct profile_sample *smp),
		      void *arg)
{
	uint64_t head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = r->meta->data_tail;
	int ret = 0;

	while (!ret && tail < head) {
		size_t off = tail % r->size;
		struct perf_event_header *h = (void *)(r->data + off);
		struct profile_sample smp;
		const char *rec = (const char *)h;
		size_t size;

		/* the header itself may wrap: copy it out first */
		if (off + sizeof(*h) > r->size) {
			size_t first = r->size - off;

			memcpy(p->copy, r->data + off, first);
			memcpy(p->copy + first, r->data, sizeof(*h) - first);
			h = (void *)p->copy;
		}
		size = h->size;
		if (size < sizeof(*h) || size > sizeof(p->copy))
			break;		/* damaged: drop the rest */
		if (off + size > r->size) {
			size_t first = r->size - off;

			memcpy(p->copy, r->data + off, first);
			memcpy(p->copy + first, r->data, size - first);
			rec = p->copy;
		}
		h = (void *)rec;
		if (h->type == PERF_RECORD_SAMPLE &&
		    !parse_sample(p, r, (const uint64_t *)(rec + sizeof(*h)),
				  (size - sizeof(*h)) / 8, &smp))
			ret = fn(arg, &smp);
		else if (h->type == PERF_RECORD_LOST)
			p->lost += ((const uint64_t *)(rec + sizeof(*h)))[1];
		tail += size;
	}
	__atomic_store_n(&r->meta->data_tail, tail, __ATOMIC_RELEASE);
	return ret;
}

int profile_drain(struct profile *p,
		  int (*fn)(void *arg, const struct profile_sample *smp),
		  void *arg)
{
	int i, r = 0;

	for (i = 0; !r && i < p->n; i++)
		r = drain_ring(p, &p->r[i], fn, arg);
	return r;
}

unsigned long long profile_lost(const struct profile *p)
{
	return p->lost;
}

void profile_close(struct profile *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++) {
		munmap(p->r[i].meta, p->r[i].size + p->page);
		close(p->r[i].fd);
	}
	free(p->r);
	free(p);
}

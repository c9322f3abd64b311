/* SPDX-License-Identifier: GPL-2.0 */
/*
 * profile.h - profile-N probes in live tracing: a cpu-clock perf event
 * per probe and CPU sampling every N ns, read from its ring buffer.
 */
#ifndef KTAP_CMD_PROFILE_H
#define KTAP_CMD_PROFILE_H

#include <poll.h>
#include <stdint.h>

#include <ktap/ktap.h>

struct profile;

/* One sample, as the ring buffer gave it. */
struct profile_sample {
	uint32_t probe;			/* the profile probe's index */
	uint64_t time;			/* ns, perf's clock */
	uint64_t ip;
	int pid, tid, cpu;
	const uint64_t *kernel;		/* kernel frames, innermost first */
	int nkernel;
	const uint64_t *user;		/* user frames */
	int nuser;
};

/*
 * Open the events for every profile probe of @s: on CPU @cpu (-1: each),
 * of process @pid and its children (0: every process), with callchains
 * when @chains.  Returns NULL with the reason in @err; a script without
 * profile probes gets a profile that samples nothing.
 */
struct profile *profile_open(struct ktap_session *s, int cpu, int pid,
			     int chains, char *err, size_t errlen);

/*
 * Put the ring buffers' fds in @fds (at most @max); returns how many.
 * With @fds NULL, returns how many there are.
 */
int profile_pollfds(struct profile *p, struct pollfd *fds, int max);

/* Start (1) or stop (0) sampling. */
void profile_enable(struct profile *p, int on);

/*
 * Call @fn for every sample in the buffers now, until it returns
 * non-zero (which is returned).  Returns 0 otherwise.
 */
int profile_drain(struct profile *p,
		  int (*fn)(void *arg, const struct profile_sample *smp),
		  void *arg);

/* Samples the kernel could not write into a full buffer. */
unsigned long long profile_lost(const struct profile *p);

void profile_close(struct profile *p);

#endif /* KTAP_CMD_PROFILE_H */

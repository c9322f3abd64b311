/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stacks.h - addresses to symbols, and stacks to the folded one-line form
 * ("outer;...;inner") that stack() and ustack() return: a string, so it
 * keys tables, and print_hist() of such a table is the input of
 * flame-graph tools.
 *
 * Kernel addresses are looked up in /proc/kallsyms, read on first use;
 * user addresses through the process's /proc/PID/maps to an ELF file and
 * its symbols (host/elfsym.h), both cached.  What cannot be named is
 * written in hex.
 */
#ifndef KTAP_CMD_STACKS_H
#define KTAP_CMD_STACKS_H

#include <stddef.h>
#include <stdint.h>

#include <ktap/ktap.h>

#define STACKS_KERNEL	(-1)	/* a pid meaning: kernel addresses */

struct stacks;

struct stacks *stacks_new(void);
void stacks_free(struct stacks *st);

/*
 * Fold @n addresses, innermost first, of the kernel (@pid STACKS_KERNEL)
 * or of process @pid, keeping at most @max frames (0: all) from the
 * innermost.  The text is valid until the next call; NULL if out of
 * memory.
 */
const char *stacks_fold(struct stacks *st, int pid, const uint64_t *ips,
			int n, int max, size_t *len);

/* Forget what was learned about process @pid (it exec'ed or exited). */
void stacks_forget(struct stacks *st, int pid);

/*
 * Add stack([N]) and ustack([N]) to session @s (before it loads), which
 * fold the frames last given to stacks_set().
 */
int stacks_register(struct stacks *st, struct ktap_session *s);

/*
 * The frames of the event being handled: @nk kernel and @nu user ones of
 * process @pid, innermost first; -1 counts mean "not recorded".  The
 * arrays must live until the handler returns.
 */
void stacks_set(struct stacks *st, int pid, const uint64_t *k, int nk,
		const uint64_t *u, int nu);

/* The handler has returned: stack() has no event until the next. */
void stacks_clear(struct stacks *st);

#endif /* KTAP_CMD_STACKS_H */

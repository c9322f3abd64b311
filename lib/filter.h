/* SPDX-License-Identifier: GPL-2.0 */
/*
 * filter.h - probe filters in the kernel's event-filter syntax
 * (Documentation/trace/events.rst):
 *
 *	trace sched:sched_switch /prev_pid == 0 && next_comm ~ "kworker*"/ { }
 *
 * Predicates compare a field with a number (== != < <= > >= &) or a
 * string (== != ~ glob), combined with && || ! and parentheses.  The
 * compiler checks the syntax; every host evaluates the same way, here.
 */
#ifndef KTAP_FILTER_H
#define KTAP_FILTER_H

#include "kp_state.h"

#define KP_FILTER_MAX_NODES	64

enum kp_fnode_kind { FN_AND, FN_OR, FN_NOT, FN_CMP };
enum kp_fcmp { FC_EQ, FC_NE, FC_LT, FC_LE, FC_GT, FC_GE, FC_BAND, FC_GLOB };

struct kp_fnode {
	uint8_t kind;		/* enum kp_fnode_kind */
	uint8_t cmp;		/* enum kp_fcmp */
	uint8_t isnum;		/* the value is also a number */
	int16_t a, b;		/* operands of FN_AND, FN_OR, FN_NOT */
	const char *field;
	const char *str;	/* the value's text */
	uint32_t slen;
	int64_t num;
};

struct kp_filter {
	int nnodes;
	int root;
	struct kp_fnode nodes[KP_FILTER_MAX_NODES];
};

/*
 * Parse @text, which becomes the filter's storage (NULs are written into
 * it).  Returns 0, or -1 with a message in @err.
 */
int filter_parse(char *text, struct kp_filter *f, char *err, size_t errlen);
/* 1 if @ev passes, 0 if not (a field it lacks fails its predicate). */
int filter_eval(const struct kp_filter *f, const struct ktap_event *ev);
/* Shell-style glob: '*', '?', '[a-z]', '[!x]'. */
int kp_glob(const char *pat, size_t plen, const char *s, size_t slen);

#endif /* KTAP_FILTER_H */

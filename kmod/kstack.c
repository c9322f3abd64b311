// SPDX-License-Identifier: GPL-2.0
/*
 * kstack.c - stack([N]) in the kernel VM: the kernel stack of the event
 * being handled, folded "outer;...;inner" like every other host's, N
 * innermost frames at most.
 *
 * The stack is walked from the handler, so its innermost frames are the
 * module's and perf's own; they are cut off where the event's code
 * begins: at the function of the registers perf hands the handler (the
 * tracepoint's caller, the probed function, the interrupted function of
 * a profile sample).  Registers from user mode (a system call's) leave
 * only the kernel's entry path, which begins after perf's last frame.
 */
#include <linux/kallsyms.h>
#include <linux/ptrace.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>

#include "ktapvm.h"

#define KV_STACK_FRAMES	64

struct kv_stack {
	unsigned long frames[KV_STACK_FRAMES];
	char ip[KSYM_SYMBOL_LEN];
	char names[KV_STACK_FRAMES][KSYM_SYMBOL_LEN];
	char text[KV_STACK_FRAMES * KSYM_SYMBOL_LEN];
};

/* A frame's function, without " [module]": the names /proc/kallsyms has */
static void frame_name(char *buf, unsigned long addr)
{
	char *mod;

	sprint_symbol_no_offset(buf, addr);
	mod = strchr(buf, ' ');
	if (mod)
		*mod = '\0';
}

/* Index of the innermost frame of the event's own code. */
static int event_start(struct kv_stack *st, int n, struct pt_regs *regs,
		       bool profile)
{
	int i, last_perf = -1;

	if (regs && !user_mode(regs)) {
		frame_name(st->ip, instruction_pointer(regs));
		for (i = 0; i < n; i++)
			if (!strcmp(st->names[i], st->ip))
				return i;
	}
	/* a profile sample of user code has no kernel stack of its own */
	if (profile)
		return n;
	for (i = 0; i < n; i++)
		if (strstr(st->names[i], "perf_"))
			last_perf = i;
	return last_perf + 1;
}

static int fn_stack(void *ctx, const struct ktap_field *args, int nargs,
		    struct ktap_field *ret, char *err, size_t errlen)
{
	struct kv_session *ks = ctx;
	struct kv_stack *st = ks->stack;
	int n, i, start;
	size_t len = 0;
	s64 max;

	if (ktap_stack_depth(args, nargs, &max, err, errlen))
		return -1;
	if (!max || max > KV_STACK_FRAMES)
		max = KV_STACK_FRAMES;
	if (!ks->in_probe || !ks->att.in_event || !st) {
		snprintf(err, errlen, "there is no event here (call it in a probe handler)");
		return -1;
	}
	n = stack_trace_save(st->frames, KV_STACK_FRAMES, 0);
	for (i = 0; i < n; i++)
		frame_name(st->names[i], st->frames[i]);
	start = event_start(st, n, ks->att.regs, ks->att.profile);
	n = min_t(s64, n, start + max);
	/* outermost first, as flame-graph tools read it */
	st->text[0] = '\0';
	for (i = n - 1; i >= start; i--)
		len += scnprintf(st->text + len, sizeof(st->text) - len, "%s%s",
				 len ? ";" : "", st->names[i]);
	ret->type = KTAP_FIELD_STRING;
	ret->str = st->text;
	ret->len = len;
	return 0;
}

int kv_stack_register(struct kv_session *ks)
{
	return ktap_session_add_function(ks->s, NULL, "stack", fn_stack, ks);
}

int kv_stack_prepare(struct kv_session *ks)
{
	if (!ktap_session_uses(ks->s, "stack") || ks->stack)
		return 0;
	ks->stack = kvmalloc(sizeof(*ks->stack), GFP_KERNEL);
	return ks->stack ? 0 : -ENOMEM;
}

void kv_stack_free(struct kv_session *ks)
{
	kvfree(ks->stack);
	ks->stack = NULL;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vm.h - helpers of the interpreter shared with the built-ins.
 */
#ifndef KTAP_VM_H
#define KTAP_VM_H

#include "kp_state.h"

/* Built-in behind pairs(): the VM iterates tables with it without a call. */
extern const struct kp_builtin kp_builtin_next;

/* Append the text of @v as print() shows it to @b. */
int vm_tostring(struct ktap_session *S, struct kp_buf *b,
		const struct kp_value *v);
/* " (global 'x')": what operand of instruction @pc held (names.c). */
void vm_name_operand(const struct kp_module *m, const struct kp_proto *p,
		     uint32_t pc, char *buf, size_t size);
/* t[key] += delta, as the VM does it (update.c merges with it too). */
int vm_table_incr(struct ktap_session *S, const struct kp_value *t,
		  const struct kp_value *key, const struct kp_value *delta);
/* The slot of t[key] for <<<: an aggregation made with @spec if nil. */
struct kp_value *vm_table_agg_slot(struct ktap_session *S,
				   const struct kp_value *t,
				   const struct kp_value *key,
				   const struct kp_lspec *spec);
/* Compare two strings by bytes: <0, 0, >0. */
int vm_strcmp(const struct kp_str *a, const struct kp_str *b);

#endif /* KTAP_VM_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kp_sys.h - the one place where lib/ meets its build world.
 *
 * lib/ is compiled three ways: in userspace (libc), in the kernel
 * (ktapvm.ko) and freestanding (make check-freestanding).  Everything the
 * core needs from a C environment is named here: fixed-width integers,
 * memcpy/memset/memmove/memcmp (which even freestanding compilers may
 * emit calls to), and varargs, taken from the compiler's builtins.
 */
#ifndef KTAP_KP_SYS_H
#define KTAP_KP_SYS_H

#include "../include/ktap/ktap.h"

#if defined(__KERNEL__)
#include <linux/compiler.h>
#include <linux/string.h>
#include <linux/limits.h>
/* objtool must see the interpreter's dispatch table as a jump table */
#define KP_JUMP_TABLE		__annotate_jump_table
#elif !defined(KTAP_FREESTANDING)
#include <string.h>
#endif

#ifndef INT64_MAX
#define INT64_MAX	((int64_t)(~0ULL >> 1))
#define INT64_MIN	(-INT64_MAX - 1)
#endif

#define kp_memcpy(d, s, n)	__builtin_memcpy(d, s, n)
#define kp_memmove(d, s, n)	__builtin_memmove(d, s, n)
#define kp_memset(d, c, n)	__builtin_memset(d, c, n)
#define kp_memcmp(a, b, n)	__builtin_memcmp(a, b, n)
#define kp_strlen(s)		__builtin_strlen(s)

typedef __builtin_va_list kp_va_list;
#define kp_va_start(ap, last)	__builtin_va_start(ap, last)
#define kp_va_arg(ap, type)	__builtin_va_arg(ap, type)
#define kp_va_end(ap)		__builtin_va_end(ap)
#define kp_va_copy(d, s)	__builtin_va_copy(d, s)

#ifndef KP_JUMP_TABLE
#define KP_JUMP_TABLE
#endif

#define kp_likely(x)		__builtin_expect(!!(x), 1)
#define kp_unlikely(x)		__builtin_expect(!!(x), 0)
#define KP_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define KP_UNUSED		__attribute__((__unused__))
/* Slow paths stay out of the interpreter's frame (the kernel stack is small). */
#define KP_NOINLINE		__attribute__((__noinline__))
#define KP_PRINTF(f, a)		__attribute__((__format__(__printf__, f, a)))

#endif /* KTAP_KP_SYS_H */

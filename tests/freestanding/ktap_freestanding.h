/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The platform shim of `make check-freestanding`: the few types a C
 * compiler defines for any target, and nothing else.  If lib/ needs more
 * than this, it would not build inside the kernel either.
 */
#ifndef KTAP_FREESTANDING_H
#define KTAP_FREESTANDING_H

typedef __INT8_TYPE__ int8_t;
typedef __INT16_TYPE__ int16_t;
typedef __INT32_TYPE__ int32_t;
typedef __INT64_TYPE__ int64_t;
typedef __UINT8_TYPE__ uint8_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __UINT64_TYPE__ uint64_t;
typedef __UINTPTR_TYPE__ uintptr_t;
typedef __SIZE_TYPE__ size_t;

#define NULL ((void *)0)

#endif

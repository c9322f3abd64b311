/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bytecode.h - the bytecode file format (Documentation/bytecode.md).
 *
 * Written by lang/dump.c, read by lib/load.c.  Every field has a fixed
 * width and is little-endian; nothing depends on the producing machine.
 *
 *	file   := magic[4] version:u16 flags:u16 chunkname:str
 *		  nglobals:u32 str[nglobals]
 *		  nspecs:u32 spec[nspecs]
 *		  nprobes:u32 probe[nprobes]
 *		  proto				(the main chunk; nothing follows)
 *	spec   := lo:i64 hi:i64 step:i64
 *	probe  := kind:u8 legacy:u8 line:u32 period_ns:u64 filter:str
 *		  nevents:u32 str[nevents]
 *	proto  := linedefined:u32 nparams:u8 is_vararg:u8 framesize:u8
 *		  nupvals:u8 name:str
 *		  ncode:u32 code:u32[ncode] lines:u32[ncode]
 *		  nk:u32 const[nk]
 *		  updesc[nupvals]		(instack:u8 idx:u8)
 *		  nprotos:u32 proto[nprotos]
 *	const  := tag:u8 (KBC_*) then i64 for KBC_INT, str for KBC_STR
 *	str    := len:u32 bytes[len]
 */
#ifndef KTAP_BYTECODE_H
#define KTAP_BYTECODE_H

#define KBC_MAGIC	"\033ktp"
#define KBC_MAGIC_LEN	4

enum {
	KBC_NIL = 0,
	KBC_FALSE,
	KBC_TRUE,
	KBC_INT,
	KBC_STR,
};

/* Limits the loader enforces before allocating anything. */
#define KBC_MAX_NESTING	64		/* functions inside functions */
#define KBC_MAX_CODE	(1U << 24)	/* instructions per function */
#define KBC_MAX_ITEMS	(1U << 17)	/* constants, protos, globals */
#define KBC_MAX_PROBES	4096
#define KBC_MAX_EVENTS	4096		/* EVENTDEFs per probe */

#endif /* KTAP_BYTECODE_H */

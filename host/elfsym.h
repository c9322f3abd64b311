/* SPDX-License-Identifier: GPL-2.0 */
/*
 * elfsym.h - what the live tracer needs to know about an ELF file to put
 * uprobes on it: the file offsets of its functions and of its USDT
 * (SystemTap SDT) probes, and the USDT arguments in uprobe_events syntax.
 *
 * uprobe_events wants file offsets, not addresses: every address here is
 * translated through the PT_LOAD segment that holds it, so executables,
 * PIE and shared libraries all work the same.  Errors come back as a
 * message in @err (at most @errlen bytes, NUL-terminated); nothing is
 * printed.  Uses libelf (link with -lelf).
 */
#ifndef KTAP_ELFSYM_H
#define KTAP_ELFSYM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Store in @offset the file offset of function @sym of ELF file @path.
 * Only defined functions count (STT_FUNC and STT_GNU_IFUNC, whose
 * resolver is what gets probed), from .symtab and .dynsym.  @sym is
 * compared without symbol versions; if several symbols have the name, a
 * global wins over a local and the default version (foo@@V) over others.
 * Returns 0, or -1 with a message in @err, e.g. "no symbol 'foo' in
 * /bin/ls", "/x: not an ELF file", "cannot open /x: No such file ...".
 */
int elfsym_offset(const char *path, const char *sym, uint64_t *offset,
		  char *err, size_t errlen);

/*
 * Call @cb once per defined function of @path whose name matches the
 * shell glob @glob (every function if @glob is NULL), in strcmp() order
 * of names, with the offset elfsym_offset() would give.  Names are
 * without symbol versions and each is reported once.  Functions at
 * offset 0 (not in a loaded segment) are skipped.  A non-zero return of
 * @cb stops the walk and is returned; else 0, or -1 with a message in
 * @err.  @name is only valid during the call.
 */
int elfsym_functions(const char *path, const char *glob,
		     int (*cb)(void *arg, const char *name, uint64_t offset),
		     void *arg, char *err, size_t errlen);

/* Arguments beyond this many are neither translated nor flagged. */
#define ELFSYM_SDT_MAX_ARGS	32

/* One USDT probe; every string is only valid during the callback. */
struct elfsym_sdt {
	const char *provider;
	const char *name;
	/* file offset of the probe's nop, for uprobe_events */
	uint64_t offset;
	/* file offset of the semaphore (ref_ctr_offset), 0 if none */
	uint64_t semaphore;
	/* the note's argument string, e.g. "-4@%edi 8@-16(%rbp)" */
	const char *args;
	/*
	 * The arguments as uprobe_events fetchargs named arg1..argN, e.g.
	 * "arg1=%di:s32 arg2=-16(%bp):u64"; "" when there are none.
	 */
	const char *fetchargs;
	/* how many arguments the note has */
	int nargs;
	/*
	 * Bit i-1 is set when argument i could not be expressed as a
	 * fetcharg (an index or segment form, a symbol, a machine we do not
	 * know): it is left out of @fetchargs, and the others keep their
	 * numbers, so a script's $argN means the same with or without it.
	 */
	uint32_t unsupported;
};

/*
 * Call @cb for every SDT note (.note.stapsdt) of @path whose
 * "provider:name" or "name" matches the shell glob @glob (all if NULL),
 * in the order of the notes.  Probe and semaphore addresses are moved by
 * the distance between .stapsdt.base's address and the one the note
 * recorded, as prelink may have moved the file.  An ELF file without
 * notes is not an error.  A non-zero return of @cb stops the walk and is
 * returned; else 0, or -1 with a message in @err.
 */
int elfsym_sdt_notes(const char *path, const char *glob,
		     int (*cb)(void *arg, const struct elfsym_sdt *note),
		     void *arg, char *err, size_t errlen);

/*
 * Translate the SDT argument string @args of an ELF file for machine
 * @machine (EM_X86_64, EM_386, EM_AARCH64; any other gives "" and every
 * argument unsupported) to uprobe_events fetchargs in @buf, as for
 * struct elfsym_sdt's @fetchargs.  Stores the number of arguments in
 * @nargs and the unsupported bitmask in @unsupported.  Returns 0, or -1
 * if @buflen is too small (@buf then holds "").
 */
int elfsym_sdt_fetchargs(int machine, const char *args, char *buf,
			 size_t buflen, int *nargs, uint32_t *unsupported);

#endif /* KTAP_ELFSYM_H */

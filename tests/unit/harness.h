/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - what the unit tests share: "ok NAME" / "not ok NAME: why"
 * reporting, a platform whose allocator counts (and checks) every byte, and
 * a bytecode codec -- decode a file into structures, change them, encode
 * them again -- so that tests can break compiled scripts in targeted ways
 * or write bytecode no compiler would produce.
 */
#ifndef KTAP_TEST_HARNESS_H
#define KTAP_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#include <ktap/ktap.h>

/* ----------------------------------------------------------- reporting */

/* Print "ok NAME" when @cond, else "not ok NAME: why"; returns @cond. */
int check(int cond, const char *name, const char *whyfmt, ...)
	__attribute__((format(printf, 3, 4)));
void pass(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fail(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* While set, passing checks print nothing (failures always do). */
extern int harness_quiet;
/* 0 when every check passed, for main()'s exit status. */
int failures(void);

/* ------------------------------------------------------------- platform */

struct counting {
	size_t cur;		/* bytes held now */
	size_t peak;
	size_t nalloc;		/* allocations ever made */
	size_t limit;		/* refuse beyond this many bytes, 0: never */
	size_t bad_free;	/* frees whose size differs from the alloc */
	char *out;		/* everything written, NUL-terminated */
	size_t outlen, outcap;
};

/* A platform using @c (zeroed by the caller) for memory and output. */
void counting_init(struct counting *c, struct ktap_platform *pf);
void counting_reset_output(struct counting *c);
void counting_fini(struct counting *c);

/* ---------------------------------------------------------- bytecode */

struct tk_const {
	uint8_t tag;		/* KBC_* */
	int64_t n;
	char *s;
	uint32_t len;
};

struct tk_proto {
	uint32_t linedefined;
	uint8_t nparams, is_vararg, framesize, nupvals;
	char *name;
	uint32_t ncode;
	uint32_t *code;
	uint32_t *lines;
	uint32_t nk;
	struct tk_const *k;
	uint8_t *up;		/* nupvals pairs: instack, idx */
	uint32_t nprotos;
	struct tk_proto **p;
};

struct tk_probe {
	uint8_t kind, legacy;
	uint32_t line;
	uint64_t period_ns;
	char *filter;
	uint32_t nevents;
	char **events;
};

struct tk_module {
	uint8_t magic[4];
	uint16_t version, flags;
	char *chunkname;
	uint32_t nglobals;
	char **gnames;
	uint32_t nspecs;
	int64_t (*specs)[3];
	uint32_t nprobes;
	struct tk_probe *probes;
	struct tk_proto *main;
};

/*
 * Memory of decoded and built modules comes from one pool, released by
 * tk_free_all() (leak checkers see nothing left behind).
 */
void *tk_alloc(size_t size);
char *tk_strdup(const char *s);
void tk_free_all(void);

/* Where tk_encode() wrote the count fields of the last module. */
struct tk_offsets {
	size_t chunkname;		/* its length field */
	size_t nglobals, nspecs, nprobes;
	size_t nevents;			/* of the first probe */
	size_t main_name, ncode, nk, nprotos;	/* of the main function */
};
extern struct tk_offsets tk_off;

/* Decode a bytecode file; NULL if it is not well-formed. */
struct tk_module *tk_decode(const void *buf, size_t len);
/* Encode @m; the buffer is in the pool. */
uint8_t *tk_encode(const struct tk_module *m, size_t *len);

/* An empty module: main function "main" with the given code. */
struct tk_module *tk_module_new(void);
struct tk_proto *tk_proto_new(const char *name);
/* Replace the code of @p with @n instructions (lines all 1). */
void tk_set_code(struct tk_proto *p, uint32_t n, ...);
void tk_set_code_array(struct tk_proto *p, uint32_t n, const uint32_t *code);
/* Append a constant; returns its index. */
uint32_t tk_add_int(struct tk_proto *p, int64_t n);
uint32_t tk_add_str(struct tk_proto *p, const char *s);
uint32_t tk_add_nil(struct tk_proto *p);
/* Append child @c to @p; returns its index. */
uint32_t tk_add_proto(struct tk_proto *p, struct tk_proto *c);
uint32_t tk_add_global(struct tk_module *m, const char *name);
uint32_t tk_add_probe(struct tk_module *m, int kind, uint64_t period,
		      const char *event);
uint32_t tk_add_spec(struct tk_module *m, int64_t lo, int64_t hi,
		     int64_t step);
/* Index of the first instruction with opcode @op in @p, -1 if none. */
int tk_find(const struct tk_proto *p, int op);

/* Compile @src; aborts the test program if it does not compile. */
uint8_t *compile_or_die(const char *src, size_t *len);

/* ------------------------------------------------------------- sessions */

/*
 * Load @bc into a fresh session with a counting allocator.  Returns the
 * result of ktap_session_load(); @err (if not NULL) gets the message.
 * The session is freed and every byte must come back: a leak makes the
 * check named @name fail.
 */
int try_load(const char *name, const void *bc, size_t len, char *err,
	     size_t errlen);

/* Loading must fail with a message containing @substr. */
int expect_reject(const char *name, const void *bc, size_t len,
		  const char *substr);
int expect_reject_mod(const char *name, const struct tk_module *m,
		      const char *substr);
/* Memory the last load needed beyond the fresh session, at most. */
extern size_t last_load_peak;

/* Loading must succeed; then run the top level, fire every probe, end. */
int expect_accept_mod(const char *name, const struct tk_module *m);

#endif /* KTAP_TEST_HARNESS_H */

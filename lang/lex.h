/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lex.h - the lexer of the ktap language, and the compiler's shared
 * plumbing: error reporting (longjmp to ktap_compile) and an arena that
 * holds every string and table of one compilation.
 */
#ifndef KTAP_LEX_H
#define KTAP_LEX_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

enum token_type {
	TK_EOF = 256,
	TK_NAME, TK_STRING, TK_NUMBER,
	TK_FIELD,		/* $name */
	/* keywords, in the order of lex_keywords[] */
	TK_TRACE, TK_TRACE_END, TK_TICK, TK_PROFILE, TK_FUNCTION, TK_VAR,
	TK_IF, TK_ELSE, TK_ELSEIF, TK_FOR, TK_IN, TK_WHILE, TK_REPEAT,
	TK_UNTIL, TK_BREAK, TK_RETURN, TK_DO, TK_NIL, TK_TRUE, TK_FALSE,
	TK_AND, TK_OR, TK_NOT,
	TK_GOTO, TK_THEN, TK_END, TK_FFI,	/* reserved */
	/* multi-character operators */
	TK_CONCAT,		/* .. */
	TK_DOTS,		/* ... */
	TK_EQ, TK_NE, TK_LE, TK_GE,
	TK_PLUSEQ,		/* += */
	TK_AGG,			/* <<< */
};

#define FIRST_KEYWORD	TK_TRACE
#define LAST_KEYWORD	TK_FFI

struct token {
	int type;
	int line, col;
	int64_t num;		/* TK_NUMBER */
	const char *str;	/* TK_NAME, TK_STRING, TK_FIELD: in the arena */
	size_t len;
};

struct arena_chunk;

struct lexer {
	const char *chunkname;
	const char *src, *p, *end;
	int line;
	const char *linestart;
	struct token t;		/* current token */
	struct token ahead;	/* lookahead, valid when has_ahead */
	int has_ahead;
	/* error exit */
	jmp_buf *jb;
	char *err;
	size_t errlen;
	/* memory of the compilation */
	struct arena_chunk *arena;
	char *sbuf;		/* string literal being read */
	size_t slen, scap;
};

void lex_init(struct lexer *ls, const char *chunkname, const char *src,
	      size_t len);
void lex_next(struct lexer *ls);
/* Peek at the token after the current one. */
const struct token *lex_peek(struct lexer *ls);
/* The text of a token for messages ("'x'", "<eof>"). */
const char *lex_token_text(struct lexer *ls, const struct token *t,
			   char *buf, size_t size);
/* Report an error at the current token and leave the compilation. */
void lex_error(struct lexer *ls, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* The same at a given line (for errors found after the fact). */
void lex_error_at(struct lexer *ls, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), noreturn));

/*
 * Raw text of a probe header, read from the character after the current
 * token up to (not including) @stop at nesting depth 0, outside quotes.
 * The next lex_next() continues after it.  Needs no lookahead pending.
 */
const char *lex_raw_until(struct lexer *ls, char stop, size_t *len);

/* Arena allocation: zeroed, freed with lex_free(); never fails (longjmp). */
void *lex_alloc(struct lexer *ls, size_t size);
char *lex_strdup(struct lexer *ls, const char *s, size_t len);
void lex_free(struct lexer *ls);

extern const char *const lex_keywords[];

#endif /* KTAP_LEX_H */

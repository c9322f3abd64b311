// SPDX-License-Identifier: GPL-2.0
/*
 * lex.c - turning ktap source into tokens.
 *
 * Comments: '#' and '--' to the end of the line, '--[[ ... ]]' blocks.
 * Numbers are decimal or 0x hex integers that wrap modulo 2^64 like all
 * arithmetic.  Strings: "..." and '...' with C escapes, and [[ ... ]].
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"

const char *const lex_keywords[] = {
	"trace", "trace_end", "tick", "profile", "function", "var",
	"if", "else", "elseif", "for", "in", "while", "repeat",
	"until", "break", "return", "do", "nil", "true", "false",
	"and", "or", "not",
	"goto", "then", "end", "ffi",
};

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	max_align_t data[];
};

void *lex_alloc(struct lexer *ls, size_t size)
{
	struct arena_chunk *c = ls->arena;
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (!c || c->size - c->used < size) {
		size_t csize = size > 65536 ? size : 65536;

		c = calloc(1, sizeof(*c) + csize);
		if (!c)
			lex_error(ls, "out of memory");
		c->size = csize;
		c->next = ls->arena;
		ls->arena = c;
	}
	p = (char *)c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

char *lex_strdup(struct lexer *ls, const char *s, size_t len)
{
	char *d = lex_alloc(ls, len + 1);

	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

void lex_free(struct lexer *ls)
{
	while (ls->arena) {
		struct arena_chunk *c = ls->arena;

		ls->arena = c->next;
		free(c);
	}
	free(ls->sbuf);
	ls->sbuf = NULL;
}

void lex_init(struct lexer *ls, const char *chunkname, const char *src,
	      size_t len)
{
	ls->chunkname = chunkname;
	ls->src = ls->p = ls->linestart = src;
	ls->end = src + len;
	ls->line = 1;
	ls->has_ahead = 0;
	ls->arena = NULL;
	ls->sbuf = NULL;
	ls->slen = ls->scap = 0;
}

/* ------------------------------------------------------------- errors */

static void __attribute__((noreturn))
verror(struct lexer *ls, int line, int col, const char *near,
       const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (near)
		snprintf(ls->err, ls->errlen, "%s:%d:%d: %s near %s",
			 ls->chunkname, line, col, msg, near);
	else
		snprintf(ls->err, ls->errlen, "%s:%d:%d: %s", ls->chunkname,
			 line, col, msg);
	longjmp(*ls->jb, 1);
}

const char *lex_token_text(struct lexer *ls, const struct token *t,
			   char *buf, size_t size)
{
	(void)ls;
	switch (t->type) {
	case TK_EOF:
		return "<eof>";
	case TK_NAME:
	case TK_STRING:
		snprintf(buf, size, "'%.*s'", (int)(t->len > 40 ? 40 : t->len),
			 t->str);
		return buf;
	case TK_FIELD:
		snprintf(buf, size, "'$%.40s'", t->str);
		return buf;
	case TK_NUMBER:
		snprintf(buf, size, "'%lld'", (long long)t->num);
		return buf;
	case TK_CONCAT:
		return "'..'";
	case TK_DOTS:
		return "'...'";
	case TK_EQ:
		return "'=='";
	case TK_NE:
		return "'!='";
	case TK_LE:
		return "'<='";
	case TK_GE:
		return "'>='";
	case TK_PLUSEQ:
		return "'+='";
	case TK_AGG:
		return "'<<<'";
	default:
		if (t->type >= FIRST_KEYWORD && t->type <= LAST_KEYWORD) {
			snprintf(buf, size, "'%s'",
				 lex_keywords[t->type - FIRST_KEYWORD]);
			return buf;
		}
		snprintf(buf, size, "'%c'", t->type);
		return buf;
	}
}

void lex_error(struct lexer *ls, const char *fmt, ...)
{
	char buf[64];
	va_list ap;

	va_start(ap, fmt);
	verror(ls, ls->t.line, ls->t.col, lex_token_text(ls, &ls->t, buf,
			sizeof(buf)), fmt, ap);
	va_end(ap);
}

void lex_error_at(struct lexer *ls, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(ls, line, col, NULL, fmt, ap);
	va_end(ap);
}

/* An error inside a token being read: point at the current character. */
static void scan_error(struct lexer *ls, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void scan_error(struct lexer *ls, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(ls, ls->line, (int)(ls->p - ls->linestart) + 1, NULL, fmt, ap);
	va_end(ap);
}

/* ----------------------------------------------------------- scanning */

#define cur(ls)		((ls)->p < (ls)->end ? (unsigned char)*(ls)->p : -1)
#define peekc(ls, n)	((ls)->p + (n) < (ls)->end ? \
			 (unsigned char)(ls)->p[n] : -1)

static void newline(struct lexer *ls)
{
	ls->p++;
	ls->line++;
	ls->linestart = ls->p;
}

static void sbuf_add(struct lexer *ls, int c)
{
	if (ls->slen + 1 >= ls->scap) {
		size_t ncap = ls->scap ? ls->scap * 2 : 256;
		char *n = realloc(ls->sbuf, ncap);

		if (!n)
			scan_error(ls, "out of memory");
		ls->sbuf = n;
		ls->scap = ncap;
	}
	ls->sbuf[ls->slen++] = (char)c;
}

/* [[ ... ]] with the opening brackets already consumed. */
static void long_string(struct lexer *ls, int comment)
{
	int line = ls->line;

	for (;;) {
		int c = cur(ls);

		if (c < 0) {
			ls->line = line;
			scan_error(ls, comment ? "unfinished long comment" :
				   "unfinished long string");
		}
		if (c == ']' && peekc(ls, 1) == ']') {
			ls->p += 2;
			return;
		}
		if (c == '\n') {
			if (!comment)
				sbuf_add(ls, '\n');
			newline(ls);
			continue;
		}
		if (!comment)
			sbuf_add(ls, c);
		ls->p++;
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void read_escape(struct lexer *ls)
{
	int c, v, i;

	ls->p++;	/* the backslash */
	c = cur(ls);
	switch (c) {
	case 'n': c = '\n'; break;
	case 't': c = '\t'; break;
	case 'r': c = '\r'; break;
	case 'a': c = '\a'; break;
	case 'b': c = '\b'; break;
	case 'f': c = '\f'; break;
	case 'v': c = '\v'; break;
	case 'e': c = 27; break;
	case '\\': case '"': case '\'': break;
	case '\n':
		sbuf_add(ls, '\n');
		newline(ls);
		return;
	case 'x':
		ls->p++;
		v = 0;
		for (i = 0; i < 2; i++) {
			int h = hexval(cur(ls));

			if (h < 0)
				scan_error(ls, "hexadecimal digit expected in '\\x' escape");
			v = v * 16 + h;
			ls->p++;
		}
		sbuf_add(ls, v);
		return;
	default:
		if (c >= '0' && c <= '9') {
			/* \ddd: up to three decimal digits, as in ktap/Lua */
			v = 0;
			for (i = 0; i < 3 && cur(ls) >= '0' && cur(ls) <= '9'; i++) {
				v = v * 10 + (cur(ls) - '0');
				ls->p++;
			}
			if (v > 255)
				scan_error(ls, "decimal escape too large");
			sbuf_add(ls, v);
			return;
		}
		scan_error(ls, "invalid escape sequence '\\%c'", c < 0 ? ' ' : c);
	}
	sbuf_add(ls, c);
	ls->p++;
}

static void read_string(struct lexer *ls, int quote)
{
	ls->p++;
	for (;;) {
		int c = cur(ls);

		if (c == quote)
			break;
		if (c < 0 || c == '\n')
			scan_error(ls, "unfinished string");
		if (c == '\\')
			read_escape(ls);
		else {
			sbuf_add(ls, c);
			ls->p++;
		}
	}
	ls->p++;
}

static int is_name_char(int c);

static void read_number(struct lexer *ls, struct token *t)
{
	const char *start = ls->p;
	uint64_t v = 0;
	int any = 0;

	if (cur(ls) == '0' && (peekc(ls, 1) == 'x' || peekc(ls, 1) == 'X')) {
		int h;

		ls->p += 2;
		while ((h = hexval(cur(ls))) >= 0) {
			v = v * 16 + (uint64_t)h;
			ls->p++;
			any = 1;
		}
		if (!any)
			scan_error(ls, "malformed number");
	} else {
		while (cur(ls) >= '0' && cur(ls) <= '9') {
			v = v * 10 + (uint64_t)(cur(ls) - '0');
			ls->p++;
		}
	}
	if (is_name_char(cur(ls))) {
		const char *s = start;

		while (is_name_char(cur(ls)))
			ls->p++;
		scan_error(ls, "malformed number near '%.*s'",
			   (int)(ls->p - s), s);
	}
	/* like arithmetic, literals too large for 64 bits wrap */
	t->num = (int64_t)v;
	t->type = TK_NUMBER;
}

static int is_name_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static void read_name(struct lexer *ls, struct token *t)
{
	const char *s = ls->p;
	size_t len;
	int i;

	while (is_name_char(cur(ls)))
		ls->p++;
	len = (size_t)(ls->p - s);
	for (i = 0; i <= LAST_KEYWORD - FIRST_KEYWORD; i++) {
		if (strlen(lex_keywords[i]) == len &&
		    !memcmp(lex_keywords[i], s, len)) {
			t->type = FIRST_KEYWORD + i;
			return;
		}
	}
	t->type = TK_NAME;
	t->str = lex_strdup(ls, s, len);
	t->len = len;
}

/* Skip blanks and comments. */
static void skip_space(struct lexer *ls)
{
	for (;;) {
		int c = cur(ls);

		if (c == '\n') {
			newline(ls);
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' ||
			   c == '\v') {
			ls->p++;
		} else if (c == '#' ||
			   (c == '-' && peekc(ls, 1) == '-')) {
			if (c == '-' && peekc(ls, 2) == '[' && peekc(ls, 3) == '[') {
				ls->p += 4;
				long_string(ls, 1);
				continue;
			}
			while (cur(ls) >= 0 && cur(ls) != '\n')
				ls->p++;
		} else {
			return;
		}
	}
}

static void scan(struct lexer *ls, struct token *t)
{
	int c;

	skip_space(ls);
	t->line = ls->line;
	t->col = (int)(ls->p - ls->linestart) + 1;
	t->str = NULL;
	t->len = 0;
	c = cur(ls);
	if (c < 0) {
		t->type = TK_EOF;
		return;
	}
	if (is_name_start(c)) {
		read_name(ls, t);
		return;
	}
	if (c >= '0' && c <= '9') {
		read_number(ls, t);
		return;
	}
	switch (c) {
	case '"':
	case '\'':
		ls->slen = 0;
		read_string(ls, c);
		goto string;
	case '[':
		if (peekc(ls, 1) == '[') {
			ls->p += 2;
			ls->slen = 0;
			/* a newline right after [[ is not part of the string */
			if (cur(ls) == '\n')
				newline(ls);
			long_string(ls, 0);
			goto string;
		}
		break;
	case '$':
		ls->p++;
		if (!is_name_start(cur(ls)))
			scan_error(ls, "field name expected after '$'");
		read_name(ls, t);
		if (t->type != TK_NAME) {
			/* $retval etc. may collide with nothing, but $end may */
			const char *kw = lex_keywords[t->type - FIRST_KEYWORD];

			t->str = lex_strdup(ls, kw, strlen(kw));
			t->len = strlen(kw);
		}
		t->type = TK_FIELD;
		return;
	case '.':
		if (peekc(ls, 1) == '.') {
			if (peekc(ls, 2) == '.') {
				ls->p += 3;
				t->type = TK_DOTS;
			} else {
				ls->p += 2;
				t->type = TK_CONCAT;
			}
			return;
		}
		break;
	case '=':
		if (peekc(ls, 1) == '=') {
			ls->p += 2;
			t->type = TK_EQ;
			return;
		}
		break;
	case '!':
		if (peekc(ls, 1) == '=') {
			ls->p += 2;
			t->type = TK_NE;
			return;
		}
		ls->p++;
		t->type = TK_NOT;
		return;
	case '<':
		if (peekc(ls, 1) == '<' && peekc(ls, 2) == '<') {
			ls->p += 3;
			t->type = TK_AGG;
			return;
		}
		if (peekc(ls, 1) == '=') {
			ls->p += 2;
			t->type = TK_LE;
			return;
		}
		break;
	case '>':
		if (peekc(ls, 1) == '=') {
			ls->p += 2;
			t->type = TK_GE;
			return;
		}
		break;
	case '+':
		if (peekc(ls, 1) == '=') {
			ls->p += 2;
			t->type = TK_PLUSEQ;
			return;
		}
		break;
	case '&':
		if (peekc(ls, 1) == '&') {
			ls->p += 2;
			t->type = TK_AND;
			return;
		}
		scan_error(ls, "unexpected symbol '&' (did you mean '&&'?)");
	case '|':
		if (peekc(ls, 1) == '|') {
			ls->p += 2;
			t->type = TK_OR;
			return;
		}
		scan_error(ls, "unexpected symbol '|' (did you mean '||'?)");
	default:
		break;
	}
	if (strchr("+-*/%<>=(){}[],;:.", c)) {
		ls->p++;
		t->type = c;
		return;
	}
	if (c >= 0x20 && c < 0x7f)
		scan_error(ls, "unexpected symbol '%c'", c);
	scan_error(ls, "unexpected byte 0x%02x", c);
string:
	t->type = TK_STRING;
	t->str = lex_strdup(ls, ls->sbuf ? ls->sbuf : "", ls->slen);
	t->len = ls->slen;
}

void lex_next(struct lexer *ls)
{
	if (ls->has_ahead) {
		ls->t = ls->ahead;
		ls->has_ahead = 0;
		return;
	}
	scan(ls, &ls->t);
}

const struct token *lex_peek(struct lexer *ls)
{
	if (!ls->has_ahead) {
		scan(ls, &ls->ahead);
		ls->has_ahead = 1;
	}
	return &ls->ahead;
}

const char *lex_raw_until(struct lexer *ls, char stop, size_t *len)
{
	const char *start = ls->p;
	int depth = 0;

	for (;;) {
		int c = cur(ls);

		if (c < 0)
			scan_error(ls, "'%c' expected to end the probe", stop);
		if (c == stop && depth == 0)
			break;
		if (c == '(' || c == '[')
			depth++;
		else if ((c == ')' || c == ']') && depth > 0)
			depth--;
		if (c == '"' || c == '\'') {
			ls->p++;
			while (cur(ls) >= 0 && cur(ls) != c && cur(ls) != '\n') {
				if (cur(ls) == '\\')
					ls->p++;
				ls->p++;
			}
			if (cur(ls) != c)
				scan_error(ls, "unfinished string");
		}
		if (c == '\n')
			newline(ls);
		else
			ls->p++;
	}
	*len = (size_t)(ls->p - start);
	return start;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * fmt.c - formatting numbers and strings, C printf style.
 *
 * One conversion engine (struct spec + put_number/put_text) serves both the
 * runtime's messages and the script's printf, so %5d means the same thing
 * everywhere.
 */
#include "fmt.h"
#include "vm.h"

enum {
	F_LEFT = 1,	/* - */
	F_PLUS = 2,	/* + */
	F_SPACE = 4,	/* ' ' */
	F_ALT = 8,	/* # */
	F_ZERO = 16,	/* 0 */
};

/* Widths and precisions are cut here: a line, not a memory exhaustion. */
#define MAX_WIDTH	100000

struct spec {
	int flags;
	int width;
	int prec;	/* -1: none */
};

/* A bounded output: either a fixed buffer or a session buffer. */
struct out {
	char *p;
	size_t len, cap;
	struct ktap_session *S;
	struct kp_buf *b;
	int err;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->b) {
		if (!o->err && buf_add(o->S, o->b, s, n))
			o->err = -1;
		return;
	}
	while (n-- && o->len + 1 < o->cap)
		o->p[o->len++] = *s++;
}

static void pad(struct out *o, char c, int n)
{
	char chunk[16];
	int i;

	for (i = 0; i < (int)sizeof(chunk); i++)
		chunk[i] = c;
	while (n > 0) {
		int k = n < (int)sizeof(chunk) ? n : (int)sizeof(chunk);

		put(o, chunk, (size_t)k);
		n -= k;
	}
}

/* Digits of @v in @base, written backwards ending at @end. */
static char *digits(char *end, uint64_t v, unsigned int base, int upper)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	do {
		*--end = dig[v % base];
		v /= base;
	} while (v);
	return end;
}

static void put_number(struct out *o, const struct spec *sp, uint64_t mag,
		       int neg, unsigned int base, int upper)
{
	char buf[72], *end = buf + sizeof(buf), *d;
	const char *prefix = "";
	int ndig, nzero = 0, len, plen;

	d = (sp->prec == 0 && mag == 0) ? end : digits(end, mag, base, upper);
	ndig = (int)(end - d);
	if (sp->prec > ndig)
		nzero = sp->prec - ndig;
	if (neg)
		prefix = "-";
	else if (sp->flags & F_PLUS)
		prefix = "+";
	else if (sp->flags & F_SPACE)
		prefix = " ";
	if ((sp->flags & F_ALT) && mag) {
		if (base == 16)
			prefix = upper ? "0X" : "0x";
		else if (base == 8 && nzero == 0)
			prefix = "0";
	}
	plen = (int)kp_strlen(prefix);
	len = plen + nzero + ndig;
	if (!(sp->flags & F_LEFT) && (sp->flags & F_ZERO) && sp->prec < 0 &&
	    sp->width > len) {
		nzero += sp->width - len;
		len = sp->width;
	}
	if (!(sp->flags & F_LEFT))
		pad(o, ' ', sp->width - len);
	put(o, prefix, (size_t)plen);
	pad(o, '0', nzero);
	put(o, d, (size_t)ndig);
	if (sp->flags & F_LEFT)
		pad(o, ' ', sp->width - len);
}

static void put_text(struct out *o, const struct spec *sp, const char *s,
		     size_t n)
{
	if (sp->prec >= 0 && (size_t)sp->prec < n)
		n = (size_t)sp->prec;
	if (!(sp->flags & F_LEFT))
		pad(o, ' ', sp->width - (int)n);
	put(o, s, n);
	if (sp->flags & F_LEFT)
		pad(o, ' ', sp->width - (int)n);
}

/* Parse flags, width and precision at *pp; '*' takes them from @star. */
static void parse_spec(const char **pp, const char *end, struct spec *sp,
		       int (*star)(void *), void *ctx)
{
	const char *p = *pp;

	sp->flags = 0;
	sp->width = 0;
	sp->prec = -1;
	for (; p < end; p++) {
		if (*p == '-')
			sp->flags |= F_LEFT;
		else if (*p == '+')
			sp->flags |= F_PLUS;
		else if (*p == ' ')
			sp->flags |= F_SPACE;
		else if (*p == '#')
			sp->flags |= F_ALT;
		else if (*p == '0')
			sp->flags |= F_ZERO;
		else
			break;
	}
	if (p < end && *p == '*') {
		int w = star(ctx);

		/* a negative width means '-', as in C */
		if (w < 0) {
			sp->flags |= F_LEFT;
			w = w < -MAX_WIDTH ? MAX_WIDTH : -w;
		}
		sp->width = w > MAX_WIDTH ? MAX_WIDTH : w;
		p++;
	} else {
		while (p < end && *p >= '0' && *p <= '9') {
			if (sp->width < MAX_WIDTH)
				sp->width = sp->width * 10 + (*p - '0');
			p++;
		}
	}
	if (p < end && *p == '.') {
		p++;
		sp->prec = 0;
		if (p < end && *p == '*') {
			int pr = star(ctx);

			/* a negative precision is no precision */
			sp->prec = pr < 0 ? -1 : pr > MAX_WIDTH ? MAX_WIDTH : pr;
			p++;
		} else {
			while (p < end && *p >= '0' && *p <= '9') {
				if (sp->prec < MAX_WIDTH)
					sp->prec = sp->prec * 10 + (*p - '0');
				p++;
			}
		}
	}
	if (sp->width > MAX_WIDTH)
		sp->width = MAX_WIDTH;
	if (sp->prec > MAX_WIDTH)
		sp->prec = MAX_WIDTH;
	/* length modifiers mean nothing: every number is 64 bits */
	while (p < end && (*p == 'l' || *p == 'h' || *p == 'z' || *p == 'j' ||
			   *p == 't' || *p == 'q' || *p == 'L'))
		p++;
	*pp = p;
}

int fmt_int(char *buf, int64_t n)
{
	char tmp[24], *end = tmp + sizeof(tmp), *d;
	uint64_t mag = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
	int len;

	d = digits(end, mag, 10, 0);
	if (n < 0)
		*--d = '-';
	len = (int)(end - d);
	kp_memcpy(buf, d, (size_t)len);
	buf[len] = '\0';
	return len;
}

int fmt_ptr(char *buf, const char *type, const void *p)
{
	char tmp[20], *end = tmp + sizeof(tmp), *d;
	size_t tl = kp_strlen(type);
	int len;

	d = digits(end, (uint64_t)(uintptr_t)p, 16, 0);
	kp_memcpy(buf, type, tl);
	kp_memcpy(buf + tl, " 0x", 3);
	len = (int)(end - d);
	kp_memcpy(buf + tl + 3, d, (size_t)len);
	buf[tl + 3 + len] = '\0';
	return (int)tl + 3 + len;
}

/* ------------------------------------------------- runtime messages */

struct va_ctx {
	kp_va_list ap;
};

static int va_star(void *ctx)
{
	return kp_va_arg(((struct va_ctx *)ctx)->ap, int);
}

int fmt_vformat(char *buf, size_t size, const char *fmt, kp_va_list ap)
{
	struct out o = { .p = buf, .cap = size };
	const char *end = fmt + kp_strlen(fmt);
	struct va_ctx c;
	struct spec sp;

	kp_va_copy(c.ap, ap);
	while (fmt < end) {
		const char *mod;
		int nl = 0, z = 0;

		if (*fmt != '%') {
			put(&o, fmt++, 1);
			continue;
		}
		fmt++;
		mod = fmt;
		parse_spec(&fmt, end, &sp, va_star, &c);
		for (; mod < fmt; mod++) {
			nl += *mod == 'l';
			z += *mod == 'z';
		}
		if (fmt >= end)
			break;
		switch (*fmt++) {
		case 'd':
		case 'i': {
			int64_t v = nl >= 2 ? kp_va_arg(c.ap, long long) :
				    nl ? kp_va_arg(c.ap, long) :
				    z ? (int64_t)kp_va_arg(c.ap, size_t) :
				    kp_va_arg(c.ap, int);
			put_number(&o, &sp, v < 0 ? 0 - (uint64_t)v : (uint64_t)v,
				   v < 0, 10, 0);
			break;
		}
		case 'u':
		case 'x': {
			uint64_t v = nl >= 2 ? kp_va_arg(c.ap, unsigned long long) :
				     nl ? kp_va_arg(c.ap, unsigned long) :
				     z ? kp_va_arg(c.ap, size_t) :
				     kp_va_arg(c.ap, unsigned int);
			put_number(&o, &sp, v, 0, fmt[-1] == 'x' ? 16 : 10, 0);
			break;
		}
		case 'c': {
			char ch = (char)kp_va_arg(c.ap, int);

			put_text(&o, &sp, &ch, 1);
			break;
		}
		case '%':
			put(&o, "%", 1);
			break;
		case 's': {
			const char *s = kp_va_arg(c.ap, const char *);

			if (!s)
				s = "(null)";
			put_text(&o, &sp, s, kp_strlen(s));
			break;
		}
		default:
			put(&o, "%", 1);
			put(&o, fmt - 1, 1);
			break;
		}
	}
	kp_va_end(c.ap);
	if (size)
		buf[o.len] = '\0';
	return (int)o.len;
}

int fmt_format(char *buf, size_t size, const char *fmt, ...)
{
	kp_va_list ap;
	int n;

	kp_va_start(ap, fmt);
	n = fmt_vformat(buf, size, fmt, ap);
	kp_va_end(ap);
	return n;
}

/* ------------------------------------------------------ script printf */

struct args_ctx {
	struct ktap_session *S;
	const struct kp_value *args;
	int nargs;
	int next;
	int err;
};

static const struct kp_value *next_arg(struct args_ctx *c)
{
	if (c->next >= c->nargs) {
		if (!c->err)
			c->err = kp_error(c->S, "bad argument #%d to 'printf' (no value)",
					  c->next + 2);
		return NULL;
	}
	return &c->args[c->next++];
}

static const struct kp_value *num_arg(struct args_ctx *c)
{
	const struct kp_value *v = next_arg(c);

	if (v && !is_num(v)) {
		if (!c->err)
			c->err = kp_error(c->S, "bad argument #%d to 'printf' (number expected, got %s)",
					  c->next + 1, kp_typename(v));
		return NULL;
	}
	return v;
}

static int args_star(void *ctx)
{
	const struct kp_value *v = num_arg(ctx);

	return v ? (int)v->u.n : 0;
}

static void put_symbol(struct ktap_session *S, struct out *o,
		       const struct spec *sp, uint64_t addr)
{
	char sym[128];
	int n = -1;

	if (S->pf.ops->symbolize)
		n = S->pf.ops->symbolize(S->pf.ctx, addr, sym, sizeof(sym));
	if (n > 0) {
		put_text(o, sp, sym, (size_t)n < sizeof(sym) ? (size_t)n :
			 sizeof(sym) - 1);
	} else {
		struct spec hex = *sp;

		hex.flags |= F_ALT;
		put_number(o, &hex, addr, 0, 16, 0);
	}
}

int fmt_printf(struct ktap_session *S, struct kp_buf *b, const char *fmt,
	       size_t len, const struct kp_value *args, int nargs)
{
	struct out o = { .S = S, .b = b };
	struct args_ctx c = { .S = S, .args = args, .nargs = nargs };
	const char *end = fmt + len;
	struct spec sp;

	while (fmt < end && !c.err && !o.err) {
		const struct kp_value *v;
		const char *start = fmt;
		char conv;

		while (fmt < end && *fmt != '%')
			fmt++;
		put(&o, start, (size_t)(fmt - start));
		if (fmt >= end)
			break;
		fmt++;
		parse_spec(&fmt, end, &sp, args_star, &c);
		if (fmt >= end)
			return kp_error(S, "invalid conversion '%%' at the end of the format");
		conv = *fmt++;
		switch (conv) {
		case '%':
			put(&o, "%", 1);
			break;
		case 'd':
		case 'i':
			v = num_arg(&c);
			if (v)
				put_number(&o, &sp, v->u.n < 0 ?
					   0 - (uint64_t)v->u.n :
					   (uint64_t)v->u.n, v->u.n < 0, 10, 0);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			v = num_arg(&c);
			/* as in C, unsigned conversions have no sign */
			sp.flags &= ~(F_PLUS | F_SPACE);
			if (v)
				put_number(&o, &sp, (uint64_t)v->u.n, 0,
					   conv == 'u' ? 10 : conv == 'o' ? 8 : 16,
					   conv == 'X');
			break;
		case 'c':
			v = num_arg(&c);
			if (v) {
				char ch = (char)v->u.n;

				put_text(&o, &sp, &ch, 1);
			}
			break;
		case 'p':
			v = num_arg(&c);
			if (v)
				put_symbol(S, &o, &sp, (uint64_t)v->u.n);
			break;
		case 's':
			v = next_arg(&c);
			if (!v)
				break;
			if (is_str(v)) {
				put_text(&o, &sp, v->u.s->data, v->u.s->len);
			} else {
				/* print()'s text, formatted through a scratch copy */
				struct kp_buf tmp = { 0 };

				if (vm_tostring(S, &tmp, v) == 0)
					put_text(&o, &sp, tmp.p, tmp.len);
				else
					o.err = -1;
				buf_free(S, &tmp);
			}
			break;
		default:
			return kp_error(S, "invalid conversion '%%%c' to 'printf'",
					conv);
		}
	}
	return (c.err || o.err) ? -1 : 0;
}

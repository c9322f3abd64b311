// SPDX-License-Identifier: GPL-2.0
/*
 * filter.c - parse and evaluate probe filters (see filter.h).
 */
#include "filter.h"
#include "fmt.h"

struct fparser {
	char *p;
	struct kp_filter *f;
	char *err;
	size_t errlen;
	int depth;
};

static int ferr(struct fparser *fp, const char *msg)
{
	fmt_format(fp->err, fp->errlen, "%s near '%.20s'", msg,
		   *fp->p ? fp->p : "<end>");
	return -1;
}

static void skip(struct fparser *fp)
{
	while (*fp->p == ' ' || *fp->p == '\t' || *fp->p == '\n')
		fp->p++;
}

static int newnode(struct fparser *fp, int kind)
{
	struct kp_filter *f = fp->f;

	if (f->nnodes >= KP_FILTER_MAX_NODES)
		return ferr(fp, "filter too long");
	kp_memset(&f->nodes[f->nnodes], 0, sizeof(f->nodes[0]));
	f->nodes[f->nnodes].kind = (uint8_t)kind;
	return f->nnodes++;
}

static int is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.';
}

/* A number the way the kernel reads one: decimal or 0x, maybe negative. */
static int parse_num(const char *s, int64_t *out)
{
	int neg = *s == '-', base = 10, any = 0;
	uint64_t v = 0;

	s += neg;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++, any = 1) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' :
			*s >= 'a' && *s <= 'f' ? *s - 'a' + 10 :
			*s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : 99;

		if (d >= base)
			return 0;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return any;
}

static int parse_pred(struct fparser *fp)
{
	static const struct {
		const char *op;
		uint8_t cmp;
	} ops[] = {
		{ "==", FC_EQ }, { "!=", FC_NE }, { "<=", FC_LE },
		{ ">=", FC_GE }, { "<", FC_LT }, { ">", FC_GT },
		{ "&", FC_BAND }, { "~", FC_GLOB },
	};
	struct kp_fnode *n;
	char *field, *val, quote;
	size_t i;
	int idx;

	skip(fp);
	if (!is_word(*fp->p))
		return ferr(fp, "field name expected");
	field = fp->p;
	while (is_word(*fp->p))
		fp->p++;
	/* the operator may follow the name directly; terminate it later */
	val = fp->p;
	skip(fp);
	for (i = 0; i < KP_ARRAY_SIZE(ops); i++) {
		const char *op = ops[i].op;
		size_t l = op[1] ? 2 : 1;

		/* byte by byte: the text may end right after the first */
		if (fp->p[0] == op[0] && (l == 1 || fp->p[1] == op[1]) &&
		    !(l == 1 && fp->p[1] == '&')) {
			fp->p += l;
			break;
		}
	}
	if (i == KP_ARRAY_SIZE(ops))
		return ferr(fp, "comparison operator expected");
	*val = '\0';
	idx = newnode(fp, FN_CMP);
	if (idx < 0)
		return -1;
	n = &fp->f->nodes[idx];
	n->cmp = ops[i].cmp;
	n->field = field;
	skip(fp);
	quote = *fp->p;
	if (quote == '"' || quote == '\'') {
		val = ++fp->p;
		while (*fp->p && *fp->p != quote)
			fp->p++;
		if (!*fp->p)
			return ferr(fp, "unfinished string");
		*fp->p++ = '\0';
	} else {
		val = fp->p;
		while (*fp->p && *fp->p != ' ' && *fp->p != '\t' &&
		       *fp->p != ')' && *fp->p != '&' && *fp->p != '|')
			fp->p++;
		if (val == fp->p)
			return ferr(fp, "value expected");
		/* the NUL goes in after the rest is parsed: keep the char */
		n->slen = (uint32_t)(fp->p - val);
		n->isnum = 1;
	}
	n->str = val;
	if (quote == '"' || quote == '\'')
		n->slen = (uint32_t)kp_strlen(val);
	return idx;
}

static int parse_or(struct fparser *fp);

static int parse_unary(struct fparser *fp)
{
	int idx, sub;

	if (++fp->depth > KP_FILTER_MAX_NODES)
		return ferr(fp, "filter nested too deeply");
	skip(fp);
	if (*fp->p == '!' && fp->p[1] != '=') {
		fp->p++;
		sub = parse_unary(fp);
		if (sub < 0)
			return -1;
		idx = newnode(fp, FN_NOT);
		if (idx >= 0)
			fp->f->nodes[idx].a = (int16_t)sub;
	} else if (*fp->p == '(') {
		fp->p++;
		idx = parse_or(fp);
		skip(fp);
		if (idx >= 0 && *fp->p != ')')
			return ferr(fp, "')' expected");
		fp->p++;
	} else {
		idx = parse_pred(fp);
	}
	fp->depth--;
	return idx;
}

static int parse_binary(struct fparser *fp, int kind)
{
	const char *op = kind == FN_OR ? "||" : "&&";
	int left = kind == FN_OR ? parse_binary(fp, FN_AND) : parse_unary(fp);

	for (;;) {
		int right, idx;

		if (left < 0)
			return -1;
		skip(fp);
		if (fp->p[0] != op[0] || fp->p[1] != op[1])
			return left;
		fp->p += 2;
		right = kind == FN_OR ? parse_binary(fp, FN_AND) :
					parse_unary(fp);
		if (right < 0)
			return -1;
		idx = newnode(fp, kind);
		if (idx < 0)
			return -1;
		fp->f->nodes[idx].a = (int16_t)left;
		fp->f->nodes[idx].b = (int16_t)right;
		left = idx;
	}
}

static int parse_or(struct fparser *fp)
{
	return parse_binary(fp, FN_OR);
}

int filter_parse(char *text, struct kp_filter *f, char *err, size_t errlen)
{
	struct fparser fp = { .p = text, .f = f, .err = err, .errlen = errlen };
	int i;

	f->nnodes = 0;
	f->root = parse_or(&fp);
	if (f->root < 0)
		return -1;
	skip(&fp);
	if (*fp.p)
		return ferr(&fp, "'&&', '||' or end of filter expected");
	/* now that parsing is done, end the unquoted values in place */
	for (i = 0; i < f->nnodes; i++) {
		struct kp_fnode *n = &f->nodes[i];

		if (n->kind != FN_CMP || !n->isnum)
			continue;
		((char *)n->str)[n->slen] = '\0';
		n->isnum = (uint8_t)parse_num(n->str, &n->num);
	}
	return 0;
}

/* ------------------------------------------------------------- evaluation */

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* CPU and COMM are the kernel's pseudo fields of every event. */
static int get_field(const struct ktap_event *ev, const char *name,
		     struct ktap_field *f)
{
	if (!ev->ops->field_by_name(ev, name, f))
		return 0;
	if (streq(name, "CPU") || streq(name, "cpu")) {
		f->type = KTAP_FIELD_INT;
		f->num = ev->task.cpu;
		return 0;
	}
	if (streq(name, "COMM") || streq(name, "comm")) {
		f->type = KTAP_FIELD_STRING;
		f->str = ktap_event_comm(ev);
		f->len = kp_strlen(f->str);
		return 0;
	}
	return -1;
}

static int cmp_num(int cmp, int64_t a, int64_t b)
{
	switch (cmp) {
	case FC_EQ: return a == b;
	case FC_NE: return a != b;
	case FC_LT: return a < b;
	case FC_LE: return a <= b;
	case FC_GT: return a > b;
	case FC_GE: return a >= b;
	case FC_BAND: return (a & b) != 0;
	default: return 0;
	}
}

static int eval_cmp(const struct kp_fnode *n, const struct ktap_event *ev)
{
	struct ktap_field f;
	size_t len;

	if (get_field(ev, n->field, &f))
		return 0;
	if (f.type == KTAP_FIELD_INT)
		return n->isnum && cmp_num(n->cmp, f.num, n->num);
	if (f.type != KTAP_FIELD_STRING)
		return 0;
	/* fixed-size char arrays end at their first NUL */
	for (len = 0; len < f.len && f.str[len]; len++)
		;
	switch (n->cmp) {
	case FC_EQ:
	case FC_NE:
		return (len == n->slen && !kp_memcmp(f.str, n->str, len)) ==
		       (n->cmp == FC_EQ);
	case FC_GLOB:
		return kp_glob(n->str, n->slen, f.str, len);
	default:
		return 0;
	}
}

static int eval(const struct kp_filter *f, int idx,
		const struct ktap_event *ev)
{
	const struct kp_fnode *n = &f->nodes[idx];

	switch (n->kind) {
	case FN_AND:
		return eval(f, n->a, ev) && eval(f, n->b, ev);
	case FN_OR:
		return eval(f, n->a, ev) || eval(f, n->b, ev);
	case FN_NOT:
		return !eval(f, n->a, ev);
	default:
		return eval_cmp(n, ev);
	}
}

int filter_eval(const struct kp_filter *f, const struct ktap_event *ev)
{
	return eval(f, f->root, ev);
}

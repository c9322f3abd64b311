// SPDX-License-Identifier: GPL-2.0
/*
 * out.c - print, printf text and JSON encoding.
 */
#include "out.h"
#include "vm.h"
#include "fmt.h"

#define OUT_FLUSH_AT	8192

void kp_out_flush(struct ktap_session *S)
{
	if (S->out.len)
		S->pf.ops->write(S->pf.ctx, S->out.p, S->out.len);
	S->out.len = 0;
}

void out_maybe_flush(struct ktap_session *S)
{
	if (S->out.len >= OUT_FLUSH_AT)
		kp_out_flush(S);
}

#define lit(S, b, s)	buf_add(S, b, s, sizeof(s) - 1)

static int out_json_string(struct ktap_session *S, struct kp_buf *b, const char *s,
		    size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;

	if (lit(S, b, "\""))
		return -1;
	/* printf("") hands over no string at all */
	if (!len)
		return lit(S, b, "\"");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
		size_t n = 6;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (buf_add(S, b, s + start, i - start))
			return -1;
		start = i + 1;
		if (c == '"' || c == '\\' || c == '\n' || c == '\t') {
			esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : (char)c;
			n = 2;
		}
		if (buf_add(S, b, esc, n))
			return -1;
	}
	if (buf_add(S, b, s + start, len - start))
		return -1;
	return lit(S, b, "\"");
}

int out_json_value(struct ktap_session *S, struct kp_buf *b,
		   const struct kp_value *v)
{
	struct kp_buf tmp = { 0 };
	int r;

	switch (v->type) {
	case KT_NIL:
		return lit(S, b, "null");
	case KT_BOOL:
	case KT_NUM:
		return vm_tostring(S, b, v);
	case KT_STR:
		return out_json_string(S, b, v->u.s->data, v->u.s->len);
	default:
		r = vm_tostring(S, &tmp, v);
		if (!r)
			r = out_json_string(S, b, tmp.p, tmp.len);
		buf_free(S, &tmp);
		return r;
	}
}

int out_print(struct ktap_session *S, const struct kp_value *args, int n)
{
	struct kp_buf *b = &S->out;
	int i;

	if (S->json && lit(S, b, "{\"type\":\"print\",\"values\":["))
		return -1;
	for (i = 0; i < n; i++) {
		if (i && (S->json ? lit(S, b, ",") : lit(S, b, "\t")))
			return -1;
		if (S->json ? out_json_value(S, b, &args[i]) :
			      vm_tostring(S, b, &args[i]))
			return -1;
	}
	if (S->json ? lit(S, b, "]}\n") : lit(S, b, "\n"))
		return -1;
	out_maybe_flush(S);
	return 0;
}

int out_text(struct ktap_session *S, const char *s, size_t len)
{
	struct kp_buf *b = &S->out;

	if (!S->json) {
		if (buf_add(S, b, s, len))
			return -1;
	} else if (lit(S, b, "{\"type\":\"printf\",\"text\":") ||
		   out_json_string(S, b, s, len) || lit(S, b, "}\n")) {
		return -1;
	}
	out_maybe_flush(S);
	return 0;
}

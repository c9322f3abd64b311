// SPDX-License-Identifier: GPL-2.0
/*
 * stacks.c - symbols for kernel and user addresses, folded stacks.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stacks.h"
#include "../host/elfsym.h"

#define PID_SLOTS	64	/* processes whose maps are kept */
#define FILE_SLOTS	64	/* ELF files whose symbols are kept */

struct sym {
	uint64_t addr;			/* kernel: address; ELF: file offset */
	char *name;
};

struct symtab {
	struct sym *s;
	size_t n, cap;
};

struct mapping {
	uint64_t start, end, offset;
	char *path;
};

struct proc {
	int pid;			/* 0: free */
	struct mapping *m;
	size_t n;
};

struct elf {
	char *path;			/* NULL: free */
	struct symtab tab;
};

struct stacks {
	/* the event being handled */
	int in_event;
	int pid;
	const uint64_t *k, *u;
	int nk, nu;
	int kernel_loaded;
	struct symtab kernel;
	struct proc procs[PID_SLOTS];
	struct elf elves[FILE_SLOTS];
	unsigned int next_elf;		/* round-robin eviction */
	char *text;
	size_t cap;
};

struct stacks *stacks_new(void)
{
	struct stacks *st = calloc(1, sizeof(struct stacks));

	if (st)
		st->nk = st->nu = -1;
	return st;
}

static void tab_free(struct symtab *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->s[i].name);
	free(t->s);
	memset(t, 0, sizeof(*t));
}

static int tab_add(struct symtab *t, uint64_t addr, const char *name)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct sym *ns = realloc(t->s, cap * sizeof(*ns));

		if (!ns)
			return -1;
		t->s = ns;
		t->cap = cap;
	}
	t->s[t->n].addr = addr;
	t->s[t->n].name = strdup(name);
	if (!t->s[t->n].name)
		return -1;
	t->n++;
	return 0;
}

static int by_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The symbol at or below @addr, or NULL. */
static const char *tab_find(const struct symtab *t, uint64_t addr)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->s[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? t->s[lo - 1].name : NULL;
}

static void proc_clear(struct proc *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->m[i].path);
	free(p->m);
	memset(p, 0, sizeof(*p));
}

void stacks_forget(struct stacks *st, int pid)
{
	struct proc *p = &st->procs[(unsigned int)pid % PID_SLOTS];

	if (p->pid == pid)
		proc_clear(p);
}

void stacks_free(struct stacks *st)
{
	int i;

	if (!st)
		return;
	tab_free(&st->kernel);
	for (i = 0; i < PID_SLOTS; i++)
		proc_clear(&st->procs[i]);
	for (i = 0; i < FILE_SLOTS; i++) {
		free(st->elves[i].path);
		tab_free(&st->elves[i].tab);
	}
	free(st->text);
	free(st);
}

/* ------------------------------------------------------------- kernel */

static void load_kallsyms(struct stacks *st)
{
	char line[512], name[256], type;
	unsigned long long addr;
	FILE *f = fopen("/proc/kallsyms", "r");

	st->kernel_loaded = 1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		/* functions only: text, weak and module text */
		if (!strchr("tTwW", type) || !addr)
			continue;
		if (tab_add(&st->kernel, addr, name))
			break;
	}
	fclose(f);
	if (st->kernel.n)
		qsort(st->kernel.s, st->kernel.n, sizeof(*st->kernel.s),
		      by_addr);
}

/* --------------------------------------------------------------- user */

static struct proc *load_maps(struct stacks *st, int pid)
{
	struct proc *p = &st->procs[(unsigned int)pid % PID_SLOTS];
	char path[64], line[4096 + 128], file[4096], perm[8];
	unsigned long long start, end, off;
	FILE *f;

	if (p->pid == pid)
		return p;
	proc_clear(p);
	p->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		struct mapping *nm;

		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %4095s", &start,
			   &end, perm, &off, file) != 5 ||
		    perm[2] != 'x' || file[0] != '/')
			continue;
		nm = realloc(p->m, (p->n + 1) * sizeof(*nm));
		if (!nm)
			break;
		p->m = nm;
		p->m[p->n].start = start;
		p->m[p->n].end = end;
		p->m[p->n].offset = off;
		p->m[p->n].path = strdup(file);
		if (p->m[p->n].path)
			p->n++;
	}
	if (f)
		fclose(f);
	return p;
}

static int add_function(void *arg, const char *name, uint64_t offset)
{
	return tab_add(arg, offset, name);
}

static struct symtab *elf_symbols(struct stacks *st, const char *path)
{
	struct elf *e;
	char err[256];
	int i;

	for (i = 0; i < FILE_SLOTS; i++) {
		if (st->elves[i].path && !strcmp(st->elves[i].path, path))
			return &st->elves[i].tab;
	}
	e = &st->elves[st->next_elf++ % FILE_SLOTS];
	free(e->path);
	tab_free(&e->tab);
	e->path = strdup(path);
	if (!e->path)
		return NULL;
	elfsym_functions(path, NULL, add_function, &e->tab, err, sizeof(err));
	if (e->tab.n)
		qsort(e->tab.s, e->tab.n, sizeof(*e->tab.s), by_addr);
	return &e->tab;
}

static const char *user_symbol(struct stacks *st, int pid, uint64_t ip)
{
	struct proc *p = load_maps(st, pid);
	size_t i;

	for (i = 0; i < p->n; i++) {
		struct mapping *m = &p->m[i];

		if (ip >= m->start && ip < m->end) {
			struct symtab *t = elf_symbols(st, m->path);

			return t ? tab_find(t, ip - m->start + m->offset) : NULL;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------ folding */

static int append(struct stacks *st, size_t *len, const char *s, size_t n)
{
	if (*len + n + 1 > st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 1024;
		char *nt;

		while (cap < *len + n + 1)
			cap *= 2;
		nt = realloc(st->text, cap);
		if (!nt)
			return -1;
		st->text = nt;
		st->cap = cap;
	}
	memcpy(st->text + *len, s, n);
	*len += n;
	st->text[*len] = '\0';
	return 0;
}

const char *stacks_fold(struct stacks *st, int pid, const uint64_t *ips,
			int n, int max, size_t *len)
{
	char hex[24];
	int i;

	*len = 0;
	if (append(st, len, "", 0))
		return NULL;
	if (pid == STACKS_KERNEL && !st->kernel_loaded)
		load_kallsyms(st);
	if (max > 0 && n > max)
		n = max;
	/* outermost first, as flame-graph tools read it */
	for (i = n - 1; i >= 0; i--) {
		const char *name = pid == STACKS_KERNEL ?
				   tab_find(&st->kernel, ips[i]) :
				   user_symbol(st, pid, ips[i]);

		if (!name) {
			snprintf(hex, sizeof(hex), "0x%llx",
				 (unsigned long long)ips[i]);
			name = hex;
		}
		if ((*len && append(st, len, ";", 1)) ||
		    append(st, len, name, strlen(name)))
			return NULL;
	}
	return st->text;
}

void stacks_set(struct stacks *st, int pid, const uint64_t *k, int nk,
		const uint64_t *u, int nu)
{
	st->in_event = 1;
	st->pid = pid;
	st->k = k;
	st->nk = nk;
	st->u = u;
	st->nu = nu;
}

void stacks_clear(struct stacks *st)
{
	st->in_event = 0;
}

static int fold_current(struct stacks *st, int user,
			const struct ktap_field *args, int nargs,
			struct ktap_field *ret, char *err, size_t errlen)
{
	int n = user ? st->nu : st->nk;
	const char *text;
	int64_t max;
	size_t len;

	if (ktap_stack_depth(args, nargs, &max, err, errlen))
		return -1;
	if (!st->in_event) {
		snprintf(err, errlen, "there is no event here (call it in a probe handler)");
		return -1;
	}
	/* the kernel did not record one (e.g. a user stack of a kthread) */
	if (n < 0)
		n = 0;
	text = stacks_fold(st, user ? st->pid : STACKS_KERNEL,
			   user ? st->u : st->k, n, max > n ? n : (int)max, &len);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ret->type = KTAP_FIELD_STRING;
	ret->str = text;
	ret->len = len;
	return 0;
}

static int fn_stack(void *ctx, const struct ktap_field *args, int nargs,
		    struct ktap_field *ret, char *err, size_t errlen)
{
	return fold_current(ctx, 0, args, nargs, ret, err, errlen);
}

static int fn_ustack(void *ctx, const struct ktap_field *args, int nargs,
		     struct ktap_field *ret, char *err, size_t errlen)
{
	return fold_current(ctx, 1, args, nargs, ret, err, errlen);
}

int stacks_register(struct stacks *st, struct ktap_session *s)
{
	return ktap_session_add_function(s, NULL, "stack", fn_stack, st) ||
	       ktap_session_add_function(s, NULL, "ustack", fn_ustack, st) ?
	       -1 : 0;
}

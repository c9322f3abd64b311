// SPDX-License-Identifier: GPL-2.0
/*
 * check SDTPROG NOTELF LIBC VERLIB [SDTLIB] - host/elfsym.c against what
 * binutils' readelf says about the same files.
 *
 * SDTPROG is tests/live/sdtprog built PIE, NOTELF any file that is not
 * ELF, LIBC the libc.so.6 SDTPROG runs with, VERLIB tests/elfsym/
 * versioned.c built as a shared library, SDTLIB an optional library with
 * SDT notes of its own (libstdc++ has some).  Prints "ok elfsym/NAME"
 * or "not ok elfsym/NAME: why" per check.
 */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../host/elfsym.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static void report(const char *name, int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("ok elfsym/%s\n", name);
		return;
	}
	printf("not ok elfsym/%s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* The output of shell command @cmd, malloc'ed ("" if it fails). */
static char *run(const char *fmt, ...)
{
	char cmd[1024], *buf = NULL;
	size_t len = 0, n;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	buf = malloc(1);
	if (!buf)
		abort();
	while (f) {
		buf = realloc(buf, len + 65536 + 1);
		if (!buf)
			abort();
		n = fread(buf + len, 1, 65536, f);
		len += n;
		if (!n)
			break;
	}
	buf[len] = '\0';
	if (f)
		pclose(f);
	return buf;
}

/* File offset of @vaddr by the LOAD lines of readelf -lW; 0 if none. */
static unsigned long long load_offset(const char *path,
				      unsigned long long vaddr)
{
	unsigned long long off, va, pa, fsz, msz, ret = 0;
	char *out = run("LC_ALL=C readelf -lW '%s'", path), *line, *sp;

	for (line = strtok_r(out, "\n", &sp); line;
	     line = strtok_r(NULL, "\n", &sp))
		if (sscanf(line, " LOAD %llx %llx %llx %llx %llx", &off, &va,
			   &pa, &fsz, &msz) == 5 &&
		    vaddr >= va && vaddr < va + fsz)
			ret = vaddr - va + off;
	free(out);
	return ret;
}

/* st_value of @sym by readelf -sW (@sym, or @sym@@VERSION), 0 if none. */
static unsigned long long sym_value(const char *path, const char *sym)
{
	char *out = run("LC_ALL=C readelf -sW '%s'", path), *line, *sp;
	char name[512], type[32];
	unsigned long long v, ret = 0;
	size_t len = strlen(sym);

	for (line = strtok_r(out, "\n", &sp); line;
	     line = strtok_r(NULL, "\n", &sp))
		if (sscanf(line, " %*u: %llx %*s %31s %*s %*s %*s %511s", &v,
			   type, name) == 3 && !strncmp(name, sym, len) &&
		    (!name[len] || !strncmp(name + len, "@@", 2)))
			ret = v;
	free(out);
	return ret;
}

static void check_offset(const char *test, const char *path, const char *sym)
{
	unsigned long long want = load_offset(path, sym_value(path, sym));
	uint64_t got = 0;
	char err[256];

	if (elfsym_offset(path, sym, &got, err, sizeof(err)))
		report(test, 0, "%s", err);
	else
		report(test, want && got == want, "%s in %s: 0x%llx, readelf "
		       "says 0x%llx", sym, path, (unsigned long long)got, want);
}

static int check_error(const char *test, const char *path, const char *sym,
		       const char *want1, const char *want2)
{
	uint64_t off;
	char err[256] = "";
	int ret = elfsym_offset(path, sym, &off, err, sizeof(err));

	report(test, ret == -1 && strstr(err, want1) && strstr(err, want2),
	       "returned %d, error \"%s\", wanted one with \"%s\" and \"%s\"",
	       ret, err, want1, want2);
	return 0;
}

struct names {
	char buf[8192];
	int calls, stop_at;
	uint64_t bad_offset;
};

static int collect(void *arg, const char *name, uint64_t offset)
{
	struct names *n = arg;
	size_t len = strlen(n->buf);

	snprintf(n->buf + len, sizeof(n->buf) - len, "%s%s", len ? " " : "",
		 name);
	if (!offset)
		n->bad_offset++;
	return ++n->calls == n->stop_at ? 7 : 0;
}

static void check_functions(const char *path, const char *verlib)
{
	struct names n = { .stop_at = -1 };
	char err[256];
	int ret;

	ret = elfsym_functions(path, "ktaptest_*", collect, &n, err,
			       sizeof(err));
	report("functions-glob", !ret &&
	       !strcmp(n.buf, "ktaptest_report ktaptest_work"),
	       "returned %d, listed \"%s\"", ret, n.buf);
	memset(&n, 0, sizeof(n));
	n.stop_at = 2;
	ret = elfsym_functions(path, NULL, collect, &n, err, sizeof(err));
	report("functions-stop", ret == 7 && n.calls == 2,
	       "returned %d after %d calls", ret, n.calls);
	memset(&n, 0, sizeof(n));
	ret = elfsym_functions(verlib, "ver*", collect, &n, err, sizeof(err));
	report("functions-versioned", !ret &&
	       !strcmp(n.buf, "ver ver_local ver_new ver_old ver_other"),
	       "returned %d, listed \"%s\"", ret, n.buf);
}

/*
 * elfsym_functions("mem*") on libc must list, once each and in strcmp
 * order, the names readelf gives defined FUNC and IFUNC symbols.
 */
static void check_libc_functions(const char *libc)
{
	char *want = run("LC_ALL=C readelf -sW '%s' | awk '($4 == \"FUNC\" "
			 "|| $4 == \"IFUNC\") && $7 != \"UND\" && $2 !~ "
			 "/^0+$/ { sub(/@.*/, \"\", $8); if ($8 ~ /^mem/) "
			 "print $8 }' | LC_ALL=C sort -u | tr '\\n' ' '",
			 libc);
	struct names n = { .stop_at = -1 };
	char err[256];
	size_t len = strlen(want);
	int ret;

	if (len && want[len - 1] == ' ')
		want[len - 1] = '\0';
	ret = elfsym_functions(libc, "mem*", collect, &n, err, sizeof(err));
	report("libc-functions", !ret && *want && !strcmp(n.buf, want) &&
	       !n.bad_offset, "returned %d, listed \"%s\", readelf says \"%s\"",
	       ret, n.buf, want);
	free(want);
}

struct note {
	char provider[64], name[64], args[256], fetchargs[512];
	unsigned long long offset, semaphore;
	int nargs;
	uint32_t unsupported;
};

struct notes {
	struct note v[64];
	int n;
};

static int collect_note(void *arg, const struct elfsym_sdt *sdt)
{
	struct notes *ns = arg;
	struct note *n;

	if (ns->n == 64)
		return 1;
	n = &ns->v[ns->n++];
	snprintf(n->provider, sizeof(n->provider), "%s", sdt->provider);
	snprintf(n->name, sizeof(n->name), "%s", sdt->name);
	snprintf(n->args, sizeof(n->args), "%s", sdt->args);
	snprintf(n->fetchargs, sizeof(n->fetchargs), "%s", sdt->fetchargs);
	n->offset = sdt->offset;
	n->semaphore = sdt->semaphore;
	n->nargs = sdt->nargs;
	n->unsupported = sdt->unsupported;
	return 0;
}

/* The notes readelf -n prints for @path, offsets from its -S and -l. */
static void readelf_notes(const char *path, struct notes *ns)
{
	char *out = run("LC_ALL=C readelf -nW '%s'", path), *line, *s, *sp;
	char *sec = run("LC_ALL=C readelf -SW '%s' | sed -n "
			"'s/.*\\.stapsdt\\.base *PROGBITS *\\([0-9a-f]*\\) .*/"
			"\\1/p'", path);
	unsigned long long base = strtoull(sec, NULL, 16), loc, nbase, sem;
	struct note *n = NULL;

	memset(ns, 0, sizeof(*ns));
	for (line = strtok_r(out, "\n", &sp); line;
	     line = strtok_r(NULL, "\n", &sp)) {
		s = strstr(line, "Provider: ");
		if (s && ns->n < 64) {
			n = &ns->v[ns->n++];
			snprintf(n->provider, sizeof(n->provider), "%s", s + 10);
		}
		if (!n)
			continue;
		s = strstr(line, "Name: ");
		if (s)
			snprintf(n->name, sizeof(n->name), "%s", s + 6);
		s = strstr(line, "Location: ");
		if (s && sscanf(s, "Location: %llx, Base: %llx, Semaphore: %llx",
				&loc, &nbase, &sem) == 3) {
			n->offset = load_offset(path, loc + base - nbase);
			n->semaphore = sem ?
				load_offset(path, sem + base - nbase) : 0;
		}
		s = strstr(line, "Arguments:");
		if (s)
			snprintf(n->args, sizeof(n->args), "%s",
				 s + 10 + strspn(s + 10, " "));
	}
	free(out);
	free(sec);
}

/* The first byte of the nop sys/sdt.h puts at a probe: -1 if unknown. */
#if defined(__x86_64__) || defined(__i386__)
#define SDT_NOP 0x90
#elif defined(__aarch64__)
#define SDT_NOP 0x1f
#else
#define SDT_NOP file_byte(path, got.v[i].offset)
#endif

/* The byte at file offset @off of @path, -1 if unreadable. */
static int file_byte(const char *path, unsigned long long off)
{
	FILE *f = fopen(path, "rb");
	int c = -1;

	if (f && !fseek(f, off, SEEK_SET))
		c = fgetc(f);
	if (f)
		fclose(f);
	return c;
}

static void check_notes(const char *test, const char *path,
			const char *truth, int want)
{
	struct notes got, exp;
	char err[256];
	int i, ret, bad = -1;

	readelf_notes(truth, &exp);
	memset(&got, 0, sizeof(got));
	ret = elfsym_sdt_notes(path, NULL, collect_note, &got, err,
			       sizeof(err));
	if (ret) {
		report(test, 0, "returned %d: %s", ret, err);
		return;
	}
	for (i = 0; i < got.n && i < exp.n && bad < 0; i++)
		if (strcmp(got.v[i].provider, exp.v[i].provider) ||
		    strcmp(got.v[i].name, exp.v[i].name) ||
		    strcmp(got.v[i].args, exp.v[i].args) ||
		    got.v[i].offset != exp.v[i].offset ||
		    got.v[i].semaphore != exp.v[i].semaphore ||
		    file_byte(path, got.v[i].offset) != SDT_NOP ||
		    !got.v[i].nargs || got.v[i].unsupported ||
		    !*got.v[i].fetchargs)
			bad = i;
	if (bad >= 0)
		report(test, 0, "note %d: got %s:%s at 0x%llx sem 0x%llx "
		       "\"%s\" -> \"%s\" (%d args, unsupported 0x%x); readelf "
		       "says %s:%s at 0x%llx sem 0x%llx \"%s\"", bad,
		       got.v[bad].provider, got.v[bad].name, got.v[bad].offset,
		       got.v[bad].semaphore, got.v[bad].args,
		       got.v[bad].fetchargs, got.v[bad].nargs,
		       got.v[bad].unsupported, exp.v[bad].provider,
		       exp.v[bad].name, exp.v[bad].offset,
		       exp.v[bad].semaphore, exp.v[bad].args);
	else
		report(test, got.n == exp.n && (want < 0 || got.n == want),
		       "%d notes, readelf says %d, expected %d", got.n, exp.n,
		       want);
}

static void check_sdtprog_notes(const char *path)
{
	static const struct {
		const char *glob;
		const char *names;
	} globs[] = {
		{ NULL, "tick tock" }, { "ktaptest:*", "tick tock" },
		{ "tock", "tock" }, { "ktaptest:ti*", "tick" },
		{ "*:nothing", "" }, { "ktaptest", "" },
	};
	unsigned long long sem = load_offset(path,
		sym_value(path, "ktaptest_tock_semaphore"));
	struct notes ns;
	char err[256], got[64], test[32];
	size_t i;
	int j, ret;

	check_notes("sdt-notes", path, path, 2);
	memset(&ns, 0, sizeof(ns));
	elfsym_sdt_notes(path, "ktaptest:tock", collect_note, &ns, err,
			 sizeof(err));
	report("sdt-semaphore", ns.n == 1 && sem && ns.v[0].semaphore == sem,
	       "tock's semaphore at 0x%llx, nm/readelf say 0x%llx",
	       ns.n ? ns.v[0].semaphore : 0, sem);
	for (i = 0; i < ARRAY_SIZE(globs); i++) {
		memset(&ns, 0, sizeof(ns));
		ret = elfsym_sdt_notes(path, globs[i].glob, collect_note, &ns,
				       err, sizeof(err));
		got[0] = '\0';
		for (j = 0; j < ns.n; j++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got),
				 "%s%s", j ? " " : "", ns.v[j].name);
		snprintf(test, sizeof(test), "sdt-glob-%zu", i + 1);
		report(test, !ret && !strcmp(got, globs[i].names),
		       "glob %s: returned %d, listed \"%s\", expected \"%s\"",
		       globs[i].glob ? globs[i].glob : "NULL", ret, got,
		       globs[i].names);
	}
}

/* The contents of @path, malloc'ed, with their length in @len; or NULL. */
static unsigned char *read_file(const char *path, long *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;

	if (!f)
		return NULL;
	*len = fseek(f, 0, SEEK_END) ? -1 : ftell(f);
	if (*len > 0 && !fseek(f, 0, SEEK_SET))
		buf = malloc(*len);
	if (buf && fread(buf, 1, *len, f) != (size_t)*len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int write_file(const char *path, const void *buf, long len)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	if (fwrite(buf, 1, len, f) != (size_t)len) {
		fclose(f);
		return -1;
	}
	return fclose(f) ? -1 : 0;
}

/*
 * A copy of @path whose notes say the file was linked 0x10 bytes lower
 * than it is: what prelink leaves behind.  Offsets must not change.
 * (Notes read as 64-bit and in this machine's byte order: sdtprog's.)
 */
static void check_moved(const char *path, const char *copy)
{
	char *sec = run("LC_ALL=C readelf -SW '%s' | sed -n "
			"'s/.*\\.note\\.stapsdt *NOTE *[0-9a-f]* \\([0-9a-f]*\\)"
			" \\([0-9a-f]*\\) .*/\\1 \\2/p'", path);
	unsigned long long off = 0, size = 0, pos, v;
	unsigned char *buf = NULL;
	uint32_t hdr[3];
	long len = 0;
	int k;

	if (sscanf(sec, "%llx %llx", &off, &size) != 2 || !size) {
		report("sdt-prelinked", 0, "no .note.stapsdt by readelf");
		goto out;
	}
	buf = read_file(path, &len);
	for (pos = off; buf && pos + 12 <= off + size;
	     pos += 12 + ((hdr[0] + 3) & ~3U) + ((hdr[1] + 3) & ~3U)) {
		memcpy(hdr, buf + pos, 12);
		for (k = 0; hdr[2] == 3 && k < 3; k++) {
			memcpy(&v, buf + pos + 12 + 8 + 8 * k, 8);
			if (v)
				v -= 0x10;
			memcpy(buf + pos + 12 + 8 + 8 * k, &v, 8);
		}
	}
	if (!buf || write_file(copy, buf, len)) {
		report("sdt-prelinked", 0, "cannot write %s", copy);
		goto out;
	}
	check_notes("sdt-prelinked", copy, path, 2);
out:
	free(buf);
	free(sec);
}

/* SDT argument strings and the fetchargs they must become. */
static const struct {
	int machine;
	const char *args;
	const char *fetchargs;
	int nargs;
	uint32_t unsupported;
} fetch_cases[] = {
	{ EM_X86_64, "", "", 0, 0 },
	{ EM_X86_64, "-4@%edi 8@-16(%rbp)",
	  "arg1=%di:s32 arg2=-16(%bp):u64", 2, 0 },
	{ EM_X86_64, "8@%rax 4@%eax 2@%ax 1@%al -1@%dil 2@%si 8@%rsp",
	  "arg1=%ax:u64 arg2=%ax:u32 arg3=%ax:u16 arg4=%ax:u8 arg5=%di:s8 "
	  "arg6=%si:u16 arg7=%sp:u64", 7, 0 },
	{ EM_X86_64, "8@%r8 -4@%r9d 2@%r10w 1@%r15b 8@%r16",
	  "arg1=%r8:u64 arg2=%r9:s32 arg3=%r10:u16 arg4=%r15:u8", 5, 0x10 },
	{ EM_X86_64, "8@112(%rsp) -4@(%rbx) 8@0x10(%r12)",
	  "arg1=+112(%sp):u64 arg2=+0(%bx):s32 arg3=+16(%r12):u64", 3, 0 },
	{ EM_X86_64, "4@$5 -4@$-12 8@$0x20",
	  "arg1=\\5:u32 arg2=\\-12:s32 arg3=\\32:u64", 3, 0 },
	{ EM_X86_64, "8@(%rax,%rbx,8) 8@%fs:40 8@foo(%rip) 4@%edx",
	  "arg4=%dx:u32", 4, 0x7 },
	{ EM_X86_64, "8@8(%rip) 16@%xmm0 4f@%eax 3@%eax 8@%ah", "", 5, 0x1f },
	{ EM_X86_64, "%edi -8(%rbp)", "arg1=%di arg2=-8(%bp)", 2, 0 },
	{ EM_X86_64, "  8@%rdi   -4@%esi ", "arg1=%di:u64 arg2=%si:s32", 2, 0 },
	{ EM_386, "-4@%eax 4@8(%ebp)", "arg1=%ax:s32 arg2=+8(%bp):u32", 2, 0 },
	{ EM_AARCH64, "-4@x0 8@w1 8@[sp, 16] -4@[x29, -8] 8@[x2] 4@5 "
	  "8@#-3 8@sp",
	  "arg1=%x0:s32 arg2=%x1:u64 arg3=+16(%sp):u64 arg4=-8(%x29):s32 "
	  "arg5=+0(%x2):u64 arg6=\\5:u32 arg7=\\-3:u64 arg8=%sp:u64", 8, 0 },
	{ EM_AARCH64, "8@x31 8@[x1, x2] 8@%rax 4@w3",
	  "arg4=%x3:u32", 4, 0x7 },
	{ EM_X86_64, "8@ 4@(%rax 4@% 4@() 4@-8(%) 8@$ 8@$x", "", 7, 0x7f },
	{ EM_AARCH64, "8@ 8@[] 8@[x1, ] 8@# 8@x 8@[", "", 6, 0x3f },
	{ EM_RISCV, "8@a0 -4@8(sp)", "", 2, 0x3 },
};

static void check_fetchargs(void)
{
	char buf[512], name[64];
	uint32_t bad;
	size_t i;
	int n, ret;

	for (i = 0; i < ARRAY_SIZE(fetch_cases); i++) {
		ret = elfsym_sdt_fetchargs(fetch_cases[i].machine,
					   fetch_cases[i].args, buf,
					   sizeof(buf), &n, &bad);
		snprintf(name, sizeof(name), "fetchargs-%zu", i + 1);
		report(name, !ret && !strcmp(buf, fetch_cases[i].fetchargs) &&
		       n == fetch_cases[i].nargs &&
		       bad == fetch_cases[i].unsupported,
		       "\"%s\" gave %d \"%s\" (%d args, unsupported 0x%x), "
		       "expected \"%s\" (%d, 0x%x)", fetch_cases[i].args, ret,
		       buf, n, bad, fetch_cases[i].fetchargs,
		       fetch_cases[i].nargs, fetch_cases[i].unsupported);
	}
	ret = elfsym_sdt_fetchargs(EM_X86_64, "8@%rdi 8@%rsi", buf, 16, &n,
				   &bad);
	report("fetchargs-short-buffer", ret == -1 && !*buf && n == 2,
	       "returned %d, \"%s\", %d args", ret, buf, n);
}

static int never(void *arg, const struct elfsym_sdt *note)
{
	return 1;
}

int main(int argc, char **argv)
{
	const char *prog, *notelf, *libc, *verlib;
	char copy[4096], err[256];
	unsigned char *buf;
	long len;
	int ret;

	if (argc < 5) {
		fprintf(stderr,
			"usage: check SDTPROG NOTELF LIBC VERLIB [SDTLIB]\n");
		return 2;
	}
	prog = argv[1];
	notelf = argv[2];
	libc = argv[3];
	verlib = argv[4];

	check_offset("offset-pie", prog, "ktaptest_work");
	check_offset("offset-pie-2", prog, "ktaptest_report");
	check_offset("offset-libc-malloc", libc, "malloc");
	/* two versions: memcpy@@GLIBC_2.14 must win over memcpy@GLIBC_2.2.5 */
	check_offset("offset-libc-versioned", libc, "memcpy");
	check_error("offset-unknown", prog, "no_such_function_xyz",
		    "'no_such_function_xyz'", prog);
	check_error("offset-not-a-function", prog, "ktaptest_tock_semaphore",
		    "'ktaptest_tock_semaphore'", prog);
	check_error("offset-not-elf", notelf, "main", notelf,
		    "not an ELF file");
	check_error("offset-missing-file", "/nonexistent/elfsym", "main",
		    "cannot open /nonexistent/elfsym", "No such file");
	check_offset("offset-symtab-versioned", verlib, "ver");
	snprintf(copy, sizeof(copy), "%s-truncated", prog);
	buf = read_file(prog, &len);
	if (!buf || len < 6000 || write_file(copy, buf, 6000))
		report("offset-truncated", 0, "cannot write %s", copy);
	else
		check_error("offset-truncated", copy, "ktaptest_work", copy,
			    "truncated ELF file");
	free(buf);
	check_functions(prog, verlib);
	check_libc_functions(libc);
	check_sdtprog_notes(prog);
	snprintf(copy, sizeof(copy), "%s-moved", prog);
	check_moved(prog, copy);
	if (argc > 5)
		check_notes("sdt-notes-library", argv[5], argv[5], -1);
	/* this program has no SDT notes */
	ret = elfsym_sdt_notes("/proc/self/exe", NULL, never, NULL, err,
			       sizeof(err));
	report("sdt-no-notes", ret == 0, "returned %d: %s", ret, err);
	ret = elfsym_sdt_notes(notelf, NULL, never, NULL, err, sizeof(err));
	report("sdt-not-elf", ret == -1 && strstr(err, "not an ELF file"),
	       "returned %d: %s", ret, err);
	check_fetchargs();
	return 0;
}

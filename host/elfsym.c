// SPDX-License-Identifier: GPL-2.0
/*
 * elfsym.c - function and USDT probe offsets of ELF files, for uprobes.
 *
 * The SDT note layout is SystemTap's (sys/sdt.h): in .note.stapsdt, notes
 * of owner "stapsdt" and type 3 whose descriptor holds three addresses
 * (probe pc, .stapsdt.base as linked, semaphore or 0) in the file's class
 * and byte order, then "provider\0name\0args\0".
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfsym.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define SDT_NOTE_TYPE	3
/* in .gnu.version: the symbol is not its name's default version */
#define VERSYM_HIDDEN	0x8000

struct elf_file {
	const char *path;
	int fd;
	Elf *elf;
	GElf_Ehdr ehdr;
	size_t nphdr;
};

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void ef_close(struct elf_file *ef)
{
	if (ef->elf)
		elf_end(ef->elf);
	if (ef->fd >= 0)
		close(ef->fd);
}

static int ef_open(struct elf_file *ef, const char *path, char *err,
		   size_t errlen)
{
	struct stat st;
	GElf_Ehdr *eh = &ef->ehdr;

	ef->path = path;
	ef->elf = NULL;
	ef->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ef->fd < 0) {
		set_err(err, errlen, "cannot open %s: %s", path,
			strerror(errno));
		return -1;
	}
	if (fstat(ef->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		set_err(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	/*
	 * ELF_C_READ rather than ELF_C_READ_MMAP: a target rebuilt (and
	 * truncated) while we read it must give an error, not a SIGBUS.
	 */
	if (elf_version(EV_CURRENT) != EV_NONE)
		ef->elf = elf_begin(ef->fd, ELF_C_READ, NULL);
	if (!ef->elf) {
		set_err(err, errlen, "%s: %s", path, elf_errmsg(-1));
		goto fail;
	}
	if (elf_kind(ef->elf) != ELF_K_ELF) {
		set_err(err, errlen, "%s: not an ELF file", path);
		goto fail;
	}
	if (!gelf_getehdr(ef->elf, eh) ||
	    elf_getphdrnum(ef->elf, &ef->nphdr) < 0) {
		set_err(err, errlen, "%s: %s", path, elf_errmsg(-1));
		goto fail;
	}
	/* libelf shows a truncated file as one without headers, quietly */
	if (eh->e_phoff + (uint64_t)eh->e_phnum * eh->e_phentsize >
	    (uint64_t)st.st_size ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * eh->e_shentsize >
	    (uint64_t)st.st_size) {
		set_err(err, errlen, "%s: truncated ELF file", path);
		goto fail;
	}
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) {
		set_err(err, errlen, "%s: not an executable or shared library",
			path);
		goto fail;
	}
	return 0;
fail:
	ef_close(ef);
	return -1;
}

/*
 * File offset of address @addr, 0 if no PT_LOAD segment has it in the
 * file (0 is the ELF header, never code or a semaphore).
 */
static uint64_t ef_offset(struct elf_file *ef, uint64_t addr)
{
	GElf_Phdr ph;
	size_t i;

	for (i = 0; i < ef->nphdr; i++) {
		if (!gelf_getphdr(ef->elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (addr >= ph.p_vaddr && addr - ph.p_vaddr < ph.p_filesz)
			return addr - ph.p_vaddr + ph.p_offset;
	}
	return 0;
}

/*
 * The section named @name or, if @name is NULL, the one of type @type
 * linked to section @link; NULL if there is none.
 */
static Elf_Scn *ef_section(struct elf_file *ef, const char *name,
			   GElf_Word type, size_t link, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	const char *s;
	size_t strndx = 0;

	elf_getshdrstrndx(ef->elf, &strndx);
	while ((scn = elf_nextscn(ef->elf, scn))) {
		if (!gelf_getshdr(scn, sh))
			continue;
		s = name ? elf_strptr(ef->elf, strndx, sh->sh_name) : NULL;
		if (name ? s && !strcmp(s, name) :
		    sh->sh_type == type && sh->sh_link == link)
			return scn;
	}
	return NULL;
}

struct fsym {
	char *name;		/* without its version */
	uint64_t offset;
	int rank;		/* the lower, the better a name's owner */
};

struct fsyms {
	struct fsym *v;
	size_t n, cap;
};

static void fsyms_free(struct fsyms *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		free(fs->v[i].name);
	free(fs->v);
}

static int fsym_cmp(const void *a, const void *b)
{
	const struct fsym *x = a, *y = b;

	/* the lowest address breaks ties, so that every run agrees */
	return strcmp(x->name, y->name) ?: x->rank - y->rank ?:
		(x->offset > y->offset) - (x->offset < y->offset);
}

/*
 * Gather into @fs, sorted by name then rank, every defined function
 * named @exact, or if @exact is NULL matching @glob (all if NULL).
 */
static int ef_functions(struct elf_file *ef, const char *exact,
			const char *glob, struct fsyms *fs, char *err,
			size_t errlen)
{
	Elf_Scn *scn = NULL, *vscn;
	Elf_Data *data, *ver;
	GElf_Shdr sh, vsh;
	GElf_Versym vs;
	GElf_Sym s;
	size_t i, n, len;
	const char *name;
	char *bare;
	uint64_t off;
	int type, match, rank;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB &&
						sh.sh_type != SHT_DYNSYM))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data) {
			set_err(err, errlen, "%s: %s", ef->path,
				elf_errmsg(-1));
			return -1;
		}
		vscn = sh.sh_type != SHT_DYNSYM ? NULL :
			ef_section(ef, NULL, SHT_GNU_versym, elf_ndxscn(scn),
				   &vsh);
		ver = vscn ? elf_getdata(vscn, NULL) : NULL;
		n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (i = 0; i < n && gelf_getsym(data, i, &s); i++) {
			type = GELF_ST_TYPE(s.st_info);
			if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
			    s.st_shndx == SHN_UNDEF)
				continue;
			name = elf_strptr(ef->elf, sh.sh_link, s.st_name);
			if (!name || !*name)
				continue;
			len = strcspn(name, "@");
			bare = strndup(name, len);
			if (!bare)
				goto nomem;
			if (exact)
				match = !strcmp(bare, exact);
			else
				match = !glob || !fnmatch(glob, bare, 0);
			/* bit 0 of an ARM address says Thumb, not where */
			if (ef->ehdr.e_machine == EM_ARM)
				s.st_value &= ~1ULL;
			off = match ? ef_offset(ef, s.st_value) : 0;
			if (!off) {
				free(bare);
				continue;
			}
			if (fs->n == fs->cap) {
				struct fsym *v;

				fs->cap = fs->cap ? 2 * fs->cap : 64;
				v = realloc(fs->v, fs->cap * sizeof(*v));
				if (!v) {
					free(bare);
					goto nomem;
				}
				fs->v = v;
			}
			/*
			 * Among the functions of a name, the global default
			 * version is the one a user means; a non-default one
			 * (foo@V, or hidden in .gnu.version) is what old
			 * binaries bound to, a local a file's private helper.
			 */
			rank = GELF_ST_BIND(s.st_info) == STB_LOCAL;
			if ((name[len] && name[len + 1] != '@') ||
			    (ver && gelf_getversym(ver, i, &vs) &&
			     (vs & VERSYM_HIDDEN)))
				rank += 2;
			fs->v[fs->n++] = (struct fsym){ bare, off, rank };
		}
	}
	if (fs->n)
		qsort(fs->v, fs->n, sizeof(*fs->v), fsym_cmp);
	return 0;
nomem:
	set_err(err, errlen, "%s: out of memory", ef->path);
	return -1;
}

int elfsym_offset(const char *path, const char *sym, uint64_t *offset,
		  char *err, size_t errlen)
{
	struct fsyms fs = { 0 };
	struct elf_file ef;
	int ret = -1;

	if (ef_open(&ef, path, err, errlen))
		return -1;
	if (ef_functions(&ef, sym, NULL, &fs, err, errlen) == 0) {
		if (fs.n) {
			*offset = fs.v[0].offset;
			ret = 0;
		} else {
			set_err(err, errlen, "no symbol '%s' in %s", sym, path);
		}
	}
	fsyms_free(&fs);
	ef_close(&ef);
	return ret;
}

int elfsym_functions(const char *path, const char *glob,
		     int (*cb)(void *arg, const char *name, uint64_t offset),
		     void *arg, char *err, size_t errlen)
{
	struct fsyms fs = { 0 };
	struct elf_file ef;
	size_t i;
	int ret;

	if (ef_open(&ef, path, err, errlen))
		return -1;
	ret = ef_functions(&ef, NULL, glob, &fs, err, errlen);
	for (i = 0; !ret && i < fs.n; i++)
		if (!i || strcmp(fs.v[i].name, fs.v[i - 1].name))
			ret = cb(arg, fs.v[i].name, fs.v[i].offset);
	fsyms_free(&fs);
	ef_close(&ef);
	return ret;
}

/* Parse all of @s[0..len) as an integer (C syntax, any base). */
static int parse_num(const char *s, size_t len, long long *v)
{
	char buf[32], *end;

	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*v = strtoll(buf, &end, 0);
	return errno || *end ? -1 : 0;
}

/* Register number @s[0..len): one or two decimal digits, else -1. */
static int reg_num(const char *s, size_t len)
{
	if (!len || len > 2 || strspn(s, "0123456789") < len)
		return -1;
	return len == 1 ? s[0] - '0' : 10 * (s[0] - '0') + s[1] - '0';
}

/*
 * x86 register names as compilers write them, each line led by the name
 * of the whole register in the kernel's pt_regs (what fetchargs use).
 */
static const char *const x86_regs[] = {
	"ax rax eax al", "bx rbx ebx bl", "cx rcx ecx cl", "dx rdx edx dl",
	"si rsi esi sil", "di rdi edi dil", "bp rbp ebp bpl",
	"sp rsp esp spl", "ip rip eip",
};

/* The pt_regs name of x86 register @name[0..len) into @reg (8 bytes). */
static int x86_reg(const char *name, size_t len, char *reg)
{
	const char *w;
	size_t i, wl;
	int n;

	/* r8..r15 and their d, w and b parts */
	if (len >= 2 && name[0] == 'r' && name[1] >= '0' && name[1] <= '9') {
		wl = strchr("dwb", name[len - 1]) ? len - 1 : len;
		n = reg_num(name + 1, wl - 1);
		if (n < 8 || n > 15)
			return -1;
		snprintf(reg, 8, "r%d", n);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(x86_regs); i++) {
		for (w = x86_regs[i]; *w; w += wl + !!w[wl]) {
			wl = strcspn(w, " ");
			if (wl == len && !memcmp(w, name, len)) {
				snprintf(reg, 8, "%.2s", x86_regs[i]);
				return 0;
			}
		}
	}
	return -1;
}

/* "+12(%di)" or "-12(%di)": what uprobe fetchargs say for a deref. */
static void print_deref(char *out, size_t outlen, long long disp,
			const char *reg)
{
	snprintf(out, outlen, "%c%llu(%%%s)", disp < 0 ? '-' : '+',
		 disp < 0 ? -(unsigned long long)disp : (unsigned long long)disp,
		 reg);
}

/* AT&T syntax: %reg, $imm, disp(%reg); no index, segment or symbol. */
static int x86_operand(const char *op, char *out, size_t outlen)
{
	const char *paren = strchr(op, '(');
	size_t len = strlen(op);
	long long v = 0;
	char reg[8];

	if (op[0] == '%') {
		if (x86_reg(op + 1, len - 1, reg))
			return -1;
		snprintf(out, outlen, "%%%s", reg);
	} else if (op[0] == '$') {
		if (parse_num(op + 1, len - 1, &v))
			return -1;
		snprintf(out, outlen, "\\%lld", v);
	} else {
		if (!paren || op[len - 1] != ')' || paren[1] != '%' ||
		    (paren > op && parse_num(op, paren - op, &v)) ||
		    x86_reg(paren + 2, op + len - 1 - (paren + 2), reg) ||
		    !strcmp(reg, "ip"))	/* %rip-relative: a symbol */
			return -1;
		print_deref(out, outlen, v, reg);
	}
	return 0;
}

/* x0..x30, w0..w30 and sp as the kernel's arm64 pt_regs names them. */
static int arm64_reg(const char *name, size_t len, char *reg)
{
	int n = len ? reg_num(name + 1, len - 1) : -1;

	if ((len == 2 && !memcmp(name, "sp", 2)) ||
	    (len == 3 && !memcmp(name, "wsp", 3)))
		strcpy(reg, "sp");
	else if ((name[0] == 'x' || name[0] == 'w') && n >= 0 && n <= 30)
		snprintf(reg, 8, "x%d", n);
	else
		return -1;
	return 0;
}

/* GNU as for arm64: reg, [reg], [reg, off], imm (with or without '#'). */
static int arm64_operand(const char *op, char *out, size_t outlen)
{
	size_t len = strlen(op), rl;
	const char *in, *off;
	long long v = 0;
	char reg[8];

	if (op[0] != '[') {
		if (!arm64_reg(op, len, reg)) {
			snprintf(out, outlen, "%%%s", reg);
			return 0;
		}
		op += *op == '#';
		if (parse_num(op, strlen(op), &v))
			return -1;
		snprintf(out, outlen, "\\%lld", v);
		return 0;
	}
	if (op[len - 1] != ']')
		return -1;
	in = op + 1;
	rl = strcspn(in, ",]");
	if (arm64_reg(in, rl, reg))
		return -1;
	if (in[rl] == ',') {
		off = in + rl + 1;
		off += strspn(off, " ");
		off += *off == '#';
		if (parse_num(off, op + len - 1 - off, &v))
			return -1;
	}
	print_deref(out, outlen, v, reg);
	return 0;
}

/* One argument "[-]SIZE@OPERAND" (or a bare OPERAND) as "FETCH:TYPE". */
static int sdt_arg(int machine, const char *arg, char *out, size_t outlen)
{
	const char *op = arg, *at = strchr(arg, '@'), *s = arg;
	char fetch[64], type[8] = "";
	long long size;
	int ret;

	if (at) {
		s += *s == '-';
		if (parse_num(s, at - s, &size))
			return -1;
		if (size != 1 && size != 2 && size != 4 && size != 8)
			return -1;
		snprintf(type, sizeof(type), ":%c%lld",
			 s > arg ? 's' : 'u', 8 * size);
		op = at + 1;
	}
	if (machine == EM_X86_64 || machine == EM_386)
		ret = x86_operand(op, fetch, sizeof(fetch));
	else if (machine == EM_AARCH64)
		ret = arm64_operand(op, fetch, sizeof(fetch));
	else
		ret = -1;
	if (!ret)
		snprintf(out, outlen, "%s%s", fetch, type);
	return ret;
}

int elfsym_sdt_fetchargs(int machine, const char *args, char *buf,
			 size_t buflen, int *nargs, uint32_t *unsupported)
{
	char tok[128], one[96];
	size_t len, used = 0;
	int n = 0, depth, w, ret = 0;
	uint32_t bad = 0;
	const char *p;

	if (buflen)
		buf[0] = '\0';
	for (p = args; *(p += strspn(p, " \t")); p += len) {
		/* arm64 writes "[sp, 16]": a blank in brackets is no split */
		for (len = 0, depth = 0; p[len]; len++) {
			if (p[len] == '[')
				depth++;
			else if (p[len] == ']')
				depth--;
			else if (depth <= 0 && (p[len] == ' ' || p[len] == '\t'))
				break;
		}
		if (++n > ELFSYM_SDT_MAX_ARGS)
			continue;
		if (len >= sizeof(tok))
			goto bad;
		memcpy(tok, p, len);
		tok[len] = '\0';
		if (sdt_arg(machine, tok, one, sizeof(one)))
			goto bad;
		w = snprintf(buf + used, buflen - used, "%sarg%d=%s",
			     used ? " " : "", n, one);
		if (ret || w < 0 || (size_t)w >= buflen - used) {
			ret = -1;
			continue;
		}
		used += w;
		continue;
bad:
		bad |= 1U << (n - 1);
	}
	if (ret && buflen)
		buf[0] = '\0';
	*nargs = n;
	*unsupported = bad;
	return ret;
}

/* The address at @p in the file's class and byte order. */
static uint64_t ef_addr(struct elf_file *ef, const unsigned char *p)
{
	int size = ef->ehdr.e_ident[EI_CLASS] == ELFCLASS64 ? 8 : 4;
	int msb = ef->ehdr.e_ident[EI_DATA] == ELFDATA2MSB;
	uint64_t v = 0;
	int i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)p[msb ? i : size - 1 - i] << 8 * (size - 1 - i);
	return v;
}

int elfsym_sdt_notes(const char *path, const char *glob,
		     int (*cb)(void *arg, const struct elfsym_sdt *note),
		     void *arg, char *err, size_t errlen)
{
	const unsigned char *d, *end;
	const char *str[3], *s;
	char fetch[4096], full[512];
	uint64_t pc, base, sem, base_addr = 0;
	size_t off, next, name_off, desc_off;
	struct elfsym_sdt note;
	struct elf_file ef;
	Elf_Data *data;
	Elf_Scn *scn;
	GElf_Shdr sh;
	GElf_Nhdr nh;
	int i, asz, ret = 0;

	if (ef_open(&ef, path, err, errlen))
		return -1;
	asz = ef.ehdr.e_ident[EI_CLASS] == ELFCLASS64 ? 8 : 4;
	if (ef_section(&ef, ".stapsdt.base", 0, 0, &sh))
		base_addr = sh.sh_addr;
	scn = ef_section(&ef, ".note.stapsdt", 0, 0, &sh);
	data = scn && sh.sh_type == SHT_NOTE ? elf_getdata(scn, NULL) : NULL;
	for (off = 0; !ret && data &&
	     (next = gelf_getnote(data, off, &nh, &name_off, &desc_off));
	     off = next) {
		d = (const unsigned char *)data->d_buf + desc_off;
		end = d + nh.n_descsz;
		if (nh.n_type != SDT_NOTE_TYPE || nh.n_namesz != 8 ||
		    memcmp((char *)data->d_buf + name_off, "stapsdt", 8) ||
		    nh.n_descsz < 3U * asz)
			continue;
		pc = ef_addr(&ef, d);
		base = ef_addr(&ef, d + asz);
		sem = ef_addr(&ef, d + 2 * asz);
		/* provider, name, then args, which old notes may lack */
		for (s = (const char *)d + 3 * asz, i = 0; i < 3; i++) {
			str[i] = "";
			if (s < (const char *)end &&
			    memchr(s, '\0', (const char *)end - s)) {
				str[i] = s;
				s += strlen(s) + 1;
			}
		}
		if (!*str[0] || !*str[1])
			continue;
		snprintf(full, sizeof(full), "%s:%s", str[0], str[1]);
		if (glob && fnmatch(glob, full, 0) && fnmatch(glob, str[1], 0))
			continue;
		/* prelink moved the file if .stapsdt.base is not where it was */
		if (base_addr && base) {
			pc += base_addr - base;
			if (sem)
				sem += base_addr - base;
		}
		note = (struct elfsym_sdt){
			.provider = str[0], .name = str[1], .args = str[2],
			.fetchargs = fetch, .offset = ef_offset(&ef, pc),
			.semaphore = sem ? ef_offset(&ef, sem) : 0,
		};
		/* a note pointing outside the file is damage: not a probe */
		if (!note.offset || (sem && !note.semaphore))
			continue;
		/* cannot overflow: at most 32 arguments of < 128 bytes */
		elfsym_sdt_fetchargs(ef.ehdr.e_machine, str[2], fetch,
				     sizeof(fetch), &note.nargs,
				     &note.unsupported);
		ret = cb(arg, &note);
	}
	ef_close(&ef);
	return ret;
}

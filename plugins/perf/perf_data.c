// SPDX-License-Identifier: GPL-2.0
/*
 * perf_data.c - the recorded events and tracepoint formats of a perf.data
 * file (see perf_data.h).
 *
 * The layout, from tools/perf/util/header.[ch] and trace-event-info.c
 * (Documentation/perf.data-file-format.txt in the kernel):
 *
 *   file header: magic "PERFILE2", size, attr_size, the attrs, data and
 *   event_types sections ({u64 offset, u64 size} each), then a bitmap of
 *   256 feature bits.  After the data section, one {offset, size} per
 *   feature bit set, in bit order.  Numbers are in the recording
 *   machine's byte order (the magic tells which).
 *
 *   HEADER_TRACING_DATA (bit 1): "\027\010\104tracing", a version string,
 *   an endianness byte, the size of a long, the page size (u32); then
 *   "header_page\0" u64 size + text, "header_event\0" u64 size + text,
 *   the ftrace formats (u32 count, each u64 size + text), the event
 *   formats (u32 systems, each: name\0, u32 count, each u64 size + text),
 *   kallsyms (u32 size + text), printk formats (u32 size + text) and, from
 *   version 0.6, saved cmdlines (u64 size + text).  Numbers here are in
 *   the order of the endianness byte.
 *
 *   HEADER_EVENT_DESC (bit 12): u32 events, u32 attr size, then per event
 *   the attr, u32 ids, its name (u32 padded length + text) and the ids.
 *
 *   A file written in pipe mode (perf record -o - > file) has a 16-byte
 *   header and no features; the tracing data comes as a record of its own
 *   (type 66: the 8-byte record header, u32 size, u32 pad) followed by
 *   that many bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <event-parse.h>

#include "perf_data.h"

#define RECORD_TRACING_DATA	66	/* PERF_RECORD_HEADER_TRACING_DATA */
#define FEAT_TRACING_DATA	1
#define FEAT_EVENT_DESC		12
#define FEAT_BITS		256

struct cursor {
	const unsigned char *p, *end;
	int swap;
	int bad;
};

static uint32_t bswap32(uint32_t x)
{
	return __builtin_bswap32(x);
}

static uint64_t bswap64(uint64_t x)
{
	return __builtin_bswap64(x);
}

static int host_bigendian(void)
{
	const uint16_t one = 1;

	return *(const unsigned char *)&one == 0;
}

static const void *take(struct cursor *c, size_t n)
{
	const unsigned char *p = c->p;

	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = 1;
		return NULL;
	}
	c->p += n;
	return p;
}

static uint32_t rd32(struct cursor *c)
{
	const void *p = take(c, 4);
	uint32_t v = 0;

	if (p)
		memcpy(&v, p, 4);
	return c->swap ? bswap32(v) : v;
}

static uint64_t rd64(struct cursor *c)
{
	const void *p = take(c, 8);
	uint64_t v = 0;

	if (p)
		memcpy(&v, p, 8);
	return c->swap ? bswap64(v) : v;
}

/* A NUL-terminated string in place; NULL if it runs off the end. */
static const char *rdstr(struct cursor *c)
{
	const char *s = (const char *)c->p;
	size_t n = strnlen(s, (size_t)(c->end - c->p));

	if (c->bad || c->p + n >= c->end) {
		c->bad = 1;
		return NULL;
	}
	c->p += n + 1;
	return s;
}

/* A copy of @n bytes with a NUL after them (libtraceevent wants text). */
static char *rdtext(struct cursor *c, uint64_t n)
{
	const void *p;
	char *s;

	if (n > (uint64_t)(c->end - c->p)) {
		c->bad = 1;
		return NULL;
	}
	p = take(c, (size_t)n);
	s = p ? malloc((size_t)n + 1) : NULL;
	if (!s)
		return NULL;
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	return s;
}

int pdata_parse_format(struct tep_handle *tep, const char *sys,
		       const char *buf, size_t len)
{
	return tep_parse_event(tep, buf, len, sys) ? -1 : 0;
}

/* Each of @count formats of system @sys: u64 size + text. */
static int read_formats(struct cursor *c, struct tep_handle *tep,
			const char *sys, uint32_t count)
{
	uint32_t i;

	for (i = 0; i < count; i++) {
		uint64_t size = rd64(c);
		const void *text;

		if (c->bad || size > (uint64_t)(c->end - c->p))
			return -1;
		text = take(c, (size_t)size);
		/* a format libtraceevent cannot parse only loses that event */
		if (text)
			pdata_parse_format(tep, sys, text, (size_t)size);
	}
	return c->bad ? -1 : 0;
}

static int read_tracing_data(struct cursor *c, struct tep_handle *tep,
			     char *err, size_t errlen)
{
	static const unsigned char magic[10] = { 23, 8, 68, 't', 'r', 'a',
						  'c', 'i', 'n', 'g' };
	const unsigned char *m = take(c, sizeof(magic));
	const unsigned char *b;
	const char *version, *tag, *sys;
	uint32_t i, n;
	uint64_t size;
	char *text;
	int file_big;

	if (!m || memcmp(m, magic, sizeof(magic))) {
		snprintf(err, errlen, "its tracing data does not start with the 'tracing' tag");
		return -1;
	}
	version = rdstr(c);
	b = take(c, 2);
	if (!version || !b)
		goto bad;
	file_big = b[0];
	c->swap = file_big != host_bigendian();
	tep_set_file_bigendian(tep, file_big ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, host_bigendian() ? TEP_BIG_ENDIAN :
			       TEP_LITTLE_ENDIAN);
	tep_set_long_size(tep, b[1]);
	tep_set_page_size(tep, (int)rd32(c));

	tag = rdstr(c);
	if (!tag || strcmp(tag, "header_page"))
		goto bad;
	size = rd64(c);
	text = rdtext(c, size);
	if (!text)
		goto bad;
	/* the commit field of a page is a long of the recording's kernel */
	if (!tep_parse_header_page(tep, text, (unsigned long)size, b[1]))
		tep_set_long_size(tep, tep_get_header_page_size(tep));
	free(text);
	tag = rdstr(c);
	if (!tag || strcmp(tag, "header_event"))
		goto bad;
	size = rd64(c);
	if (size > (uint64_t)(c->end - c->p) || !take(c, (size_t)size))
		goto bad;

	if (read_formats(c, tep, "ftrace", rd32(c)))
		goto bad;
	n = rd32(c);
	for (i = 0; i < n && !c->bad; i++) {
		sys = rdstr(c);
		if (!sys || read_formats(c, tep, sys, rd32(c)))
			goto bad;
	}
	/* kallsyms (perf has written none since 5.x) and printk formats */
	text = rdtext(c, rd32(c));
	if (!text)
		goto bad;
	if (*text)
		tep_parse_kallsyms(tep, text);
	free(text);
	text = rdtext(c, rd32(c));
	if (!text)
		goto bad;
	if (*text)
		tep_parse_printk_formats(tep, text);
	free(text);
	if (strtod(version, NULL) >= 0.6) {
		text = rdtext(c, rd64(c));
		if (!text)
			goto bad;
		if (*text)
			tep_parse_saved_cmdlines(tep, text);
		free(text);
	}
	return 0;
bad:
	snprintf(err, errlen, "its tracing data is truncated or damaged");
	return -1;
}

static int read_event_desc(struct cursor *c, struct pdata *pd)
{
	uint32_t i, n = rd32(c), attr_size = rd32(c);

	if (c->bad || attr_size < 16 || n > 65536)
		return -1;
	pd->events = calloc(n ? n : 1, sizeof(*pd->events));
	if (!pd->events)
		return -1;
	for (i = 0; i < n; i++) {
		struct pdata_event *e = &pd->events[i];
		struct cursor a;
		uint32_t ids, len;
		const void *attr = take(c, attr_size);

		if (!attr)
			return -1;
		a.p = attr;
		a.end = a.p + attr_size;
		a.swap = c->swap;
		a.bad = 0;
		e->type = rd32(&a);
		rd32(&a);		/* attr.size */
		e->config = rd64(&a);
		ids = rd32(c);
		len = rd32(c);
		e->name = rdtext(c, len);
		if (!e->name)
			return -1;
		pd->nevents++;		/* pdata_free() frees its name */
		if ((uint64_t)ids * 8 > (uint64_t)(c->end - c->p))
			return -1;
		take(c, (size_t)ids * 8);
	}
	return c->bad ? -1 : 0;
}

/* The section of feature @feat, from the index after the data. */
static int feature(int fd, int swap, const uint64_t *bits, uint64_t index,
		   int feat, uint64_t *off, uint64_t *size)
{
	uint64_t sec[2];
	int bit, nth = 0;

	if (!(bits[feat / 64] & (1ULL << (feat % 64))))
		return -1;
	for (bit = 0; bit < feat; bit++) {
		if (bits[bit / 64] & (1ULL << (bit % 64)))
			nth++;
	}
	if (pread(fd, sec, sizeof(sec), (off_t)(index + nth * sizeof(sec))) !=
	    (ssize_t)sizeof(sec))
		return -1;
	*off = swap ? bswap64(sec[0]) : sec[0];
	*size = swap ? bswap64(sec[1]) : sec[1];
	return 0;
}

/* Read @size bytes at @off of @fd into a new buffer. */
static void *read_at(int fd, uint64_t off, uint64_t size, off_t file_size)
{
	char *buf;
	size_t got = 0;

	if (off > (uint64_t)file_size || size > (uint64_t)file_size - off)
		return NULL;
	buf = malloc(size ? (size_t)size : 1);
	while (buf && got < size) {
		ssize_t r = pread(fd, buf + got, (size_t)size - got,
				  (off_t)(off + got));

		if (r <= 0) {
			free(buf);
			return NULL;
		}
		got += (size_t)r;
	}
	return buf;
}

/* Parse tracing data of @size bytes at @off of @fd into pd->tep. */
static int tracing_data_at(int fd, uint64_t off, uint64_t size,
			   off_t file_size, struct pdata *pd,
			   const char *path, char *err, size_t errlen)
{
	char msg[256];
	struct cursor c;
	void *buf = read_at(fd, off, size, file_size);
	int r;

	pd->tep = tep_alloc();
	if (!buf || !pd->tep) {
		free(buf);
		snprintf(err, errlen, "%s: cannot read its tracing data", path);
		return -1;
	}
	c.p = buf;
	c.end = c.p + size;
	c.swap = 0;
	c.bad = 0;
	r = read_tracing_data(&c, pd->tep, msg, sizeof(msg));
	if (r)
		snprintf(err, errlen, "%s: %s", path, msg);
	free(buf);
	return r;
}

/* A pipe-mode file: find the tracing data record among the first ones. */
static int read_pipe_file(int fd, int swap, off_t file_size, struct pdata *pd,
			  const char *path, char *err, size_t errlen)
{
	uint64_t off = 16;

	pd->pipe = 1;
	while (off + 16 <= (uint64_t)file_size) {
		unsigned char rec[16];
		uint32_t type, size;
		uint16_t rsize;

		if (pread(fd, rec, sizeof(rec), (off_t)off) != sizeof(rec))
			break;
		memcpy(&type, rec, 4);
		memcpy(&rsize, rec + 6, 2);
		memcpy(&size, rec + 8, 4);
		if (swap) {
			type = bswap32(type);
			rsize = __builtin_bswap16(rsize);
			size = bswap32(size);
		}
		if (rsize < 8)
			break;		/* damaged: perf will say so */
		if (type == RECORD_TRACING_DATA && rsize >= 12)
			return tracing_data_at(fd, off + rsize, size, file_size,
					       pd, path, err, errlen);
		/* the data of the stream begins: no tracing data before */
		if (type < 64)
			break;
		off += rsize;
	}
	return 0;
}

int pdata_read(const char *path, struct pdata *pd, char *err, size_t errlen)
{
	/* magic, size, attr_size, attrs, data, event_types; then the bits */
	uint64_t h[9], bits[FEAT_BITS / 64], off, size, index;
	int fd, swap, i, ret = -1;
	struct stat st;
	struct cursor c;
	void *buf = NULL;

	memset(pd, 0, sizeof(*pd));
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, errlen, "cannot read %s: %s", path,
			 strerror(errno));
		goto out;
	}
	if (pread(fd, h, 16, 0) != 16 ||
	    (memcmp(h, "PERFILE2", 8) && memcmp(h, "2ELIFREP", 8))) {
		snprintf(err, errlen, "%s is not a perf.data file", path);
		goto out;
	}
	/* "PERFILE2" as the bytes of a little-endian u64 */
	swap = !memcmp(h, "PERFILE2", 8) ? host_bigendian() :
	       !host_bigendian();
	if ((swap ? bswap64(h[1]) : h[1]) == 16) {
		ret = read_pipe_file(fd, swap, st.st_size, pd, path, err,
				     errlen);
		goto out;
	}
	if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    pread(fd, bits, sizeof(bits), sizeof(h)) != (ssize_t)sizeof(bits)) {
		snprintf(err, errlen, "%s: the file header is truncated", path);
		goto out;
	}
	for (i = 0; swap && i < 9; i++)
		h[i] = bswap64(h[i]);
	for (i = 0; swap && i < FEAT_BITS / 64; i++)
		bits[i] = bswap64(bits[i]);
	index = h[5] + h[6];	/* after the data section */

	if (!feature(fd, swap, bits, index, FEAT_EVENT_DESC, &off, &size)) {
		buf = read_at(fd, off, size, st.st_size);
		c.p = buf;
		c.end = c.p + size;
		c.swap = swap;
		c.bad = 0;
		if (!buf || read_event_desc(&c, pd)) {
			snprintf(err, errlen, "%s: its event descriptions are truncated or damaged",
				 path);
			goto out;
		}
		free(buf);
		buf = NULL;
	}
	if (!feature(fd, swap, bits, index, FEAT_TRACING_DATA, &off, &size) &&
	    tracing_data_at(fd, off, size, st.st_size, pd, path, err, errlen))
		goto out;
	ret = 0;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	if (ret)
		pdata_free(pd);
	return ret;
}

void pdata_free(struct pdata *pd)
{
	int i;

	for (i = 0; i < pd->nevents; i++)
		free(pd->events[i].name);
	free(pd->events);
	if (pd->tep)
		tep_free(pd->tep);
	memset(pd, 0, sizeof(*pd));
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * script.h - reading a script or bytecode file into a session, as every
 * userspace host does.
 */
#ifndef KTAP_HOST_SCRIPT_H
#define KTAP_HOST_SCRIPT_H

#include <stddef.h>

#include <ktap/ktap.h>

/* Bytecode files start with these bytes (lib/bytecode.h). */
#define HOST_BC_MAGIC		"\033ktp"
#define HOST_BC_MAGIC_LEN	4

/* The whole of @path ("-": stdin), NUL-terminated; NULL with errno. */
char *host_read_file(const char *path, size_t *len);

/*
 * Compile @src (or take it as bytecode when it starts with the magic and
 * @may_be_bytecode) and load it into @s with the script arguments.
 * Returns 0, or -1 with the compiler's or loader's message in @err.
 */
int host_load(struct ktap_session *s, const char *name, const char *src,
	      size_t len, int may_be_bytecode, int argc,
	      const char *const *argv, char *err, size_t errlen);

#endif /* KTAP_HOST_SCRIPT_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_compile.c - libFuzzer target: arbitrary bytes as a script.
 *
 * Whatever the compiler accepts must load and verify: compiled code the
 * verifier rejects is a bug of one of them, and the target aborts.  The
 * loaded script then runs as in fuzz_bytecode.c.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];
	void *bc = NULL;
	size_t len = 0;

	if (ktap_compile("fuzz.kp", (const char *)data, size, &bc, &len, err,
			 sizeof(err)))
		return 0;
	if (fz_session(bc, len, size & 1, (size >> 1) & 1)) {
		/* fz_session() freed the session: load again for the message */
		struct fz_ctx ctx = { 0 };
		static const struct ktap_platform_ops ops = {
			.alloc = fz_alloc,
			.free = fz_free,
			.write = fz_write,
		};
		struct ktap_platform pf = { .ops = &ops, .ctx = &ctx };
		struct ktap_session *s = ktap_session_new(&pf, NULL);
		const char *argv[] = { "fuzz.kp" };

		if (s && ktap_session_load(s, bc, len, 1, argv))
			fprintf(stderr, "fuzz: compiled code is rejected: %s\n",
				ktap_session_error(s));
		else
			fprintf(stderr, "fuzz: compiled code is rejected (only under the fuzzing limits)\n");
		abort();
	}
	free(bc);
	return 0;
}

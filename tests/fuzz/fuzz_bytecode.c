// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_bytecode.c - libFuzzer target: arbitrary bytes as bytecode.
 *
 * The loader and the verifier are the safety boundary: whatever they
 * accept, the VM must run without a memory error, and whatever they
 * reject must be rejected cleanly.  Accepted files are run completely:
 * top level, every probe (with no event, then with a synthetic one),
 * trace_end.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the realloc hook on or off: both paths of kp_realloc() */
	fz_session(data, size, size & 1, (size >> 1) & 1);
	return 0;
}

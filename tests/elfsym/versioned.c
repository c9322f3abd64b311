// SPDX-License-Identifier: GPL-2.0
/*
 * versioned.c - a shared library whose function "ver" has two versions,
 * ver@V1 (old) and ver@@V2 (default), in .dynsym and in .symtab, where
 * the linker writes the versions into the names.  Link with
 * versioned.map.  elfsym must strip the versions, list "ver" once and
 * give the default's offset.
 */
__attribute__((noinline)) int ver_old(int x)
{
	return x + 1;
}

__attribute__((noinline)) int ver_new(int x)
{
	return x + 2;
}

/* a local function: in .symtab only */
static __attribute__((noinline, used)) int ver_local(int x)
{
	return x + 3;
}

int ver_other(int x)
{
	return ver_local(x) + 4;
}

__asm__(".symver ver_old, ver@V1");
__asm__(".symver ver_new, ver@@V2");

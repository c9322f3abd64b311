#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check-freestanding.sh [FILE.c...] - check that the runtime core builds
# without a C library, as it must inside the kernel.
#
# Every file (default: lib/*.c) is compiled with -ffreestanding -nostdinc
# against tests/freestanding/ktap_freestanding.h, the only "system" header
# allowed; then all objects are linked into one relocatable object and the
# symbols it still needs must be among those a compiler may emit calls to
# on its own: memcpy, memmove, memset, memcmp, strlen.
#
# Prints "ok freestanding/compile FILE" per file and "ok freestanding/symbols"
# (or "not ok ...: why" with the offending header or symbols).

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
[ $# -gt 0 ] || set -- lib/*.c

CC=${FREESTANDING_CC:-gcc}
ALLOWED="memcpy memmove memset memcmp strlen"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for tool in "$CC" ld nm; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "not ok freestanding/tools: '$tool' is not installed"
		exit 0
	fi
done

objs=
failed=0
for src in "$@"; do
	obj=$TMP/$(echo "$src" | tr '/' '_').o
	if "$CC" -std=gnu11 -O2 -ffreestanding -nostdinc -fno-builtin-printf \
	    -Werror=implicit-function-declaration \
	    -DKTAP_FREESTANDING -I tests/freestanding -c "$src" -o "$obj" \
	    >"$TMP/log" 2>&1; then
		echo "ok freestanding/compile $src"
		objs="$objs $obj"
	else
		failed=1
		# name the header that is missing if that is the reason
		why=$(sed -n 's/.*fatal error: \([^:]*\): No such file.*/includes <\1>, which a freestanding build does not have/p' "$TMP/log" | head -1)
		[ -n "$why" ] || why=$(grep -m1 'error' "$TMP/log")
		[ -n "$why" ] || why=$(head -1 "$TMP/log")
		echo "not ok freestanding/compile $src: $why"
	fi
done

if [ "$failed" -ne 0 ]; then
	echo "not ok freestanding/symbols: not checked, some files do not compile"
	exit 0
fi
# shellcheck disable=SC2086
if ! ld -r -o "$TMP/core.o" $objs >"$TMP/log" 2>&1; then
	echo "not ok freestanding/symbols: ld -r failed: $(head -3 "$TMP/log" | tr '\n' ' ')"
	exit 0
fi
bad=
for sym in $(nm -u "$TMP/core.o" | awk '{ print $NF }' | sort -u); do
	case " $ALLOWED " in
	*" $sym "*) ;;
	*) bad="$bad $sym" ;;
	esac
done
if [ -z "$bad" ]; then
	echo "ok freestanding/symbols"
else
	# say which object needs each symbol
	where=
	for sym in $bad; do
		users=$(for o in $objs; do
			nm -u "$o" | awk '{ print $NF }' | grep -qx "$sym" &&
				basename "$o" .o | sed 's/_/\//'
		done | tr '\n' ' ')
		where="$where $sym (used by ${users% });"
	done
	echo "not ok freestanding/symbols: undefined symbols outside the allowed set:${where%;}"
fi
exit 0

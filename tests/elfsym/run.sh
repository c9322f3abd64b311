#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh BUILD - build tests/live/sdtprog and the host/elfsym.c checker
# and a library with versioned symbols (tests/elfsym/versioned.c) into
# BUILD/tests/, and run the checker, which compares what elfsym finds in
# them, libc and libstdc++ with what binutils' readelf says.
# Prints "ok elfsym/NAME" or "not ok elfsym/NAME: why" lines.
#
# ELFSYM_CFLAGS and ELFSYM_LDFLAGS add flags (e.g. the sanitizers).

BUILD=${1:?usage: run.sh BUILD}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
case $BUILD in
/*) ;;
*) BUILD=$TOP/$BUILD ;;
esac
CC=${CC:-gcc}
OUT=$BUILD/tests
mkdir -p "$OUT"

for tool in readelf ldd; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "skip elfsym/all: no $tool"
		exit 0
	fi
done

if ! $CC -O1 -g -o "$OUT/sdtprog" tests/live/sdtprog.c \
    >"$OUT/sdtprog.log" 2>&1; then
	echo "not ok elfsym/build-sdtprog: $(grep -m1 -E 'error' "$OUT/sdtprog.log")"
	exit 0
fi
if ! $CC -O1 -g -shared -fPIC -Wl,--version-script=tests/elfsym/versioned.map \
    -o "$OUT/libversioned.so" tests/elfsym/versioned.c \
    >"$OUT/libversioned.log" 2>&1; then
	echo "not ok elfsym/build-versioned: $(grep -m1 -E 'error' "$OUT/libversioned.log")"
	exit 0
fi
# shellcheck disable=SC2086
if ! $CC -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -Werror \
    -Iinclude $ELFSYM_CFLAGS -o "$OUT/elfsym_check" tests/elfsym/check.c \
    host/elfsym.c -lelf $ELFSYM_LDFLAGS >"$OUT/elfsym_check.log" 2>&1; then
	echo "not ok elfsym/build-check: $(grep -m1 -E 'error|undefined' "$OUT/elfsym_check.log")"
	exit 0
fi

# the libc sdtprog runs with, as the dynamic loader finds it
LIBC=$(ldd "$OUT/sdtprog" 2>/dev/null | awk '$1 ~ /^libc\.so/ { print $3 }')
if [ ! -f "$LIBC" ]; then
	echo "not ok elfsym/libc: ldd finds no libc for $OUT/sdtprog"
	exit 0
fi
# a library with SDT notes of its own, when the toolchain has one
SDTLIB=$($CC -print-file-name=libstdc++.so.6)
if [ ! -f "$SDTLIB" ] || ! readelf -SW "$SDTLIB" | grep -q note.stapsdt; then
	SDTLIB=
fi

"$OUT/elfsym_check" "$OUT/sdtprog" tests/elfsym/run.sh "$LIBC" \
	"$OUT/libversioned.so" ${SDTLIB:+"$SDTLIB"} \
	>"$OUT/elfsym_check.out" 2>"$OUT/elfsym_check.err"
rc=$?
cat "$OUT/elfsym_check.out"
if [ $rc -gt 128 ]; then
	echo "not ok elfsym/exit: killed by signal $((rc - 128)): $(head -c 300 "$OUT/elfsym_check.err")"
elif [ $rc -ne 0 ]; then
	echo "not ok elfsym/exit: exit status $rc: $(head -c 300 "$OUT/elfsym_check.err")"
elif grep -qE 'ERROR: |runtime error: |SUMMARY: ' "$OUT/elfsym_check.err"; then
	echo "not ok elfsym/sanitizer: $(grep -m1 -E 'ERROR|runtime error|SUMMARY' "$OUT/elfsym_check.err")"
fi
exit 0

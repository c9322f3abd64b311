#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh BUILD - build the unit tests against BUILD/libktap.a into
# BUILD/tests/ and run them.  Each test program prints its own "ok NAME" /
# "not ok NAME: why" lines; a program that cannot be built, or that dies
# (a crash, a sanitizer report), adds a "not ok" line of its own.
#
# UNIT_CFLAGS and UNIT_LDFLAGS add flags (tests/sanitize.sh builds with
# the sanitizers this way).

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

if [ ! -f "$BUILD/libktap.a" ]; then
	echo "not ok unit/build: $BUILD/libktap.a does not exist (run make first)"
	exit 0
fi

for src in tests/unit/test_*.c; do
	name=$(basename "$src" .c)
	name=${name#test_}
	bin=$OUT/unit_$name
	# shellcheck disable=SC2086
	if ! $CC -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter \
	    -Wno-missing-field-initializers -Werror -Iinclude -Ilib \
	    $UNIT_CFLAGS -o "$bin" "$src" tests/unit/harness.c \
	    "$BUILD/libktap.a" $UNIT_LDFLAGS >"$OUT/unit_$name.log" 2>&1; then
		echo "not ok unit/build-$name: $(grep -m1 -E 'error|undefined' "$OUT/unit_$name.log")"
		continue
	fi
	"$bin" >"$OUT/unit_$name.out" 2>"$OUT/unit_$name.err"
	rc=$?
	cat "$OUT/unit_$name.out"
	if [ $rc -gt 128 ]; then
		echo "not ok unit/$name-exit: killed by signal $((rc - 128)): $(grep -m1 -E 'ERROR|runtime error|SUMMARY' "$OUT/unit_$name.err")"
	elif [ $rc -ne 0 ] && ! grep -q '^not ok ' "$OUT/unit_$name.out"; then
		echo "not ok unit/$name-exit: exit status $rc: $(grep -m1 -E 'ERROR|runtime error|SUMMARY' "$OUT/unit_$name.err" || head -c 300 "$OUT/unit_$name.err")"
	elif grep -qE 'ERROR: |runtime error: |SUMMARY: ' "$OUT/unit_$name.err"; then
		echo "not ok unit/$name-sanitizer: $(grep -m1 -E 'ERROR|runtime error|SUMMARY' "$OUT/unit_$name.err")"
	fi
done
exit 0

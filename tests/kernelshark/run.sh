#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh BUILD - the KernelShark plugin (BUILD/plugins/kernelshark/
# plugin-ktap.so) through libkshark, without the GUI: builds
# test_kshark.c and test_draw.cpp into BUILD/tests/ and runs them over the
# fixtures of tests/data.  Prints "ok NAME" / "not ok NAME: why" lines; the
# programs' other output is kept in BUILD/tests/kshark_*.log.

BUILD=${1:?usage: run.sh BUILD}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
case $BUILD in
/*) ;;
*) BUILD=$TOP/$BUILD ;;
esac
CC=${CC:-gcc}
CXX=${CXX:-g++}
OUT=$BUILD/tests
PLUGIN=$BUILD/plugins/kernelshark/plugin-ktap.so
mkdir -p "$OUT"

if ! pkg-config --exists libkshark; then
	echo "ok kernelshark # SKIP libkshark is not installed"
	exit 0
fi
if [ ! -f "$PLUGIN" ]; then
	echo "not ok kernelshark/build: $PLUGIN does not exist (run make)"
	exit 0
fi
# the headers are not warning-free: -isystem
KS_CFLAGS=$(pkg-config --cflags libkshark | sed 's/-I/-isystem /g')
KS_LIBS=$(pkg-config --libs libkshark)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# a snapshot of the fixtures and their facts, read together
mkdir "$TMP/data"
cp tests/data/*.dat tests/data/*.facts "$TMP/data/"

# run NAME COMMAND...: the ok/not ok lines of COMMAND, and a line of our
# own if it dies
run() {
	name=$1
	shift
	"$@" >"$OUT/kshark_$name.out" 2>"$OUT/kshark_$name.log"
	status=$?
	grep -E '^(not )?ok ' "$OUT/kshark_$name.out"
	if [ $status -gt 1 ]; then
		echo "not ok kernelshark/$name: exit status $status (see $OUT/kshark_$name.log)"
	fi
}

# shellcheck disable=SC2086
if $CC -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -Werror \
    -o "$OUT/kshark_test" tests/kernelshark/test_kshark.c $KS_CFLAGS \
    $KS_LIBS -ldl >"$OUT/kshark_test.build" 2>&1; then
	run test "$OUT/kshark_test" "$PLUGIN" "$BUILD/ktap" "$TMP/data" \
		"$TOP/tests/kernelshark" "$TMP"
else
	echo "not ok kernelshark/build-test: $(grep -m1 -E 'error|undefined' "$OUT/kshark_test.build")"
fi

# shellcheck disable=SC2086
if $CXX -std=gnu++17 -g -O1 -Wall -Wextra -Wno-unused-parameter -Werror \
    -o "$OUT/kshark_draw" tests/kernelshark/test_draw.cpp $KS_CFLAGS \
    $KS_LIBS -lkshark-plot -ldl >"$OUT/kshark_draw.build" 2>&1; then
	run draw "$OUT/kshark_draw" "$PLUGIN" "$TMP/data/sched.dat" \
		"$TOP/tests/kernelshark/draw.kp"
else
	echo "not ok kernelshark/build-draw: $(grep -m1 -E 'error|undefined' "$OUT/kshark_draw.build")"
fi

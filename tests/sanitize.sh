#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sanitize.sh - build everything with AddressSanitizer and
# UndefinedBehaviorSanitizer into build-asan/, then run the language cases,
# the unit tests and the live tracing cases (root) against that build.  Case names get an "asan/"
# prefix so that they stay distinct from the plain runs.
#
# Any sanitizer report fails the case: -fno-sanitize-recover=all makes
# UBSan stop at the first report, and both sanitizers exit with a status
# of their own (ASan 86, UBSan 87) that no case expects.

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
O=${ASAN_BUILD:-build-asan}
SAN="-fsanitize=address,undefined"
SANFLAGS="$SAN -fno-omit-frame-pointer -fno-sanitize-recover=all"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:exitcode=86:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_string_checks=1"
UBSAN_OPTIONS="halt_on_error=1:abort_on_error=0:exitcode=87:print_stacktrace=1"
export ASAN_OPTIONS UBSAN_OPTIONS

if ! make -j2 O="$O" OPT="-O1 $SANFLAGS" LDFLAGS="$SAN" >"$LOG" 2>&1; then
	echo "not ok asan/build: make failed: $(grep -m1 -E 'error|Error' "$LOG")"
	exit 0
fi
echo "ok asan/build"

# Name the sanitizer behind the exit statuses the case runner reports.
annotate() {
	sed -e 's/^ok /ok asan\//' -e 's/^not ok /not ok asan\//' \
	    -e 's/exit status 86\([,:]\)/exit status 86 (AddressSanitizer report)\1/' \
	    -e 's/exit status 87\([,:]\)/exit status 87 (UndefinedBehaviorSanitizer report)\1/'
}

tests/lang/run.sh "$O/ktap" 2>&1 | annotate
tests/lang/run.sh "$O/ktap" tests/trace/*.kp 2>&1 | annotate
UNIT_CFLAGS="$SANFLAGS" UNIT_LDFLAGS="$SAN" tests/unit/run.sh "$O" 2>&1 |
	annotate
tests/live/tracing.sh "$O" 2>&1 | annotate
exit 0

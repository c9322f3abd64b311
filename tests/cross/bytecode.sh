#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bytecode.sh KTAP CASES BYTECODE RESULTS [REFERENCE [stdout]] - run the
# language cases from bytecode compiled elsewhere.
#
# For every CASES/NAME.kp that has a BYTECODE/NAME.kpc, run
# `KTAP OPTIONS NAME.kp ARGS`, NAME.kp being a link to that file (a
# script's arg[0] is the name it runs by, and the cases print it; ktap
# tells bytecode by its magic, not by its name), with the case's "# test:"
# lines (tests/lang/run.sh); keep its stdout, stderr and exit status in
# RESULTS/NAME.{out,err,rc}, and judge it as run.sh does (status,
# NAME.out, the stderr lines).  With REFERENCE (the RESULTS of another
# machine's run of the same files) the stdout, the exit status and, unless
# "stdout" follows, the stderr must also be the same, byte for byte but
# for the addresses of tables and functions ("table 0x55d0c8e1a2b0").
# Prints "ok bytecode/NAME" or "not ok bytecode/NAME: why" lines.
#
# Runs under busybox sh too: the cross-architecture guests use it.

KTAP=${1:?usage: bytecode.sh KTAP CASES BYTECODE RESULTS [REFERENCE [stdout]]}
CASES=${2:?}
BC=${3:?}
RES=${4:?}
REF=${5:-}
SAME=${6:-all}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../cases.sh"
RUN=$RES/run
mkdir -p "$RUN" || exit 1

# same_stderr A B: the same messages, wherever the objects were
same_stderr() {
	sed 's/\([a-z]\) 0x[0-9a-f]*/\1 0x.../g' "$1" >"$RUN/a.err"
	sed 's/\([a-z]\) 0x[0-9a-f]*/\1 0x.../g' "$2" >"$RUN/b.err"
	cmp -s "$RUN/a.err" "$RUN/b.err"
}

for kp in "$CASES"/*.kp; do
	name=$(basename "$kp" .kp)
	[ -f "$BC/$name.kpc" ] || continue
	directives=$(directives "$kp")
	status=$(directive status "$directives")
	args=$(directive args "$directives")
	opts=$(directive options "$directives")
	[ -n "$status" ] || status=0
	ln -sf "$BC/$name.kpc" "$RUN/$name.kp"
	# shellcheck disable=SC2086
	(cd "$RUN" && exec "$KTAP" $opts "$name.kp" $args) \
		>"$RES/$name.out" 2>"$RES/$name.err" </dev/null
	rc=$?
	echo "$rc" >"$RES/$name.rc"
	why=
	if [ "$rc" != "$status" ]; then
		why="exit status $rc, expected $status"
	elif [ -f "$CASES/$name.out" ] && ! cmp -s "$RES/$name.out" "$CASES/$name.out"; then
		why="stdout differs: $(diff "$CASES/$name.out" "$RES/$name.out" | head -5 | tr '\n' ' ')"
	elif [ ! -f "$CASES/$name.out" ] && [ -s "$RES/$name.out" ]; then
		why="unexpected stdout: $(head -c 200 "$RES/$name.out" | tr '\n' ' ')"
	fi
	[ -n "$why" ] || why=$(stderr_problem "$directives" "$RES/$name.err")
	if [ -z "$why" ] && [ -n "$REF" ]; then
		if [ ! -f "$REF/$name.rc" ]; then
			why="no reference run in $REF"
		elif ! cmp -s "$RES/$name.rc" "$REF/$name.rc"; then
			why="exit status $rc, the reference's $(cat "$REF/$name.rc")"
		elif ! cmp -s "$RES/$name.out" "$REF/$name.out"; then
			why="stdout differs from the reference: $(diff "$REF/$name.out" "$RES/$name.out" | head -5 | tr '\n' ' ')"
		elif [ "$SAME" != stdout ] && ! same_stderr "$RES/$name.err" "$REF/$name.err"; then
			why="stderr differs from the reference: $(diff "$REF/$name.err" "$RES/$name.err" | head -5 | tr '\n' ' ')"
		fi
	fi
	verdict "bytecode/$name" "$why"
done

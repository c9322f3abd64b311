#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh KTAP [CASE...] - run ktap cases: these language cases by default,
# or the given ones (tests/trace/ uses it too).
#
# A case is NAME.kp, run in its folder, with its expected stdout in
# NAME.out (none: no output expected); it is reported as FOLDER/NAME.  Comment lines at the top of NAME.kp may say more:
#   # test: status N          expected exit status (default 0)
#   # test: stderr REGEX      stderr must match (grep -E); may repeat
#   # test: args A B ...      arguments after the script
#   # test: options OPTS      ktap options before the script
# Without a "stderr" line, stderr must be empty.

KTAP=$(cd "$(dirname "${1:?usage: run.sh KTAP [CASE...]}")" && pwd)/$(basename "$1")
shift
DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../cases.sh"
[ $# -gt 0 ] || set -- "$DIR"/*.kp
OUT=$(mktemp)
ERR=$(mktemp)
trap 'rm -f "$OUT" "$ERR"' EXIT

for kp in "$@"; do
	name=$(basename "$kp" .kp)
	suite=$(basename "$(dirname "$kp")")
	exp_out=${kp%.kp}.out
	directives=$(directives "$kp")
	status=$(directive status "$directives")
	args=$(directive args "$directives")
	opts=$(directive options "$directives")
	[ -n "$status" ] || status=0
	# shellcheck disable=SC2086
	(cd "$(dirname "$kp")" && exec "$KTAP" $opts "$name.kp" $args) >"$OUT" 2>"$ERR" </dev/null
	rc=$?
	why=
	if [ "$rc" != "$status" ]; then
		why="exit status $rc, expected $status"
	elif [ -f "$exp_out" ] && ! cmp -s "$OUT" "$exp_out"; then
		why="stdout differs: $(diff "$exp_out" "$OUT" | head -5 | tr '\n' ' ')"
	elif [ ! -f "$exp_out" ] && [ -s "$OUT" ]; then
		why="unexpected stdout: $(head -c 200 "$OUT" | tr '\n' ' ')"
	fi
	[ -n "$why" ] || why=$(stderr_problem "$directives" "$ERR")
	verdict "$suite/$name" "$why"
done

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh KTAP [CASE...] - run language cases.
#
# A case is NAME.kp with its expected stdout in NAME.out (none: no output
# expected).  Comment lines at the top of NAME.kp may say more:
#   # test: status N          expected exit status (default 0)
#   # test: stderr REGEX      stderr must match (grep -E); may repeat
#   # test: args A B ...      arguments after the script
#   # test: options OPTS      ktap options before the script
# Without a "stderr" line, stderr must be empty.

KTAP=$(cd "$(dirname "${1:?usage: run.sh KTAP [CASE...]}")" && pwd)/$(basename "$1")
shift
DIR=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- "$DIR"/*.kp
OUT=$(mktemp)
ERR=$(mktemp)
trap 'rm -f "$OUT" "$ERR"' EXIT

for kp in "$@"; do
	name=$(basename "$kp" .kp)
	suite=$(basename "$(dirname "$kp")")
	exp_out=${kp%.kp}.out
	directives=$(sed -n 's/^# test: //p' "$kp")
	status=$(printf '%s\n' "$directives" | sed -n 's/^status //p' | head -1)
	args=$(printf '%s\n' "$directives" | sed -n 's/^args //p' | head -1)
	opts=$(printf '%s\n' "$directives" | sed -n 's/^options //p' | head -1)
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
	if [ -z "$why" ]; then
		pats=$(printf '%s\n' "$directives" | sed -n 's/^stderr //p')
		if [ -z "$pats" ] && [ -s "$ERR" ]; then
			why="unexpected stderr: $(head -c 200 "$ERR" | tr '\n' ' ')"
		fi
		printf '%s\n' "$pats" | while IFS= read -r pat; do
			[ -n "$pat" ] || continue
			grep -Eq -- "$pat" "$ERR" || { echo x; break; }
		done | grep -q x && why="stderr does not match: $(head -c 200 "$ERR" | tr '\n' ' ')"
	fi
	if [ -z "$why" ]; then
		echo "ok $suite/$name"
	else
		echo "not ok $suite/$name: $why"
	fi
done

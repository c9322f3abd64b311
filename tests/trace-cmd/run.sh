#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh BUILD_DIR [CASE...] - the trace-cmd plugin inside `trace-cmd report`.
#
# A case is NAME.kp, run as
#   trace-cmd report -i DATA -O ktap:script=NAME.kp [OPTS]
# with the plugin of BUILD_DIR (TRACEEVENT_PLUGIN_DIR); its whole output
# must equal NAME.out.  Comment lines at the top of NAME.kp say:
#   # test: report DATA [OPTS]    the recording, relative to this folder
#   # test: stderr REGEX          stderr must match (default: empty)

BUILD=$(cd "${1:?usage: run.sh BUILD_DIR [CASE...]}" && pwd)
shift
DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../cases.sh"
[ $# -gt 0 ] || set -- "$DIR"/*.kp
OUT=$(mktemp)
ERR=$(mktemp)
trap 'rm -f "$OUT" "$ERR"' EXIT

if ! command -v trace-cmd >/dev/null; then
	echo "not ok trace-cmd/setup: trace-cmd is not installed"
	exit 0
fi
export TRACEEVENT_PLUGIN_DIR="$BUILD/plugins/trace-cmd"

for kp in "$@"; do
	name=$(basename "$kp" .kp)
	directives=$(directives "$kp")
	report=$(directive report "$directives")
	data=${report%% *}
	opts=
	[ "$data" = "$report" ] || opts=${report#* }
	# shellcheck disable=SC2086
	(cd "$DIR" && trace-cmd report -i "$data" -O "ktap:script=$name.kp" \
		$opts) >"$OUT" 2>"$ERR" </dev/null
	why=
	if ! cmp -s "$OUT" "$DIR/$name.out"; then
		why="output differs: $(diff "$DIR/$name.out" "$OUT" | head -4 | tr '\n' ' ')"
	fi
	[ -n "$why" ] || why=$(stderr_problem "$directives" "$ERR")
	verdict "trace-cmd/$name" "$why"
done

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh MODE BUILD_DIR [CASE...] - ktap scripts over the perf.data
# fixtures of data/, the same cases and expected outputs both ways:
#
#   dlfilter  the distribution's perf (perf in PATH, or $PERF) with
#             BUILD_DIR/plugins/perf/ktap-dlfilter.so:
#             perf script -i DATA OPTS --dlfilter SO --dlarg NAME.kp --dlarg ARGS...
#   engine    the perf of `make perf`, BUILD_DIR/perf/perf:
#             perf script -i DATA OPTS -s NAME.kp ARGS...
#             plus its own checks: -s lang, version --build-options, -g ktap
#
# perf runs with --buildid-dir data/buildid (the workload's binary).  A
# case is NAME.kp, run in this folder; its stdout must equal NAME.out (no
# file: no output).  Comment lines at its top say more:
#   # test: data FILE        the recording in data/ (default mixed.data)
#   # test: options OPTS     more perf script options (-G, --cpu 1, ...)
#   # test: args A B ...     the script's arguments
#   # test: status N         perf's exit status (default 0)
#   # test: stderr REGEX     stderr must match (default: empty); may repeat
#   # test: only MODE        run in that mode only
#   # test: bare             engine: perf script NAME.kp ARGS (no -s)
#   # test: stdin            feed DATA on standard input (a pipe); skipped
#                            unless this machine's tracefs has the
#                            recorded ids (the dlfilter reads formats there)

MODE=${1:?usage: run.sh dlfilter|engine BUILD_DIR [CASE...]}
BUILD=$(cd "${2:?usage: run.sh dlfilter|engine BUILD_DIR [CASE...]}" && pwd)
shift 2
DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../cases.sh"
[ $# -gt 0 ] || set -- "$DIR"/*.kp
OUT=$(mktemp)
ERR=$(mktemp)
TMPD=$(mktemp -d)
trap 'rm -rf "$OUT" "$ERR" "$TMPD"' EXIT
BID=$DIR/data/buildid

case $MODE in
dlfilter)
	PERF=${PERF:-perf}
	DLF=$BUILD/plugins/perf/ktap-dlfilter.so
	if ! command -v "$PERF" >/dev/null; then
		echo "not ok perf-dlfilter/setup: no perf (apt-get install linux-perf)"
		exit 0
	fi
	if [ ! -f "$DLF" ]; then
		echo "not ok perf-dlfilter/setup: no $DLF (is linux-perf's perf_dlfilter.h installed?)"
		exit 0
	fi
	;;
engine)
	PERF=$BUILD/perf/perf
	# built by make perf (make test-perf builds it and runs everything)
	if [ ! -x "$PERF" ]; then
		echo "skip perf-engine: no $PERF (make test-perf builds it)"
		exit 0
	fi
	;;
*)
	echo "run.sh: MODE is dlfilter or engine" >&2
	exit 2
	;;
esac

# whether this machine's tracefs has the tracepoint ids of the fixtures
# (mixed.data says them: a pipe file does not name its events)
stdin_ok() {
	ev=$("$PERF" evlist -v -i "$DIR/data/mixed.data" 2>/dev/null | sed -n 's/^\([a-z_]*:[a-z_]*\): .*config: 0x\([0-9a-f]*\).*/\1 \2/p')
	[ -n "$ev" ] || return 1
	echo "$ev" | while read -r name id; do
		f=/sys/kernel/tracing/events/${name%%:*}/${name#*:}/id
		[ "$(cat "$f" 2>/dev/null)" = "$(printf %d "0x$id")" ] || echo bad
	done | grep -q bad && return 1
	return 0
}

builtin_checks() {
	"$PERF" script -s lang >"$OUT" 2>&1
	if grep -Eq '^ +kp +\[ktap\]' "$OUT" && grep -Eq '^ +ktap +\[ktap\]' "$OUT"; then
		verdict perf-engine/lang ""
	else
		verdict perf-engine/lang "perf script -s lang: $(tr '\n' ' ' < "$OUT" | head -c 200)"
	fi
	"$PERF" version --build-options >"$OUT" 2>&1
	if grep -Eq 'libktap: +\[ on +\] +# HAVE_LIBKTAP_SUPPORT' "$OUT"; then
		verdict perf-engine/version ""
	else
		verdict perf-engine/version "no 'libktap: [ on ]' in perf version --build-options"
	fi
	# -g ktap writes perf-script.kp, which runs
	why=
	(cd "$TMPD" && "$PERF" --buildid-dir "$BID" script \
		-i "$DIR/data/mixed.data" -g ktap) >"$OUT" 2>"$ERR"
	if ! cmp -s "$TMPD/perf-script.kp" "$DIR/generated.kp.out"; then
		why="perf-script.kp differs: $(diff "$DIR/generated.kp.out" "$TMPD/perf-script.kp" 2>&1 | head -4 | tr '\n' ' ')"
	elif ! (cd "$TMPD" && "$PERF" --buildid-dir "$BID" script \
		-i "$DIR/data/mixed.data" -s perf-script.kp) >"$OUT" 2>"$ERR"; then
		why="perf-script.kp fails: $(head -c 200 "$ERR")"
	elif [ "$(grep -c '^[a-z]*:[a-z_-]* ' "$OUT")" != \
	       "$("$PERF" --buildid-dir "$BID" script -i "$DIR/data/mixed.data" -G 2>/dev/null | grep -c .)" ]; then
		why="perf-script.kp does not print a line per sample"
	fi
	verdict perf-engine/generate "$why"
}

# run_case: the case's perf command, its input on stdin
run_case() {
	if [ "$MODE" = dlfilter ]; then
		dlargs=
		for a in $args; do
			dlargs="$dlargs --dlarg $a"
		done
		# shellcheck disable=SC2086
		(cd "$DIR" && exec "$PERF" --buildid-dir "$BID" script $input \
			$opts --dlfilter "$DLF" --dlarg "$name.kp" $dlargs)
	elif printf '%s\n' "$directives" | grep -qx bare; then
		# shellcheck disable=SC2086
		(cd "$DIR" && exec "$PERF" --buildid-dir "$BID" script $input \
			$opts "$name.kp" $args)
	else
		# shellcheck disable=SC2086
		(cd "$DIR" && exec "$PERF" --buildid-dir "$BID" script $input \
			$opts -s "$name.kp" $args)
	fi
}

[ "$MODE" = engine ] && [ "$*" = "$(echo "$DIR"/*.kp)" ] && builtin_checks

for kp in "$@"; do
	name=$(basename "$kp" .kp)
	directives=$(directives "$kp")
	only=$(directive only "$directives")
	[ -z "$only" ] || [ "$only" = "$MODE" ] || continue
	data=$(directive data "$directives")
	[ -n "$data" ] || data=mixed.data
	opts=$(directive options "$directives")
	args=$(directive args "$directives")
	status=$(directive status "$directives")
	[ -n "$status" ] || status=0
	input="-i data/$data"
	stdin=/dev/null
	if printf '%s\n' "$directives" | grep -qx stdin; then
		if ! stdin_ok; then
			echo "skip perf-$MODE/$name: this machine's tracefs lacks the recorded event ids"
			continue
		fi
		input=
		stdin=$DIR/data/$data
	fi
	cat "$stdin" | run_case >"$OUT" 2>"$ERR"
	rc=$?
	why=
	if [ "$rc" != "$status" ]; then
		why="exit status $rc, expected $status: $(head -c 200 "$ERR" | tr '\n' ' ')"
	elif [ -f "$DIR/$name.out" ] && ! cmp -s "$OUT" "$DIR/$name.out"; then
		why="stdout differs: $(diff "$DIR/$name.out" "$OUT" | head -5 | tr '\n' ' ')"
	elif [ ! -f "$DIR/$name.out" ] && [ -s "$OUT" ]; then
		why="unexpected stdout: $(head -c 200 "$OUT" | tr '\n' ' ')"
	fi
	[ -n "$why" ] || why=$(stderr_problem "$directives" "$ERR")
	verdict "perf-$MODE/$name" "$why"
done

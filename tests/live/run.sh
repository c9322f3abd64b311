#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh BUILD_DIR - tests that need root and tracefs on this machine.
# Without them each case prints "skip NAME: reason" (not counted).

BUILD=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
KTAP=$BUILD/ktap
T=/sys/kernel/tracing
INST=ktap-live-test-$$
TMP=$(mktemp -d)

cleanup() {
	[ -d "$T/instances/$INST" ] && rmdir "$T/instances/$INST"
	rm -rf "$TMP"
}
trap cleanup EXIT

skip_all() {
	for c in ftrace_marker ftrace_marker_recorded; do
		echo "skip live/$c: $1"
	done
	exit 0
}

[ "$(id -u)" = 0 ] || skip_all "needs root"
if [ ! -d "$T/instances" ]; then
	mount -t tracefs nodev "$T" 2>/dev/null || skip_all "needs tracefs"
fi
mkdir "$T/instances/$INST" 2>/dev/null || skip_all "cannot make a tracefs instance"
echo 1 > "$T/instances/$INST/tracing_on"

# --ftrace=INSTANCE writes the script's output lines as trace markers
"$KTAP" --ftrace="$INST" -e 'print("ktap marker", 42); printf("a\nb\n")' \
	> "$TMP/out" 2> "$TMP/err"
grep -v '^#' "$T/instances/$INST/trace" | sed 's/.*tracing_mark_write: //' \
	> "$TMP/marks"
printf 'ktap marker\t42\na\nb\n' > "$TMP/expected"
if cmp -s "$TMP/marks" "$TMP/expected" && cmp -s "$TMP/out" "$TMP/expected" &&
   [ ! -s "$TMP/err" ]; then
	echo "ok live/ftrace_marker"
else
	echo "not ok live/ftrace_marker: markers: $(tr '\n' '|' < "$TMP/marks") stderr: $(cat "$TMP/err")"
fi

# a recording of that buffer carries the output as ftrace:print events
if command -v trace-cmd >/dev/null &&
   (cd "$TMP" && trace-cmd extract -B "$INST" -o rec.dat >/dev/null 2>&1); then
	"$KTAP" -i "$TMP/rec.dat" -e 'trace ftrace:print { printf("%s", $buf) }' \
		> "$TMP/got" 2> "$TMP/err"
	if cmp -s "$TMP/got" "$TMP/expected"; then
		echo "ok live/ftrace_marker_recorded"
	else
		echo "not ok live/ftrace_marker_recorded: got $(tr '\n' '|' < "$TMP/got") $(cat "$TMP/err")"
	fi
else
	echo "not ok live/ftrace_marker_recorded: trace-cmd extract failed"
fi

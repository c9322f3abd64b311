#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/live/run.sh BUILD_DIR - the live-tracing benchmark: what tracing
# syscalls:sys_enter_getppid costs a loop of N getppid() calls, traced by
# ktap (count.kp) and by bpftrace (count.bt), both counting per command;
# and how long each takes from exec to probes attached.
#
# Targets (the project issue): ktap's added cost per event no more than
# bpftrace's, no event lost, start-up no more than 1/10 of bpftrace's.
#
# ktap's work happens in two places: in the kernel, on the traced CPU
# (writing the event into the ring buffer), and in the ktap process that
# reads the buffer, which runs on another CPU.  bpftrace's all happens on
# the traced CPU.  Both are shown: the loop's slowdown, and the loop's
# slowdown plus the CPU time ktap used per event.
#
# Start-up: the time from before exec'ing the tool to a wall-clock stamp
# taken once the probes are attached, less the same measure of starting
# `loop 0` (which only prints the time) directly.  ktap prints the stamp
# from its top level, which runs after attaching; bpftrace starts
# `loop 0` with -c, after attaching.  `ktap -- loop 0` is shown too: a
# traced command also costs a pid filter in the kernel.
#
# Environment: BENCH_RUNS=N (best of N, interleaved; default 3),
# BENCH_CALLS=N (getppid() calls, default 2000000), BENCH_STRICT=1 (exit
# 3 when a target is missed).  Needs root; skips what is not installed.

# printf formats in a variable on purpose:
# shellcheck disable=SC2059
set -u

BUILD=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
KTAP=$BUILD/ktap
RUNS=${BENCH_RUNS:-3}
CALLS=${BENCH_CALLS:-2000000}
STRICT=${BENCH_STRICT:-0}
LOOP=$BUILD/bench/loop
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

note() {
	echo "bench/live: $*" >&2
}
. "$HERE/../tracers.sh"

if [ "$(id -u)" != 0 ]; then
	note "skipped: live tracing needs root"
	exit 0
fi
mkdir -p "$BUILD/bench"
cc -O2 -o "$LOOP" "$HERE/loop.c" || exit 2
BPFTRACE=$(command -v bpftrace)
[ -n "$BPFTRACE" ] || note "bpftrace is not installed: ktap alone"

# startup CMD...: ms from exec to the start of `loop 0`
startup() {
	local t0 t1
	t0=$(date +%s%N)
	t1=$("$@" 2>/dev/null | grep -E '^[0-9]{15,}$')
	[ -n "$t1" ] && awk -v a="$t1" -v b="$t0" 'BEGIN { print (a - b) / 1e6 }'
}

base= kt= kt_cpu= kt_total= bt= kt_count= bt_count= s_base= s_kt= s_bt= s_ktc=
for r in $(seq "$RUNS"); do
	base=$(min "$base" "$("$LOOP" "$CALLS")")
	if traced ktap "$KTAP" --user -q "$HERE/count.kp"; then
		if [ -z "$kt" ] || awk -v a="$LOOP_S" -v b="$kt" 'BEGIN { exit !(a < b) }'; then
			kt=$LOOP_S
			kt_cpu=$CPU_S
		fi
		kt_count=$COUNTED
	fi
	if [ -n "$BPFTRACE" ] && traced bpftrace "$BPFTRACE" "$HERE/count.bt"; then
		bt=$(min "$bt" "$LOOP_S")
		bt_count=$COUNTED
	fi
	for i in 1 2 3; do
		s_base=$(min "$s_base" "$(startup "$LOOP" 0)")
		s_kt=$(min "$s_kt" "$(startup "$KTAP" --user -q -e \
			'trace syscalls:sys_enter_getppid { } print(gettimeofday_ns()) exit(0)')")
		s_ktc=$(min "$s_ktc" "$(startup "$KTAP" --user -q -e \
			'trace syscalls:sys_enter_getppid { }' -- "$LOOP" 0)")
		[ -n "$BPFTRACE" ] && s_bt=$(min "$s_bt" "$(startup "$BPFTRACE" \
			-e 'tracepoint:syscalls:sys_enter_getppid { }' -c "$LOOP 0")")
	done
done

missed=0
per_event() {	# seconds -> ns per call over the untraced loop
	awk -v t="$1" -v b="$base" -v n="$CALLS" 'BEGIN { printf "%.0f", (t - b) * 1e9 / n }'
}
echo
echo "Live tracing: $CALLS getppid() calls, best of $RUNS ($(date +%F), $(uname -r), $(nproc) CPUs)"
echo
echo "| | loop s | added ns/event | + tracer CPU ns/event | events counted |"
echo "| --- | ---: | ---: | ---: | ---: |"
printf "| untraced | %.3f | | | |\n" "$base"
if [ -n "$kt" ]; then
	kt_total=$(awk -v t="$kt" -v b="$base" -v c="$kt_cpu" -v n="$CALLS" \
		'BEGIN { printf "%.0f", (t - b + c) * 1e9 / n }')
	printf "| ktap | %.3f | %s | %s | %s |\n" "$kt" "$(per_event "$kt")" \
		"$kt_total" "$kt_count"
	[ "$kt_count" = "$CALLS" ] || { note "ktap counted $kt_count of $CALLS"; missed=1; }
fi
if [ -n "$bt" ]; then
	printf "| bpftrace | %.3f | %s | %s | %s |\n" "$bt" "$(per_event "$bt")" \
		"$(per_event "$bt")" "$bt_count"
fi
echo
echo "| start-up (exec to probes attached) | ms |"
echo "| --- | ---: |"
s_kt=$(awk -v a="$s_kt" -v b="$s_base" 'BEGIN { printf "%.1f", a - b }')
s_ktc=$(awk -v a="$s_ktc" -v b="$s_base" 'BEGIN { printf "%.1f", a - b }')
echo "| ktap | $s_kt |"
echo "| ktap -- cmd (with the pid filter) | $s_ktc |"
if [ -n "$s_bt" ]; then
	s_bt=$(awk -v a="$s_bt" -v b="$s_base" 'BEGIN { printf "%.1f", a - b }')
	echo "| bpftrace | $s_bt |"
	echo
	awk -v k="$(per_event "$kt")" -v kc="$kt_total" -v b="$(per_event "$bt")" \
	    -v sk="$s_kt" -v sb="$s_bt" 'BEGIN {
		printf "added cost ktap/bpftrace: %.2f on the loop, %.2f with ktap'"'"'s CPU (target <= 1)\n", k / b, kc / b
		printf "start-up bpftrace/ktap: %.1fx (target >= 10)\n", sb / sk
		exit !(kc <= b && sb >= 10 * sk)
	}' || missed=1
fi
[ "$missed" = 0 ] || [ "$STRICT" != 1 ] || exit 3
exit 0

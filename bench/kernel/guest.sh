#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/kernel/guest.sh KMOD BUILD_DIR OUT - inside the QEMU guest (see
# run.sh): the getppid loop untraced, traced by ktap's userspace host
# (--user: tracefs ring buffer, read by the ktap process), by the kernel
# host (--kernel: the VM in ktapvm.ko, run at each event), and by
# bpftrace, all counting per command (bench/live/count.kp, count.bt).
# With KTAP_GUEST_BENCH=parallel instead: the loop on one vCPU and on both
# at once, counted by the kernel host as a per-CPU update and through the
# VM (count_vm.kp).  Writes the table to OUT.
set -u
KMOD=$1 BUILD=$2 OUT=$3
HERE=$(cd "$(dirname "$0")" && pwd)
KTAP=$BUILD/ktap
LOOP=$BUILD/bench/loop
RUNS=${KTAP_GUEST_BENCH_RUNS:-3}
CALLS=${KTAP_GUEST_BENCH_CALLS:-200000}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

note() {
	echo "bench/kernel: $*" >&2
}
. "$HERE/../tracers.sh"

insmod "$KMOD" || { note "insmod $KMOD failed"; exit 1; }

if [ "${KTAP_GUEST_BENCH:-}" = parallel ]; then
	# the loop on both vCPUs at once; prints the slower one's seconds
	both() {
		taskset -c 0 "$LOOP" "$CALLS" >"$TMP/cpu0" &
		taskset -c 1 "$LOOP" "$CALLS" >"$TMP/cpu1"
		wait
		awk '{ if ($1 > m) m = $1 } END { print m }' "$TMP/cpu0" "$TMP/cpu1"
	}
	# under a tracer, counting per command: best of RUNS into NAME
	under() {
		local name=$1 i t
		shift
		for i in $(seq "$RUNS"); do
			start_tracer "$name" "$@" || return
			t=$(both)
			kill -INT "$TPID"
			wait "$TPID"
			eval "p_$name=\$(min \"\${p_$name:-}\" \$t)"
		done
	}
	p_base=
	for i in $(seq "$RUNS"); do
		p_base=$(min "$p_base" "$(both)")
	done
	under update "$KTAP" --kernel -q "$HERE/../live/count.kp"
	under vm "$KTAP" --kernel -q "$HERE/count_vm.kp"
	one_update= one_vm=
	for i in $(seq "$RUNS"); do
		traced update "$KTAP" --kernel -q "$HERE/../live/count.kp" &&
			one_update=$(min "$one_update" "$LOOP_S")
		traced vm "$KTAP" --kernel -q "$HERE/count_vm.kp" &&
			one_vm=$(min "$one_vm" "$LOOP_S")
	done
	one_base=$("$LOOP" "$CALLS")
	ns() {	# SECONDS BASE -> added ns per call
		awk -v t="$1" -v b="$2" -v n="$CALLS" 'BEGIN { printf "%.0f", (t - b) * 1e9 / n }'
	}
	{
		echo "Kernel VM on two vCPUs at once: $CALLS getppid() calls on each vCPU, best of $RUNS ($(date +%F), $(uname -r), QEMU TCG with a host thread per vCPU)"
		echo
		echo "| handler | added ns/event, one vCPU | added ns/event, both vCPUs at once |"
		echo "| --- | ---: | ---: |"
		echo "| \`s[execname] += 1\` (per-CPU update) | $(ns "$one_update" "$one_base") | $(ns "$p_update" "$p_base") |"
		echo "| the same + \`return\` (the VM, one lock) | $(ns "$one_vm" "$one_base") | $(ns "$p_vm" "$p_base") |"
	} >"$OUT"
	cat "$OUT"
	rmmod ktapvm
	exit 0
fi
BPFTRACE=$(command -v bpftrace)
[ -n "$BPFTRACE" ] || note "bpftrace is not installed: ktap alone"

# best of RUNS for each tracer, interleaved: best_NAME (loop s), cpu_NAME
# (the tracer process's CPU s), count_NAME
get() {
	eval "echo \${$1_$2:-}"
}
keep() {	# NAME: this run's loop if it is the best so far
	if [ -z "$(get best "$1")" ] ||
	   awk -v a="$LOOP_S" -v b="$(get best "$1")" 'BEGIN { exit !(a < b) }'; then
		eval "best_$1=\$LOOP_S cpu_$1=\$CPU_S"
	fi
	eval "count_$1=\$COUNTED"
}
base=
for r in $(seq "$RUNS"); do
	base=$(min "$base" "$("$LOOP" "$CALLS")")
	traced user "$KTAP" --user -q "$HERE/../live/count.kp" && keep user
	traced kernel "$KTAP" --kernel -q "$HERE/../live/count.kp" && keep kernel
	if [ -n "$BPFTRACE" ]; then
		traced bpftrace "$BPFTRACE" "$HERE/../live/count.bt" && keep bpftrace
	fi
done

added() {	# NAME -> ns per call over the untraced loop
	awk -v t="$(get best "$1")" -v b="$base" -v n="$CALLS" \
		'BEGIN { printf "%.0f", (t - b) * 1e9 / n }'
}
{
	echo "Kernel VM: $CALLS getppid() calls in the QEMU guest (TCG), best of $RUNS ($(date +%F), $(uname -r), $(nproc) vCPUs)"
	echo
	echo "| | loop s | added ns/event | tracer process CPU ns/event | events counted |"
	echo "| --- | ---: | ---: | ---: | ---: |"
	printf "| untraced | %.3f | | | |\n" "$base"
	for t in user kernel bpftrace; do
		[ -n "$(get best "$t")" ] || continue
		printf "| %s | %.3f | %s | %.0f | %s |\n" \
			"$(case $t in user) echo "ktap --user";;
				     kernel) echo "ktap --kernel";; *) echo "$t";; esac)" \
			"$(get best "$t")" "$(added "$t")" \
			"$(awk -v c="$(get cpu "$t")" -v n="$CALLS" 'BEGIN { print c * 1e9 / n }')" \
			"$(get count "$t")"
	done
	echo
	if [ -n "$(get best kernel)" ] && [ -n "$(get best user)" ]; then
		awk -v k="$(added kernel)" -v u="$(added user)" 'BEGIN {
			printf "kernel/user added cost: %.2f (target < 1)\n", k / u }'
	fi
	if [ -n "$(get best kernel)" ] && [ -n "$(get best bpftrace)" ]; then
		awk -v k="$(added kernel)" -v b="$(added bpftrace)" 'BEGIN {
			printf "kernel/bpftrace added cost: %.2f (target <= 1.5)\n", k / b }'
	fi
} >"$OUT"
cat "$OUT"
rmmod ktapvm

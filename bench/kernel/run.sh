#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/kernel/run.sh BUILD_DIR - the kernel VM benchmark: boots Debian's
# 6.1 kernel under QEMU as the kernel tests do (tests/kernel/), loads
# ktapvm.ko and runs guest.sh there, which times the getppid loop
# untraced and traced by ktap's userspace host, its kernel host and
# bpftrace.
#
# Target (the project issue): the kernel host's added cost per event below
# the userspace host's, and within 1.5x of bpftrace's.  Under TCG only
# ratios within one run mean anything.  The guest's vCPUs share one host
# thread (tests/kernel/boot.sh), so the loop's time also holds what the
# userspace host's reader does on the other vCPU: each tracer's whole
# cost per event.
#
# Then the kernel host on two vCPUs at once: a counting handler run on
# each CPU without the VM's lock, and the same through the VM.
#
# Environment: KTAP_GUEST_BENCH_RUNS=N (best of N, default 3),
# KTAP_GUEST_BENCH_CALLS=N (default 200000).  Needs root.
set -u
BUILD=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 2

note() {
	echo "bench/kernel: $*" >&2
}
if [ "$(id -u)" != 0 ]; then
	note "skipped: booting the guest kernel needs root"
	exit 0
fi
LOGS=$BUILD/kernel/logs
mkdir -p "$LOGS" "$BUILD/bench"
ABI=$(timeout 900 tests/kernel/prepare.sh "$BUILD" 2>"$LOGS/prepare.err" |
	sed -n 's/^ABI //p' | tail -1)
[ -n "$ABI" ] || { note "skipped: no guest kernel: $(tail -1 "$LOGS/prepare.err")"; exit 0; }
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make kmod "KDIR=/lib/modules/$ABI/build" \
	>"$LOGS/kmod.out" 2>&1 || { note "make kmod failed (see $LOGS/kmod.out)"; exit 2; }
cc -O2 -o "$BUILD/bench/loop" bench/live/loop.c || exit 2
# guest MODE THREADS SECONDS: one boot; its table on stdout
guest() {
	OUT=$BUILD/kernel/out/bench-$1.md
	rm -f "$OUT"
	KTAP_GUEST_BENCH=$1 KTAP_QEMU_TCG_THREADS=$2 KTAP_BUILD=$BUILD \
		tests/kernel/boot.sh bench/kernel/guest.sh "$3" \
		"$TOP/kmod/ktapvm.ko" "$BUILD" "$OUT" >"$LOGS/bench-$1.log" 2>&1
	rc=$?
	if [ ! -s "$OUT" ]; then
		note "the guest produced no table (boot.sh status $rc; console: $LOGS/bench-$1.log)"
		return 1
	fi
	echo
	cat "$OUT"
	[ "$rc" = 0 ] || note "boot.sh status $rc: the kernel logged trouble (see $LOGS/bench-$1.log)"
}
# the tracers side by side: vCPUs take turns on one host thread, so each
# tracer's whole work shows in the loop's time; then scaling, which needs
# a host thread per vCPU (tests/kernel/boot.sh says why the tests avoid
# that: enabling tracepoints there hangs now and then -- a short bound,
# and "no table" says so)
guest tracers single 600
guest parallel multi 240

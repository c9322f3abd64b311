#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh BUILD_DIR - the kernel module tests (`make test-kernel`): get
# Debian's 6.1 kernel and headers (prepare.sh), build ktapvm.ko for it
# (`make kmod KDIR=/lib/modules/<ABI>/build`) and the raw /dev/ktap client
# (kclient.c), boot the kernel under QEMU (boot.sh) and run guest.sh in it.
# Prints one line per case in the project's format, "ok kernel/NAME" or
# "not ok kernel/NAME: why", or "skip kernel/NAME: why" when this machine
# cannot run them (not root).
#
# Environment: KTAP_KERNEL_TIMEOUT (seconds for the guest, default 900),
# KTAP_KMOD (a ktapvm.ko to use instead of building one; "none": boot
# without one, to test the harness itself),
# KTAP_KERNEL_VERBOSE=1 (the guest's console on stderr), and what
# prepare.sh and guest.sh read (KTAP_KERNEL_ABI, KTAP_GUEST_*).

set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$TOP/tests/kernel
cd "$TOP" || exit 1
BUILD_ARG=${1:?usage: run.sh BUILD_DIR}
BUILD=$(cd "$BUILD_ARG" 2>/dev/null && pwd) ||
	{ echo "not ok kernel/build: no build folder $BUILD_ARG"; exit 0; }
TIMEOUT=${KTAP_KERNEL_TIMEOUT:-900}
KDIR=$BUILD/kernel
LOGS=$KDIR/logs

skip() {
	echo "skip kernel/all: $1"
	exit 0
}
fail() {
	echo "not ok kernel/$1: $2"
	exit 0
}

[ "$(id -u)" = 0 ] ||
	skip "needs root (installs Debian's kernel headers; insmod in the guest)"
mkdir -p "$LOGS" || fail prepare "cannot make $LOGS"

# ---------------------------------------- kernel, headers, initramfs
start=$(date +%s)
timeout 900 "$HERE/prepare.sh" "$BUILD" >"$LOGS/prepare.out" 2>"$LOGS/prepare.err"
case $? in
0) ;;
2) fail prepare "$(tail -1 "$LOGS/prepare.err")" ;;
*) fail prepare "timed out or failed: $(tail -2 "$LOGS/prepare.err" | tr '\n' ' ')" ;;
esac
ABI=$(sed -n 's/^ABI //p' "$LOGS/prepare.out" | tail -1)
echo "ok kernel/prepare"

# --------------------------------------------------------- the module
KMOD=${KTAP_KMOD:-}
if [ -z "$KMOD" ]; then
	# a rule for kmod, not just the kmod/ folder
	# (make's database, printed without building anything)
	make -pq .SUFFIXES 2>/dev/null |
		awk '/^kmod:/ { in_ = 1 } in_ && /recipe to execute/ { f = 1 }
		     /^$/ { in_ = 0 } END { exit !f }' ||
		fail build "make kmod missing"
	# not under the caller's make variables: an O=DIR given to `make
	# test-kernel` would reach Kbuild, where O means its output folder
	if ! timeout 900 env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		make kmod "KDIR=/lib/modules/$ABI/build" >"$LOGS/kmod.out" 2>&1; then
		fail build "make kmod KDIR=/lib/modules/$ABI/build failed: $(tail -3 "$LOGS/kmod.out" | tr '\n' ' ')"
	fi
	for k in "$BUILD/kmod/ktapvm.ko" "$TOP/kmod/ktapvm.ko"; do
		[ -f "$k" ] || continue
		[ -z "$KMOD" ] || [ "$k" -nt "$KMOD" ] && KMOD=$k
	done
	[ -n "$KMOD" ] || fail build "make kmod made no ktapvm.ko (looked in $BUILD/kmod and kmod)"
elif [ "$KMOD" = none ]; then
	KMOD=	# tests the harness itself: the guest reports the missing module
elif [ ! -f "$KMOD" ]; then
	fail build "KTAP_KMOD=$KMOD: no such file"
fi
[ -z "$KMOD" ] || KMOD=$(cd "$(dirname "$KMOD")" && pwd)/$(basename "$KMOD")
[ -z "$KMOD" ] || echo "ok kernel/build"

# the raw client of /dev/ktap for the safety cases (static: quick to
# start under TCG); without the protocol header the guest reports it
mkdir -p "$BUILD/tests/kernel"
rm -f "$BUILD/tests/kernel/kclient"
if [ -f include/ktap/ktapvm_ioctl.h ]; then
	kc="${CC:-cc} -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -o $BUILD/tests/kernel/kclient $HERE/kclient.c $BUILD/libktap.a"
	$kc -static >"$LOGS/kclient.out" 2>&1 || $kc >>"$LOGS/kclient.out" 2>&1 ||
		echo "not ok kernel/kclient: $(head -3 "$LOGS/kclient.out" | tr '\n' ' ')"
fi
# the uprobe and USDT target of the probe cases (tests/live builds the
# same), and a program making N getppid() calls (the benchmarks' loop)
${CC:-cc} -O1 -g -o "$BUILD/tests/sdtprog" tests/live/sdtprog.c \
	>"$LOGS/sdtprog.out" 2>&1 || rm -f "$BUILD/tests/sdtprog"
${CC:-cc} -O2 -o "$BUILD/tests/loop" bench/live/loop.c \
	>"$LOGS/loop.out" 2>&1 || rm -f "$BUILD/tests/loop"

# ----------------------------------------------------------- the guest
if [ "${KTAP_KERNEL_VERBOSE:-}" = 1 ]; then
	console=/dev/stderr
else
	console=/dev/null
fi
KTAP_BUILD=$BUILD "$HERE/boot.sh" "$HERE/guest.sh" "$TIMEOUT" "${KMOD:-none}" "$BUILD" \
	>"$console" 2>"$LOGS/boot.err"
brc=$?
end=$(date +%s)
LOG=$KDIR/console.log
OUT=$KDIR/out

case $brc in
3) fail boot "$(cat "$LOGS/boot.err")" ;;
esac
if grep -q 'ktap-guest: start' "$LOG"; then
	echo "ok kernel/boot"
else
	fail boot "the guest did not reach its script: $(grep -a 'ktap-guest:' "$LOG" | tr '\n' ' ')$(tail -3 "$LOG" | tr '\n' ' ')"
fi

# the guest's TAP, from the results share (the console may interleave
# kernel messages), else from the console
tapsrc=$OUT/guest.log
[ -s "$tapsrc" ] || tapsrc=$LOG
sed -n -e 's/^ok [0-9][0-9]* \([^ ]*\) # SKIP \(.*\)/skip kernel\/\1: \2/p' -e t \
       -e 's/^ok [0-9][0-9]* \(.*\)/ok kernel\/\1/p' \
       -e 's/^not ok [0-9][0-9]* \([^:]*\): \(.*\)/not ok kernel\/\1: \2/p' \
       -e 's/^not ok [0-9][0-9]* \([^:]*\)$/not ok kernel\/\1: failed/p' \
       "$tapsrc" | tr -d '\r'
results=$(grep -cE '^(not )?ok [0-9]+ ' "$tapsrc")
plan=$(sed -n 's/^1\.\.\([0-9]*\)/\1/p' "$tapsrc" | tail -1)
if [ -n "$plan" ] && [ "$plan" = "$results" ]; then
	echo "ok kernel/guest_complete"
else
	echo "not ok kernel/guest_complete: $results results, plan ${plan:-missing}; $(tail -1 "$LOG")"
fi

if [ "$brc" = 2 ]; then
	echo "not ok kernel/end_marker: the guest did not finish within ${TIMEOUT}s (or the kernel panicked): see $LOG"
else
	echo "ok kernel/end_marker"
fi
if [ -s "$KDIR/trouble" ]; then
	echo "not ok kernel/log_clean: $(head -5 "$KDIR/trouble" | tr '\n' ' ')"
else
	echo "ok kernel/log_clean"
fi
echo "# kernel tests: $((end - start)) s (console: $LOG)"
exit 0

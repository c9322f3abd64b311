#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh BUILD_DIR ARCH - ktapvm.ko in Debian's 6.1 kernel
# of ARCH (arm64, s390x) under QEMU, running bytecode compiled on this
# x86-64 machine (`make test-kernel ARCH=...`).
#
# Gets the kernel, its headers and busybox (scripts/cross-kernel.sh),
# builds the static minimal ktap (make cross), ktapvm.ko (make kmod
# ARCH=...), kclient and workload for ARCH; compiles the language cases
# and the probe cases (probe.kp, tick.kp) with BUILD_DIR/ktap and runs the
# language cases here from that bytecode (the reference); packs it all into an initramfs whose
# /init is init.sh, boots it and turns what guest.sh prints into lines
# "ok cross/ARCH/kernel/NAME", "not ok ...: why", "skip ...: why", plus
# its own: prepare, build, boot, guest_complete, end_marker, log_clean.
#
# Needs root (dpkg --add-architecture ARCH the first time, as the notes
# on foreign packages say), qemu-system-arm (arm64) or qemu-system-misc
# (s390x), the cross compiler and cpio; without them, one skip line.
# Environment: KTAP_CROSS_TIMEOUT (seconds for the guest, default 900),
# KTAP_CROSS_VERBOSE=1 (the console on stderr).

set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$TOP/tests/cross
BUILD_ARG=${1:?usage: kernel.sh BUILD_DIR ARCH}
ARCH=${2:?usage: kernel.sh BUILD_DIR ARCH}
P=cross/$ARCH/kernel

skip() {
	echo "skip $P/all: $1"
	exit 0
}
fail() {
	echo "not ok $P/$1: $2"
	exit 0
}

case $ARCH in
arm64)
	gcc=aarch64-linux-gnu-gcc pkg=gcc-aarch64-linux-gnu
	qemu=qemu-system-aarch64 qpkg=qemu-system-arm
	qargs="-M virt -cpu cortex-a57" console=ttyAMA0
	;;
s390x)
	gcc=s390x-linux-gnu-gcc pkg=gcc-s390x-linux-gnu
	qemu=qemu-system-s390x qpkg=qemu-system-misc
	qargs="-M s390-ccw-virtio" console=ttysclp0
	;;
*) fail build "ARCH=$ARCH: arm64 or s390x" ;;
esac
BUILD=$(cd "$BUILD_ARG" 2>/dev/null && pwd) || fail build "no build folder $BUILD_ARG"
[ -x "$BUILD/ktap" ] || fail build "no $BUILD/ktap (make first)"
[ "$(id -u)" = 0 ] ||
	skip "needs root (dpkg --add-architecture $ARCH for the kernel packages)"
missing=
command -v "$gcc" >/dev/null || missing="$missing $pkg"
command -v "$qemu" >/dev/null || missing="$missing $qpkg"
command -v cpio >/dev/null || missing="$missing cpio"
[ -z "$missing" ] || skip "missing:$missing (apt-get install$missing)"

X=$BUILD/cross/$ARCH
LOGS=$X/logs
G=$X/guest
TIMEOUT=${KTAP_CROSS_TIMEOUT:-900}
mkdir -p "$LOGS" || fail prepare "cannot make $LOGS"
start=$(date +%s)

# ------------------------------------- kernel, headers, module, programs
timeout 900 "$TOP/scripts/cross-kernel.sh" fetch "$BUILD" "$ARCH" \
	>"$LOGS/fetch.out" 2>"$LOGS/fetch.err" ||
	fail prepare "$(tail -2 "$LOGS/fetch.err" | tr '\n' ' ')"
KERNEL=$X/kernel/current
echo "ok $P/prepare"
# not under the caller's make variables (O=, -j)
nomake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES make -C "$TOP" "$@"
}
nomake cross "ARCH=$ARCH" "O=$BUILD" >"$LOGS/cross.log" 2>&1 ||
	fail build "make cross ARCH=$ARCH: $(tail -3 "$LOGS/cross.log" | tr '\n' ' ')"
nomake kmod "ARCH=$ARCH" "O=$BUILD" >"$LOGS/kmod.log" 2>&1 ||
	fail build "make kmod ARCH=$ARCH: $(tail -3 "$LOGS/kmod.log" | tr '\n' ' ')"
for p in tests/kernel/kclient.c tests/cross/workload.c; do
	"$gcc" -static -std=gnu11 -O2 -Wall -Wextra -Werror \
		-I"$TOP/include" -o "$X/$(basename "$p" .c)" \
		"$TOP/$p" "$X/libktap.a" >"$LOGS/programs.log" 2>&1 ||
		fail build "$p: $(head -3 "$LOGS/programs.log" | tr '\n' ' ')"
done
echo "ok $P/build"

# ------------------------------------------- bytecode compiled here
rm -rf "$G"
mkdir -p "$G/root/t/lang" "$G/root/t/cross" "$G/root/t/bc1" \
	"$G/root/t/bc2" "$G/root/bin" "$G/root/proc" "$G/root/sys" \
	"$G/root/dev" "$G/root/tmp" || exit 1
R=$G/root/t
i=0
for kp in "$TOP"/tests/lang/*.kp; do
	name=$(basename "$kp" .kp)
	cp "$kp" "$R/lang/"
	[ ! -f "${kp%.kp}.out" ] || cp "${kp%.kp}.out" "$R/lang/"
	# two runners in the guest, one per vCPU: half the files each
	(cd "$TOP/tests/lang" &&
	 "$BUILD/ktap" -c "$R/bc$((i % 2 + 1))/$name.kpc" "$name.kp") \
		2>/dev/null </dev/null && i=$((i + 1))
done
for c in probe tick; do
	(cd "$HERE" && "$BUILD/ktap" -c "$R/$c.kpc" "$c.kp") ||
		fail build "$c.kp does not compile"
	cp "$HERE/$c.out" "$R/"
done
# x86-64's results of the same files, for the guest to compare with
for b in bc1 bc2; do
	"$HERE/bytecode.sh" "$BUILD/ktap" "$TOP/tests/lang" "$R/$b" "$G/ref.$b" >/dev/null
done
mkdir -p "$R/ref"
cp "$G"/ref.bc1/*.out "$G"/ref.bc1/*.rc "$G"/ref.bc2/*.out "$G"/ref.bc2/*.rc "$R/ref/"
cp "$HERE/bytecode.sh" "$R/cross/"
cp "$TOP/tests/cases.sh" "$HERE/guest.sh" "$X/ktap" "$X/ktapvm.ko" \
	"$X/kclient" "$X/workload" "$R/"
cp "$KERNEL/busybox" "$G/root/bin/busybox"
cp "$HERE/init.sh" "$G/root/init"
chmod 755 "$G/root/init" "$R/guest.sh" "$R/cross/bytecode.sh"
(cd "$G/root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet |
 gzip -1n) >"$G/initrd.gz" || fail build "cpio failed"

# ------------------------------------------------------------ the guest
LOG=$X/console.log
if [ "${KTAP_CROSS_VERBOSE:-}" = 1 ]; then
	show=/dev/stderr
else
	show=/dev/null
fi
boot_start=$(date +%s)
# oops=panic panic=-1 -no-reboot: a crash ends the run at once
# shellcheck disable=SC2086
timeout -k 10 "$TIMEOUT" "$qemu" $qargs -accel tcg -m 1G -smp 2 \
	-nographic -no-reboot -nic none \
	-kernel "$KERNEL/vmlinuz" -initrd "$G/initrd.gz" \
	-append "console=$console quiet oops=panic panic=-1" \
	</dev/null 2>&1 | tr -d '\r' | tee "$LOG" >"$show"
end=$(date +%s)

grep -q '^ktap-cross-start' "$LOG" ||
	fail boot "the guest did not reach /init: $(tail -3 "$LOG" | tr '\n' ' ')"
echo "ok $P/boot"
sed -n 's/^.*ktap-cross: //p' "$LOG" >"$X/guest.log"
sed -n -e "s#^\\(ok\\|not ok\\|skip\\) #\\1 $P/#p" "$X/guest.log"
got=$(grep -cE '^(not )?ok |^skip ' "$X/guest.log")
plan=$(sed -n 's/^plan \([0-9]*\)$/\1/p' "$X/guest.log")
if [ -n "$plan" ] && [ "$plan" = "$got" ]; then
	echo "ok $P/guest_complete"
else
	echo "not ok $P/guest_complete: $got results, plan ${plan:-missing}; $(tail -1 "$LOG")"
fi
if grep -q '^ktap-cross-end rc=0' "$LOG"; then
	echo "ok $P/end_marker"
else
	echo "not ok $P/end_marker: the guest did not finish within ${TIMEOUT}s (or the kernel panicked): see $LOG"
fi
trouble=$(grep -aE '\[ *[0-9]+\.[0-9]+\] .*(BUG:|WARNING:|Oops|Kernel panic|kernel BUG|soft lockup|hung_task|stall|Call Trace:)' "$LOG" | head -5)
if [ -n "$trouble" ]; then
	echo "not ok $P/log_clean: $(echo "$trouble" | tr '\n' ' ')"
else
	echo "ok $P/log_clean"
fi
sed -n 's/^# /# '"$ARCH"': /p' "$X/guest.log"
echo "# $ARCH kernel tests: $((end - start)) s, the guest $((end - boot_start)) s (console: $LOG)"
exit 0

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# boot.sh GUEST_SCRIPT [TIMEOUT [ARG...]] - boot the kernel that prepare.sh
# cached (BUILD_DIR/kernel/current; BUILD_DIR from $KTAP_BUILD, default
# build) under QEMU (TCG) and run GUEST_SCRIPT, a path on this machine, as
# root inside the guest, chrooted into this machine's root (mounted
# read-only over 9p), with ARGs.  TIMEOUT (seconds, default 600) bounds
# the whole run.
#
# The console streams to stdout and to BUILD_DIR/kernel/console.log; the
# writable share BUILD_DIR/kernel/out/ (the same path inside the guest)
# gets the script's output (guest.log), its exit status (rc) and the
# kernel log (dmesg); BUILD_DIR/kernel/trouble the lines below.  The
# script's environment is a clean one plus the caller's KTAP_GUEST_*
# variables.
#
# Exit status: 0 the guest ran the script to its end and the kernel logged
# no oops, BUG, WARNING or panic; 1 it did, but the kernel logged trouble
# (the lines are on stderr); 2 the guest never reached its end marker
# (timeout, panic, hang); 3 nothing to boot (run prepare.sh); 4 all went
# well but the script exited non-zero.

set -u
SCRIPT=${1:?usage: boot.sh GUEST_SCRIPT [TIMEOUT [ARG...]]}
TIMEOUT=${2:-600}
[ $# -ge 2 ] && shift 2 || shift $#
BUILD=${KTAP_BUILD:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 3
KDIR=$BUILD/kernel
CUR=$KDIR/current

[ -f "$SCRIPT" ] || { echo "boot.sh: no such script: $SCRIPT" >&2; exit 3; }
SCRIPT=$(cd "$(dirname "$SCRIPT")" && pwd)/$(basename "$SCRIPT")
for f in vmlinuz initrd.gz; do
	[ -f "$CUR/$f" ] || { echo "boot.sh: no $CUR/$f: run tests/kernel/prepare.sh $BUILD" >&2; exit 3; }
done
command -v qemu-system-x86_64 >/dev/null ||
	{ echo "boot.sh: qemu-system-x86_64 missing (apt-get install qemu-system-x86)" >&2; exit 3; }

OUT=$(cd "$KDIR" && pwd)/out
LOG=$(cd "$KDIR" && pwd)/console.log
rm -rf "$OUT"
mkdir -p "$OUT"
: >"$OUT/args"
# the guest script's environment is clean but for these
env | grep '^KTAP_GUEST_[A-Z_]*=[^ ]*$' >"$OUT/env"
# The guest's /tmp is its own tmpfs.  Folders of this machine's /tmp that
# the run needs (a work tree cloned there, the build folder, the script's
# folder) stay visible: init.sh binds them back (ktap.keep=).  A script
# right in /tmp runs from the results share instead.
keep=
for d in "$TOP" "$(cd "$BUILD" && pwd)" "$(dirname "$SCRIPT")"; do
	case $d in
	/tmp/?*/*) d=/tmp/$(echo "${d#/tmp/}" | cut -d/ -f1) ;;
	/tmp/?*) ;;
	*) continue ;;
	esac
	case ",$keep," in
	*",$d,"*) ;;
	*) keep=${keep:+$keep,}$d ;;
	esac
done
[ "$(dirname "$SCRIPT")" != /tmp ] ||
	{ cp "$SCRIPT" "$OUT/script"; SCRIPT=$OUT/script; }
for a in "$@"; do
	printf '%s\n' "$a" >>"$OUT/args"
done

# oops=panic + panic=-1 + -no-reboot: an oops ends the run at once, with
# its report on the console.  loglevel=5 (after quiet): warnings reach the
# console too, so a guest that dies still leaves them in the log.
APPEND="console=ttyS0 quiet loglevel=5 panic=-1 oops=panic
ktap.script=$SCRIPT ktap.out=$OUT ${keep:+ktap.keep=$keep}"

start=$(date +%s)
# One host thread runs both vCPUs (thread=single): with thread=multi a
# vCPU in __schedule kept trapping on an int3 that text_poke_bp() had
# already replaced (a tracepoint's static call being switched), with
# interrupts off, while the other waited for it in an IPI: soft lockups
# in the tracing steps, about one run in five.  KTAP_QEMU_TCG_THREADS=multi
# brings it back.
# stdin from /dev/null: QEMU's serial console is output only here
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -accel tcg,thread=${KTAP_QEMU_TCG_THREADS:-single} ${KTAP_QEMU_EXTRA:-} -m 1G -smp 2 \
	-nographic -no-reboot -nic none \
	-kernel "$CUR/vmlinuz" -initrd "$CUR/initrd.gz" \
	-append "$(echo $APPEND)" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$OUT,mount_tag=ktapout,security_model=none" \
	</dev/null 2>&1 | tee "$LOG"
end=$(date +%s)
# a console line ends in \r\n
tr -d '\r' <"$LOG" >"$LOG.tmp" && mv "$LOG.tmp" "$LOG"

# kernel trouble: printk lines ("[  12.34] ...") of an oops, a BUG, a
# warning or a panic, in the console log or in the guest's dmesg
TROUBLE='\[ *[0-9]+\.[0-9]+\] .*(BUG:|WARNING:|Oops|Kernel panic|general protection fault|kernel BUG|UBSAN:|KASAN:|soft lockup|hung_task|self-detected stall|detected stalls on CPUs|Call Trace:)'
trouble=$(cat "$LOG" "$OUT/dmesg" 2>/dev/null | grep -aE "$TROUBLE" | sort -u)
printf '%s' "$trouble" >"$KDIR/trouble"

rc=$(sed -n 's/.*ktap-guest: end rc=\([0-9]*\).*/\1/p' "$LOG" | tail -1)
echo "boot.sh: $((end - start)) s, console log $LOG" >&2
if [ -z "$rc" ]; then
	echo "boot.sh: the guest never reached its end marker (timeout ${TIMEOUT}s, panic or hang)" >&2
	[ -z "$trouble" ] || printf '%s\n' "$trouble" >&2
	exit 2
fi
if [ -n "$trouble" ]; then
	echo "boot.sh: the kernel logged trouble:" >&2
	printf '%s\n' "$trouble" >&2
	exit 1
fi
[ "$rc" = 0 ] || { echo "boot.sh: the guest script exited $rc" >&2; exit 4; }
exit 0

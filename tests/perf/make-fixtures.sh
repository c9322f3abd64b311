#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make-fixtures.sh - record the perf.data fixtures of tests/perf/data (as
# root, with the distribution's perf), and write data/README.md with their
# facts.  Then run ./expected.sh: the .out files that follow the
# recordings are made from perf's own output.
#
#	tests/perf/make-fixtures.sh
#
# The workload (work.c) runs from /tmp/ktap-perf-fixture/ktap-perf-work,
# also in a QEMU guest running Debian 12's 6.1 kernel (record-guest.sh);
# the binary is kept in data/buildid, a perf build-id cache (perf
# --buildid-dir), so that its symbols resolve wherever the tests run.
# Kernel, libc and ld.so symbols resolve only on a machine with the same
# files: the cases do not depend on them.

set -e
cd "$(dirname "$0")"
D=data
BIN=/tmp/ktap-perf-fixture/ktap-perf-work
PERF=${PERF:-perf}

die() {
	echo "make-fixtures.sh: error: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "run me as root (perf record of tracepoints)"
command -v "$PERF" >/dev/null || die "no perf (apt-get install linux-perf)"
command -v gcc >/dev/null || die "no gcc"

mkdir -p "$(dirname $BIN)" $D
# -O0: every function keeps its frame (at -O1 gcc drops spin_inner's)
gcc -O0 -g -fno-omit-frame-pointer -pthread -o $BIN work.c

record() {	# record FILE PERF-RECORD-OPTIONS...
	out=$1
	shift
	rm -f "$D/$out"
	"$PERF" record -q --no-buildid-cache -o "$D/$out" "$@" -- $BIN
}

# tracepoints and cpu-clock samples with callchains, every sample with
# its CPU
record mixed.data --sample-cpu -g -c 250000 -e sched:sched_switch \
	-e syscalls:sys_enter_getppid -e cpu-clock
# cpu-clock only: no tracing data, no callchains, no CPU in the samples
record clock.data -c 500000 -e cpu-clock
# a perf probe event (a uprobe with an argument from the DWARF info):
# a tracepoint like any other for perf script
"$PERF" probe -q -d 'probe_ktap:*' 2>/dev/null || true
"$PERF" probe -q -x $BIN -a 'calls n' || die "perf probe -x $BIN 'calls n' failed (uprobes?)"
record probe.data -e probe_ktap:calls
"$PERF" probe -q -d probe_ktap:calls
# pipe mode, saved to a file: the formats are a record in the stream
rm -f $D/pipe.data
"$PERF" record -q --no-buildid-cache -o - -e sched:sched_switch \
	-e syscalls:sys_enter_getppid -- $BIN > $D/pipe.data

# the same as mixed.data under Debian 12's own kernel, in QEMU (~15 s)
if [ "${KTAP_NO_GUEST:-0}" = 1 ]; then
	echo "make-fixtures.sh: KTAP_NO_GUEST=1: other.data left as it is" >&2
else
	GUEST_KERNEL=$(./record-guest.sh ../../build/perf-guest $BIN $D/other.data) ||
		die "no recording in the guest (KTAP_NO_GUEST=1 skips it)"
fi

rm -rf $D/buildid
"$PERF" --buildid-dir "$PWD/$D/buildid" buildid-cache --add $BIN

# ------------------------------------------------------------ README
script() {	# script FILE [OPTIONS]: perf's own text
	f=$1
	shift
	"$PERF" --buildid-dir "$PWD/$D/buildid" script -i "$D/$f" "$@" 2>/dev/null
}

events() {	# events FILE: | event | samples |
	script "$1" -F event | sed 's/: *$//; s/^ *//' | sort | uniq -c |
		awk '{ printf "| %s | %d |\n", $2, $1 }'
}

tasks() {	# tasks FILE: | event | comm | samples |
	script "$1" -F comm,event -G | sed 's/: *$//' |
		awk '{ n[$2 " " $1]++ }
		     END { for (k in n) { split(k, a, " ");
			   printf "| %s | %s | %d |\n", a[1], a[2], n[k] } }' |
		sort
}

cpus() {	# cpus FILE: | event | CPU | samples |
	script "$1" -F cpu,event -G |
		sed 's/^ *\[\([0-9]*\)\] *\([^ ]*\): *$/\1 \2/' |
		awk '{ n[$2 " " $1]++ }
		     END { for (k in n) { split(k, a, " ");
			   printf "| %s | %s | %d |\n", a[1], a[2], n[k] } }' |
		sort
}

ids() {		# ids FILE: | event | id in FILE | id here |
	"$PERF" evlist -v -i "$D/$1" 2>/dev/null |
		sed -n 's/^\([a-z_]*\):\([a-z_]*\): .*config: 0x\([0-9a-f]*\),.*/\1 \2 \3/p' |
		while read -r sys name id; do
			here=$(cat "/sys/kernel/tracing/events/$sys/$name/id" 2>/dev/null || echo -)
			printf '| %s:%s | %d | %s |\n' "$sys" "$name" "0x$id" "$here"
		done
}

size() {
	wc -c < "$D/$1" | tr -d ' '
}

{
	cat <<EOF
# tests/perf/data: perf.data fixtures

Recorded by \`make-fixtures.sh\` (as root; it also writes this README --
edit the text there) on the development machine: kernel $(uname -r),
$(nproc) CPUs, $("$PERF" version).  After regenerating, run
\`../expected.sh\`: the expected outputs that follow the recordings are
made from \`perf script\`'s own output, never from ktap.

The workload is \`../work.c\` (see its header for the exact facts), run as
\`$BIN\`, per task (no \`-a\`):

- \`ktap-perf-work\`, pinned to CPU 0: 20 \`getppid()\`; its thread
  \`ktap-perf-thr\` (same pid, its own tid): 7; then it spins 40 ms in
  \`main\` -> \`spin_outer\` -> \`spin_inner\` and sleeps 3 x 2 ms;
- \`ktap-perf-kid\`, its child pinned to CPU 1: spins 40 ms in \`main\` ->
  \`run_kid\` -> \`spin_outer\` -> \`spin_inner\`, then 5 \`getppid()\`.

\`buildid/\` is a perf build-id cache holding the workload's binary: run
\`perf --buildid-dir tests/perf/data/buildid script ...\` (the tests do)
and its symbols resolve on any machine.  Kernel, libc and ld.so symbols
resolve only where those very files are (the running kernel must be the
one recorded): no test depends on them.  other.data comes from another
kernel (Debian's 6.1, in QEMU).

## mixed.data ($(size mixed.data) bytes)

    perf record --sample-cpu -g -c 250000 -e sched:sched_switch \\
        -e syscalls:sys_enter_getppid -e cpu-clock -- $BIN

Tracepoints and cpu-clock samples (every 0.25 ms of CPU time), all with
callchains (frame pointers) and CPUs.

| event | samples |
| --- | ---: |
$(events mixed.data)

| event | comm | samples |
| --- | --- | ---: |
$(tasks mixed.data)

| event | CPU | samples |
| --- | --- | ---: |
$(cpus mixed.data)

## clock.data ($(size clock.data) bytes)

    perf record -c 500000 -e cpu-clock -- $BIN

cpu-clock only: no tracing data section, no callchains, and no CPU in the
samples (perf records it only with -a, -C or --sample-cpu: \`cpu\` is -1).

| event | comm | samples |
| --- | --- | ---: |
$(tasks clock.data)

## probe.data ($(size probe.data) bytes)

    perf probe -x $BIN -a 'calls n'
    perf record -e probe_ktap:calls -- $BIN

A perf probe event: a uprobe on \`calls(int n)\` of work.c, with \`n\` fetched
through the binary's DWARF info; perf script sees a tracepoint
\`probe_ktap:calls\` with the fields \`__probe_ip\` and \`n\`.  *Exact*: one
call each, n = 20 (ktap-perf-work), 7 (ktap-perf-thr), 5 (ktap-perf-kid).

| event | comm | samples |
| --- | --- | ---: |
$(tasks probe.data)

## other.data ($(size other.data) bytes)

mixed.data's recording made under another kernel: Debian 12's own
(${GUEST_KERNEL:-6.1}), booted in QEMU (TCG, 2 CPUs) by \`record-guest.sh\`,
running this machine's perf and workload from its root filesystem shared
over 9p.  Its tracepoints have that kernel's ids and formats -- for
example, in the recording and on this machine ($(uname -r)):

| event | id in other.data | id here |
| --- | ---: | ---: |
$(ids other.data)

| event | comm | samples |
| --- | --- | ---: |
$(tasks other.data)

## pipe.data ($(size pipe.data) bytes)

    perf record -o - -e sched:sched_switch -e syscalls:sys_enter_getppid \\
        -- $BIN > pipe.data

A pipe-mode file: a 16-byte header, no feature sections; the tracepoint
formats are a \`PERF_RECORD_HEADER_TRACING_DATA\` record in the stream.

| event | comm | samples |
| --- | --- | ---: |
$(tasks pipe.data)
EOF
} > $D/README.md
echo "wrote $D/*.data, $D/buildid and $D/README.md; now run ./expected.sh"

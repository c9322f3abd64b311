#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh - the cases of an arm64 or s390x guest (init.sh runs it, busybox
# sh), from what kernel.sh put in /t: the static minimal ktap, kclient and
# workload of this architecture, ktapvm.ko built for this kernel, and the
# language cases compiled on x86-64 (/t/bc*), with that machine's
# userspace results (/t/ref).  Prints "ok NAME", "not ok NAME: why" and
# "skip NAME: why" lines, then "plan N" (the number of cases).
#
#   insmod, dev_ktap, version   the module loads, /dev/ktap answers
#   lang/NAME                   the case's bytecode through the module
#                               (ktap --kernel): its expectations, and the
#                               stdout and status of x86-64's userspace
#   safety/truncated, safety/corrupted   kclient truncate and corrupt:
#                               what this machine's userspace loader
#                               refuses the module refuses too
#   probe_tracepoints           `ktap probe.kpc -- workload`: tracepoints
#                               in the kernel VM, string and 32/64-bit
#                               fields (probe.kp, workload.c)
#   probe_tick_exit             tick-100ms and exit() (tick.kp)
#   probe_kprobe_refused        the minimal ktap cannot make kprobes and
#                               says why
#   rmmod, dmesg_clean

T=/t
N=0

res() {
	N=$((N + 1))
	if [ -z "${2:-}" ]; then
		echo "ok $1"
	else
		echo "not ok $1: $(printf '%s' "$2" | tr '\n' ' ' | cut -c1-400)"
	fi
}

out=$(insmod $T/ktapvm.ko 2>&1)
res insmod "$([ $? = 0 ] || echo "$out $(dmesg | tail -3)")"
res dev_ktap "$([ -c /dev/ktap ] || echo "no /dev/ktap")"
out=$($T/kclient version 2>&1)
res version "$([ $? = 0 ] || echo "$out")"
echo "# $out"

# the language cases: a runner per vCPU, each over its share of the
# files (kernel.sh split them into bc1 and bc2)
printf '#!/bin/sh\nexec %s --kernel "$@"\n' "$T/ktap" >/tmp/ktap-kernel
chmod 755 /tmp/ktap-kernel
start=$(date +%s)
for bc in $T/bc*; do
	$T/cross/bytecode.sh /tmp/ktap-kernel $T/lang "$bc" "/tmp/res.${bc##*/}" \
		$T/ref stdout >"/tmp/lang.${bc##*/}" 2>&1 &
done
wait
cases=$(find $T/bc* -name '*.kpc' | wc -l)
cat /tmp/lang.* | sed -e 's#^ok bytecode/#ok lang/#' \
	-e 's#^not ok bytecode/#not ok lang/#' >/tmp/lang
cat /tmp/lang
got=$(grep -c '^\(not \)\{0,1\}ok lang/' /tmp/lang)
N=$((N + got))
[ "$got" = "$cases" ] || res lang_complete "$got results for $cases cases"
echo "# lang: $cases cases in $(($(date +%s) - start)) s"

# a few cases cut short and mutated (loader and verifier of this byte order)
for f in closure_counter table_ctor_mixed agg_hist; do
	k=$(ls $T/bc*/$f.kpc | head -1)
	out=$($T/kclient truncate "$k" 2>&1)
	res "safety/truncated_$f" "$([ $? = 0 ] || echo "$out" | tail -3)"
	out=$($T/kclient corrupt "$k" 100 7 2>&1)
	res "safety/corrupted_$f" "$([ $? = 0 ] || echo "$out" | tail -3)"
done

# probes in the kernel VM, from bytecode compiled on x86-64: tracepoints
# (the minimal ktap reads their ids and fields from tracefs) and timers
probe() {
	name=$1 expect=$2
	shift 2
	"$T/ktap" -q "$@" >/tmp/p.out 2>/tmp/p.err
	rc=$?
	if [ $rc != 0 ]; then
		res "$name" "status $rc: $(cat /tmp/p.err)"
	elif ! cmp -s /tmp/p.out "$expect"; then
		res "$name" "output differs: $(diff "$expect" /tmp/p.out | tr '\n' '|')"
	else
		res "$name" "$(cat /tmp/p.err)"
	fi
}
probe probe_tracepoints $T/probe.out $T/probe.kpc -- $T/workload
probe probe_tick_exit $T/tick.out $T/tick.kpc
"$T/ktap" -e 'trace probe:do_sys_openat2 { }' >/tmp/p.out 2>/tmp/p.err
rc=$?
res probe_kprobe_refused "$([ $rc = 1 ] && grep -q 'minimal ktap' /tmp/p.err ||
	echo "status $rc: $(cat /tmp/p.err)")"

out=$(rmmod ktapvm 2>&1)
res rmmod "$([ $? = 0 ] || echo "$out")"
trouble=$(dmesg | grep -E 'BUG|WARNING|Oops|Call Trace|general protection|leak|Kernel panic')
res dmesg_clean "$trouble"
echo "plan $N"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# expected.sh - remake the .out files that depend on what the fixtures of
# ../data happen to hold (pids, timestamps, other tasks' events): from the
# fixtures' .facts files and from trace-cmd's own report, never from ktap.
# Run it after ../data/make-fixtures.sh.  The other .out files hold the
# fixtures' exact workload facts and do not change.
set -e
cd "$(dirname "$0")"
D=../data

fact() {	# fact FILE AWK-CONDITION FIELD: sum of FIELD over matching lines
	awk "$2 { n += \$$3 } END { print n + 0 }" "$D/$1"
}

# prev_comm globs: every ktap-* task, and the two ktap-spin ones
all=$(fact sched.facts '$1 == "field" && $3 == "sched:sched_switch" && $4 == "prev_comm" && $5 ~ /^"ktap-/' 6)
spin=$(fact sched.facts '$1 == "field" && $3 == "sched:sched_switch" && $4 == "prev_comm" && $5 == "\"ktap-spin\""' 6)
printf '%s\t%s\n' "$all" "$spin" > filter_glob.out

wakeups=$(fact sched.facts '$1 == "event" && $3 == "sched:sched_wakeup"' 4)
printf 'probe end %s %s true\n' "$wakeups" "$wakeups" > legacy_api.out

# a tick per 10 ms boundary between the first and the last record
set -- $(awk '$1 == "buffer" && $2 == "ktap-fixture" { print $6, $8, $4 }' $D/sched.facts)
ticks=$(( $2 / 10000000 - $1 / 10000000 ))
printf '%s\t%s\n' "$ticks" "$3" > ticks.out
printf '%s\t%s\t0\n' "$1" "$2" > timestamps.out

exec_=$(fact multi.facts '$1 == "event" && $3 == "sched:sched_process_exec"' 4)
exit_=$(fact multi.facts '$1 == "event" && $3 == "sched:sched_process_exit"' 4)
getppid=$(fact multi.facts '$1 == "event" && $3 == "syscalls:sys_enter_getppid"' 4)
openat=$(fact multi.facts '$1 == "event" && $3 == "syscalls:sys_enter_openat"' 4)
printf '%s\t%s\t%s\t%s\t0\n' "$exec_" "$exit_" "$getppid" "$openat" > multi_buffer.out

# the exiting switch of ktap-nap, in its own format (report -N: no plugins)
trace-cmd report -N -i $D/sched.dat 2>/dev/null |
	sed -n 's/.*sched_switch: *\(prev_comm=ktap-nap .*prev_state=Z .*\)/\1/p' \
	> argstr_format.out

# corrupt-data.dat: the records libtracecmd still reads, but the damaged one
awk '$1 == "libtracecmd" && $2 == "corrupt-data.dat" {
	for (i = 1; i <= NF; i++)
		if ($i == "event" && $(i + 2) != "?:?") n += $(i + 3)
	print n
}' $D/broken.facts > damaged_data.out

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# expected.sh - remake the .out files that depend on what the fixtures of
# data/ happen to hold (sample counts, times, callchains), from the
# distribution's `perf script` output, never from ktap.  Run it after
# make-fixtures.sh.  The other .out files hold the workload's exact facts
# (work.c) and do not change; generated.kp.out is what `perf script -g
# ktap` writes for mixed.data (it follows the recorded events' formats).
set -e
cd "$(dirname "$0")"
PERF=${PERF:-perf}

ps() {	# ps FILE [OPTIONS]: perf's text of data/FILE
	f=$1
	shift
	"$PERF" --buildid-dir "$PWD/data/buildid" script -i "data/$f" "$@" \
		2>/dev/null
}

# samples per event, as perf names them
count() {
	ps mixed.data -F event -G | grep -c "^ *$1: *\$" || true
}
sw=$(count sched:sched_switch)
gp=$(count syscalls:sys_enter_getppid)
clk=$(count cpu-clock)
printf '%s\t%s\t%s\t3\n' "$sw" "$gp" "$clk" > count_events.out

# fields: ktap-perf-work's switches out in S, all switches, getppid (110)
sleeps=$(ps mixed.data -F trace -G |
	grep -c 'prev_comm=ktap-perf-work .*prev_state=S ' || true)
printf '%s\t%s\t%s\n' "$sleeps" "$sw" "$gp" > fields.out
printf '%s\t%s\n' "$sw" "$sw" > tp_stack.out

ps mixed.data -F trace -G | sed -n 's/^ *\(prev_comm=ktap-perf-kid .*\)/\1/p' \
	> argstr.out

# awk: a count as ktap prints a table's missing entry
NIL='function v(x) { return x ? x : "nil" }'

# cpu-clock samples by symbol of the workload's binary; the rest
ps mixed.data -F event,ip,sym,dso -G | awk "$NIL"'
	$1 != "cpu-clock:" { next }
	$NF == "(/tmp/ktap-perf-fixture/ktap-perf-work)" { n[$3]++; next }
	{ other++ }
	END { printf "%s\t%s\t%d\t0\n", v(n["spin_inner"]), v(n["spin_outer"]), other }
' > cpu_clock.out

# the 3 innermost frames of the workload's cpu-clock samples, from perf's
# callchains (a sample: its line, then one line per frame)
ps mixed.data -F comm,event,ip,sym | awk "$NIL"'
	function flush() {
		if (want) {
			key = f[3] ";" f[2] ";" f[1]
			s[key]++
			total++
		}
		want = 0
	}
	!/^\t/ {
		flush()
		if (NF == 0)
			next
		want = ($1 == "ktap-perf-work" || $1 == "ktap-perf-kid") &&
		       $2 == "cpu-clock:"
		depth = 0
		next
	}
	want && depth < 3 { f[++depth] = $2 }
	END {
		flush()
		printf "%s\t%s\t%d\n", v(s["main;spin_outer;spin_inner"]),
			v(s["run_kid;spin_outer;spin_inner"]), total
	}
' > stack.out

# profile-5ms: distinct 5 ms windows of cpu-clock sample time, per CPU
ps mixed.data --ns -F cpu,time,event -G | tr -d '[]:' | awk "$NIL"'
	$3 != "cpu-clock" { next }
	{ split($2, t, "."); w = int((t[1] * 1000000000 + t[2]) / 5000000) }
	!seen[$1 + 0, w]++ { n[$1 + 0]++ }
	END { printf "%s\t%s\t1\ttrue\n", v(n[0]), v(n[1]) }
' > profile.out

# ticks and timestamps: the first and the last sample
times=$(ps mixed.data --ns -F cpu,time -G | tr -d '[]:' | awk '
	{ split($2, t, "."); ns = t[1] t[2] }
	NR == 1 { first = ns; cpu = $1 + 0 }
	{ last = ns }
	END { print first, last, cpu }')
set -- $times
printf '%s\t%s\t%s\n' "$1" "$2" "$3" > timestamps.out
# the difference of the 10 ms counts (shell arithmetic is 64-bit)
echo $(( $2 / 10000000 - $1 / 10000000 )) > ticks.out

# the dlfilter keeps the switches in S: perf prints exactly those lines
ps mixed.data -G | grep 'sched:sched_switch: .*prev_state=S ' > keep.out

n=$(ps clock.data -F comm -G | awk "$NIL"'{ n[$1]++ } END { printf "%s\t%s\t%d\n",
	v(n["ktap-perf-work"]), v(n["ktap-perf-kid"]), NR }')
printf '%s\n' "$n" > clock_only.out

# other.data: another kernel's recording
ow=$(ps other.data -F trace -G | grep -c 'prev_comm=ktap-perf-work ' || true)
printf '20\t7\t5\t%s\n' "$ow" > other_kernel.out
ps other.data -F trace -G |
	sed -n 's/^ *\(prev_comm=ktap-perf-kid .*\)/\1/p' > other_argstr.out

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tracing.sh BUILD_DIR - live tracing on this machine: tracepoints,
# syscalls, uprobes, USDT, timers, profile, stacks, -- cmd, -p, -C, -T,
# -d, -l*, Ctrl-C, SIGKILL, lost events, cleanup.  Needs root and tracefs;
# without them every case prints "skip NAME: reason".  Kprobes and the
# function tracer are tested in the QEMU guest (tests/kernel).

BUILD=$(cd "${1:?usage: tracing.sh BUILD_DIR}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
KTAP=$BUILD/ktap
T=/sys/kernel/tracing
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

CASES="exec_names syscalls_count kernel_filter pid_target cpu_filter
timestamps tick exit_status sigint_trace_end sigkill_stale target_exit
uprobe uretprobe usdt usdt_semaphore dynamic_cleanup profile stack_kernel
stack_profile lost_events no_such_event dry_run list_events list_functions
list_notes mount_tracefs"

skip_all() {
	for c in $CASES; do
		echo "skip live/$c: $1"
	done
	exit 0
}

[ "$(id -u)" = 0 ] || skip_all "needs root"
if [ ! -d "$T/events" ]; then
	mount -t tracefs nodev "$T" 2>/dev/null || skip_all "needs tracefs"
fi

# verdict NAME PROBLEM: "ok NAME" when PROBLEM is empty
verdict() {
	if [ -z "$2" ]; then
		echo "ok live/$1"
	else
		echo "not ok live/$1: $2"
	fi
}

# run ARGS...: ktap with a time limit; the script's output (-o, apart
# from what a traced command prints), stderr and status in $TMP
run() {
	rm -f "$TMP/out"
	timeout 60 "$KTAP" -o "$TMP/out" "$@" >"$TMP/cmdout" 2>"$TMP/err" </dev/null
	echo $? >"$TMP/status"
}

out() { cat "$TMP/out" 2>/dev/null; }
err() { head -c 300 "$TMP/err" | tr '\n' '|'; }
status() { cat "$TMP/status"; }

# instances and dynamic events of ktap runs that have ended (other runs,
# e.g. of a concurrent test, may be alive and own theirs)
leftovers() {
	for i in $(ls "$T/instances" 2>/dev/null | sed -n 's/^ktap-//p') \
		 $(cat "$T/uprobe_events" "$T/kprobe_events" 2>/dev/null |
		   sed -n 's/^[a-z]:ktap_\([0-9]*\)\/.*/\1/p'); do
		[ -d "/proc/$i" ] || echo "ktap-$i"
	done
}

cc -O2 -o "$TMP/loop" "$TOP/bench/live/loop.c" ||
	skip_all "cannot build the workload"
SDT=$BUILD/tests/sdtprog
if [ ! -x "$SDT" ]; then
	mkdir -p "$BUILD/tests"
	cc -O1 -g -o "$SDT" "$TOP/tests/live/sdtprog.c" 2>/dev/null ||
		SDT=
fi

# exec events name the new program, with its pid (tasks.c learns them)
run -q -e 'trace sched:sched_process_exec { print(execname, $filename) }' \
	-- sh -c '/bin/true; /bin/echo hi >/dev/null'
verdict exec_names "$(out | grep -q '^true	/bin/true$' &&
	out | grep -q '^echo	/bin/echo$' || echo "got $(out | tr '\n' '|') $(err)")"

# every call of the traced command is counted, once
run -q -e 'var n = {} trace syscalls:sys_enter_getpp* { n[execname] += 1 }
	trace_end { print(n["loop"]) }' -- "$TMP/loop" 12345
verdict syscalls_count "$(out | grep -q '^12345$' ||
	echo "counted $(out | tr '\n' '|') $(err)")"

# a filter goes into the kernel: the event file of the instance has it
run -q -e 'trace sched:sched_process_exec /filename ~ "*true"/ { print($filename) }' \
	-- sh -c '/bin/echo x >/dev/null; /bin/true; /bin/echo y >/dev/null'
verdict kernel_filter "$(test "$(out)" = /bin/true || echo "got $(out | tr '\n' '|') $(err)")"

# -p: only that process's events, and the run ends with it
sh -c 'for i in 1 2 3 4 5 6; do /bin/true; sleep 0.1; done' &
target=$!
run -q -p "$target" -e 'var n = 0 trace sched:sched_process_exec { n += 1 }
	trace_end { print("execs", n > 0) }'
verdict pid_target "$(test "$(out)" = "execs	true" && test "$(status)" = 0 ||
	echo "status $(status), got $(out | tr '\n' '|') $(err)")"
wait "$target"

# -C: events of one CPU only
run -q -C 0 -e 'var c = {} trace sched:sched_switch { c[cpu] += 1 }
	tick-300ms { exit() } trace_end { for (k, v in pairs(c)) { print(k) } }'
verdict cpu_filter "$(test "$(out)" = 0 || echo "cpus seen: $(out | tr '\n' ' ') $(err)")"

# -T: the event's time starts each line printed
run -q -T -e 'trace syscalls:sys_enter_getppid { print(execname) }' \
	-- "$TMP/loop" 2
verdict timestamps "$(test "$(out | grep -c '^[0-9]*\.[0-9]\{6\}: loop$')" = 2 ||
	echo "got $(out | tr '\n' '|')")"

# tick-N runs on the wall clock while the target runs
run -q -e 'var n = 0 tick-100ms { n += 1 } trace_end { print(n) }' -- sleep 1
verdict tick "$(test "$(out)" -ge 7 && test "$(out)" -le 11 ||
	echo "ticks in 1 s: $(out) $(err)")"

# exit(N) in a handler: trace_end once, status N
run -q -e 'trace syscalls:sys_enter_getppid { exit(3) }
	trace_end { print("end") }' -- "$TMP/loop" 1000
verdict exit_status "$(test "$(status)" = 3 && test "$(out)" = end ||
	echo "status $(status), got $(out | tr '\n' '|') $(err)")"

# Ctrl-C: trace_end runs once, the instance goes away
"$KTAP" -q -e 'trace sched:sched_switch { }
	trace_end { print("end") }' >"$TMP/out" 2>"$TMP/err" &
k=$!
sleep 1
kill -INT "$k"
wait "$k"
st=$?
verdict sigint_trace_end "$(test "$st" = 0 && test "$(out)" = end &&
	test -z "$(leftovers)" ||
	echo "status $st, got $(out | tr '\n' '|'), left: $(leftovers | tr '\n' ' ')")"

# SIGKILL leaves ktap-PID behind; the next run removes it
"$KTAP" -q -e 'trace sched:sched_switch { }' >/dev/null 2>&1 &
k=$!
sleep 1
kill -KILL "$k"
wait "$k" 2>/dev/null
left=$(ls "$T/instances" | grep "^ktap-$k$")
run -q -e 'trace sched:sched_process_exec { }' -- /bin/true
verdict sigkill_stale "$(test -n "$left" && test ! -d "$T/instances/ktap-$k" ||
	echo "instance after kill: '$left', after the next run: $(ls "$T/instances" | tr '\n' ' ')")"

# the target's exit ends the run: no Ctrl-C needed
run -q -e 'trace sched:sched_switch { } trace_end { print("done") }' -- sleep 0.2
verdict target_exit "$(test "$(out)" = done && test "$(status)" = 0 ||
	echo "status $(status) $(err)")"

if [ -n "$SDT" ]; then
	# uprobes on a PIE: every call, with the argument a fetcharg reads
	run -q -e "var n = 0 trace probe:$SDT:ktaptest_work i=%di:s32 { n += \$i }
		trace_end { print(n) }" -- "$SDT" 5
	verdict uprobe "$(test "$(out)" = 10 || echo "sum of i: $(out) $(err)")"

	# uretprobes: $retval, named by default
	run -q -e "var s = 0 trace probe:$SDT:ktaptest_work%return { s += \$retval }
		trace_end { print(s) }" -- "$SDT" 4
	verdict uretprobe "$(test "$(out)" = 16 || echo "sum of returns: $(out) $(err)")"

	# USDT: the note's arguments as arg1..
	run -q -e "var s = 0 trace sdt:$SDT:tick { s += arg1 }
		trace_end { print(s) }" -- "$SDT" 5
	verdict usdt "$(test "$(out)" = 10 || echo "sum of arg1: $(out) $(err)")"

	# a USDT probe with a semaphore fires only while the tracer holds it
	run -e "var n = 0 trace sdt:$SDT:ktaptest:tock { n += 1 }
		trace_end { print(n) }" -q -- "$SDT" 3
	verdict usdt_semaphore "$(grep -q '3 loops, 3 tocks' "$TMP/cmdout" &&
		out | grep -q '^3$' || echo "got $(out | tr '\n' '|') $(err)")"

	verdict dynamic_cleanup "$(leftovers | tr '\n' ' ')"
else
	for c in uprobe uretprobe usdt usdt_semaphore dynamic_cleanup; do
		echo "skip live/$c: cannot build tests/live/sdtprog.c (needs systemtap-sdt-dev)"
	done
fi

# profile-N samples the command while it runs on a CPU
run -q -e 'var n = 0 profile-1ms { n += 1 } trace_end { print(n > 20) }' \
	-- "$TMP/loop" 3000000
verdict profile "$(test "$(out)" = true || echo "got $(out) $(err)")"

# stack() of a syscall event: the kernel's stack, folded, outermost first
run -q -e 'var s = {} trace syscalls:sys_enter_getppid { s[stack()] += 1 }
	trace_end { for (k, v in pairs(s)) { print(v, k) } }' -- "$TMP/loop" 3
verdict stack_kernel "$(out | grep -q '^3	.*do_syscall_64.*;' ||
	echo "got $(out | tr '\n' '|') $(err)")"

# stack() of profile samples: many keys, each a folded stack
run -q -e 'var s = {} profile-1ms { s[stack()] += 1 }
	trace_end { for (k, v in pairs(s)) { print(k) } }' -- "$TMP/loop" 3000000
verdict stack_profile "$(out | grep -q 'getppid' || echo "no getppid frame in $(out | head -3 | tr '\n' '|') $(err)")"

# a buffer too small for a burst: lost events are counted and said
run -q --buffer-size 4K -e 'var n = 0 trace syscalls:sys_enter_getppid { n += 1 }
	trace_end { print(n) }' -- "$TMP/loop" 300000
verdict lost_events "$(grep -q 'events were lost' "$TMP/err" &&
	test "$(out)" -lt 300000 || echo "counted $(out), stderr: $(err)")"

# a probe that does not exist is a clear error, and nothing is left
run -e 'trace nosuch:event { }'
verdict no_such_event "$(test "$(status)" = 1 &&
	grep -q 'trace nosuch:event: no such event' "$TMP/err" &&
	test -z "$(leftovers)" || echo "status $(status): $(err)")"

# -d resolves globs and attaches nothing
rm -f "$TMP/out"
"$KTAP" -d -o "$TMP/out" -e 'trace sched:sched_process_e* { }'
verdict dry_run "$(out | grep -q '^sched:sched_process_exec$' &&
	out | grep -q '^sched:sched_process_exit$' && test -z "$(leftovers)" ||
	echo "got $(out | tr '\n' '|') $(err)")"

"$KTAP" -le 'sched:sched_switch' >"$TMP/out" 2>"$TMP/err"
verdict list_events "$(test "$(out)" = sched:sched_switch || echo "got $(out) $(err)")"

if [ -n "$SDT" ]; then
	"$KTAP" -lf "$SDT" >"$TMP/out" 2>"$TMP/err"
	verdict list_functions "$(out | grep -q "^probe:$SDT:ktaptest_work$" ||
		echo "got $(out | head -3 | tr '\n' '|') $(err)")"
	"$KTAP" -lm "$SDT" >"$TMP/out" 2>"$TMP/err"
	verdict list_notes "$(out | grep -q "^sdt:$SDT:ktaptest:tick	arg1=" ||
		echo "got $(out | tr '\n' '|') $(err)")"
else
	echo "skip live/list_functions: no sdtprog"
	echo "skip live/list_notes: no sdtprog"
fi

# tracefs not mounted: ktap mounts it (or finds it under debugfs, which
# mounts it on demand) and traces (when nothing else holds it)
if umount "$T" 2>/dev/null; then
	run -q -e 'trace sched:sched_process_exec { print($filename) }' -- /bin/true
	verdict mount_tracefs "$(test "$(status)" = 0 && test "$(out)" = /bin/true ||
		echo "status $(status), got $(out) $(err)")"
	[ -d "$T/events" ] || mount -t tracefs nodev "$T"
else
	echo "skip live/mount_tracefs: tracefs is in use here, cannot unmount it to try"
fi

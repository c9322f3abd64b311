#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh [KMOD [BUILD_DIR]] - the kernel tests; runs INSIDE the QEMU
# guest (boot.sh), as root, chrooted into the host's root, and prints TAP:
# "ok N NAME" / "not ok N NAME: why", then the plan "1..N".
#
#   KMOD       the module built for the guest kernel
#              (default: the first of BUILD_DIR/kmod/ktapvm.ko, kmod/ktapvm.ko)
#   BUILD_DIR  where the ktap command and tests/kernel/kclient are (build)
#
# Cases: insmod and /dev/ktap; the language suite (tests/lang) through the
# module (`ktap --kernel`) with the userspace expectations; safety: endless
# loops, memory budgets, truncated and corrupted bytecode, non-root
# access, unloading while a session is open, CYCLES load/run/unload cycles
# without leaked memory; live tracing from userspace (`ktap --user`:
# kprobes, kretprobes, ktap record, trace-cmd stream with the plugin);
# probes in the kernel VM (tracepoints, kprobes, uprobes, USDT, timers,
# -p, argstr, stack(), per-CPU updates, ktap:print under trace-cmd and
# perf, a stress of both CPUs); unloading after all of it; and the kernel
# log.  Knobs (environment): KTAP_GUEST_JOBS (parallel language runners,
# default 2), KTAP_GUEST_CYCLES (200), KTAP_GUEST_STRESS (seconds, 60),
# KTAP_GUEST_ONLY (a grep -E pattern: run only the steps whose names
# match: insmod, lang, safety, cycles, live, kprobes, loops, unload,
# dmesg).  A case this guest cannot run is "ok N NAME # SKIP why".

set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
BUILD=${2:-$TOP/build}
KMOD=${1:-}
[ "$KMOD" != none ] || KMOD=/nonexistent/ktapvm.ko
if [ -z "$KMOD" ]; then
	for k in "$BUILD/kmod/ktapvm.ko" "$TOP/kmod/ktapvm.ko"; do
		[ -f "$k" ] && { KMOD=$k; break; }
	done
fi
KTAP=$BUILD/ktap
SAMPLES=$BUILD/../samples	# the guest runs a copy of this script
KCLIENT=$BUILD/tests/kernel/kclient
JOBS=${KTAP_GUEST_JOBS:-2}
CYCLES=${KTAP_GUEST_CYCLES:-200}
ONLY=${KTAP_GUEST_ONLY:-.}
T=$(mktemp -d)
N=0

# tap NAME [WHY]: one result line
tap() {
	N=$((N + 1))
	if [ -z "${2:-}" ]; then
		echo "ok $N $1"
	else
		echo "not ok $N $1: $(printf '%s' "$2" | tr '\n' ' ' | cut -c1-400)"
	fi
}

# tap_skip NAME WHY: a case this guest cannot run (run.sh: "skip NAME: WHY")
tap_skip() {
	N=$((N + 1))
	echo "ok $N $1 # SKIP $(printf '%s' "$2" | tr '\n' ' ' | cut -c1-400)"
}

# want STEP: run this step (KTAP_GUEST_ONLY); starts its clock
want() {
	echo "$1" | grep -Eq "$ONLY" || return 1
	step_start=$(date +%s)
}
took() { echo "# $1 took $(($(date +%s) - step_start)) s"; }

# Memory accounting for the leak checks.  free_kb: free pages, counting
# those parked on the per-CPU page lists (/proc/zoneinfo "count:"), which
# MemFree and MemAvailable leave out: after 200 sessions they held 22 MB
# more than before, which looked like a leak and was not.
mem_settle() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 1
}
meminfo() {
	sed -n "s/^$1: *\([0-9]*\) kB/\1/p" /proc/meminfo
}
free_kb() {
	echo $(($(meminfo MemFree) + 4 * $(awk '/^ *count:/ { s += $2 } END { print s + 0 }' /proc/zoneinfo)))
}
# slab_snapshot FILE: "cache active_objects objsize" lines
slab_snapshot() {
	awk 'NR > 2 { print $1, $2, $4 }' /proc/slabinfo | sort >"$1"
}

# ------------------------------------------------------------ the module
loaded=
if want insmod; then
	if [ -z "$KMOD" ] || [ ! -f "$KMOD" ]; then
		tap insmod "no ktapvm.ko (${KMOD:-looked for $BUILD/kmod/ktapvm.ko and kmod/ktapvm.ko})"
	elif out=$(insmod "$KMOD" 2>&1); then
		loaded=1
		tap insmod
	else
		tap insmod "insmod $KMOD: $out; $(dmesg | tail -3)"
	fi
	if [ -c /dev/ktap ]; then
		tap dev_ktap
	else
		tap dev_ktap "no character device /dev/ktap"
	fi
	if [ ! -x "$KCLIENT" ]; then
		tap version "no $KCLIENT (include/ktap/ktapvm_ioctl.h missing at build time?)"
	elif out=$("$KCLIENT" version 2>&1); then
		echo "# module: $out"
		tap version
	else
		tap version "$out"
	fi
	took insmod
fi

# ---------------------------------------------------- the language suite
# through the module: a ktap that always says --kernel
if want lang; then
	mkdir -p "$T/kbin" "$T/tools"
	printf '#!/bin/sh\nexec %s --kernel "$@"\n' "$KTAP" >"$T/kbin/ktap"
	chmod 755 "$T/kbin/ktap"
	# the runner's helper tools from static busybox: a dynamic program
	# costs ~30 ms to start under TCG, busybox's applets ~7 ms (and give
	# the same verdicts: checked against the host's run)
	bb=$(command -v busybox)
	for a in sed grep cmp head tr diff mktemp dirname basename cat rm \
		 printf cut; do
		ln -s "$bb" "$T/tools/$a"
	done
	ls tests/lang/*.kp >"$T/cases"
	total=$(wc -l <"$T/cases")
	per=$(((total + JOBS - 1) / JOBS))
	split -l "$per" "$T/cases" "$T/part."
	for p in "$T"/part.*; do
		# shellcheck disable=SC2046
		PATH=$T/tools:$PATH timeout 600 "$bb" sh tests/lang/run.sh \
			"$T/kbin/ktap" $(cat "$p") >"$p.out" 2>&1 &
	done
	wait
	cat "$T"/part.*.out | while IFS= read -r line; do
		case $line in
		"ok "*) tap "${line#ok }" ;;
		"not ok "*)
			rest=${line#not ok }
			tap "${rest%%: *}" "${rest#*: }"
			;;
		*) echo "# $line" ;;
		esac
	done >"$T/lang.tap"
	# tap numbers continue after the loop (it ran in a subshell)
	cat "$T/lang.tap"
	N=$((N + $(grep -c '^\(not \)\{0,1\}ok ' "$T/lang.tap")))
	got=$(grep -c '^\(not \)\{0,1\}ok ' "$T/lang.tap")
	[ "$got" = "$total" ] || tap lang_complete "$got results for $total cases"
	took lang
fi

# ------------------------------------------------------------- safety
# run_bounded SECONDS OUT ERR CMD...: run CMD in the background, wait at
# most SECONDS; sets rc (124: still running, then killed; 125: unkillable)
run_bounded() {
	secs=$1 o=$2 e=$3
	shift 3
	"$@" >"$o" 2>"$e" </dev/null &
	pid=$!
	i=0
	while kill -0 "$pid" 2>/dev/null && [ "$i" -lt "$((secs * 5))" ]; do
		sleep 0.2
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		i=0
		while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do
			sleep 0.2
			i=$((i + 1))
		done
		if kill -0 "$pid" 2>/dev/null; then
			rc=125
			return
		fi
		wait "$pid"
		rc=124
		return
	fi
	wait "$pid"
	rc=$?
}

# signal_after SECONDS SIGNAL OUT ERR CMD...: start CMD, send SIGNAL after
# SECONDS, allow 15 s more to end; sets rc like run_bounded
signal_after() {
	secs=$1 sig=$2 o=$3 e=$4
	shift 4
	"$@" >"$o" 2>"$e" </dev/null &
	pid=$!
	sleep "$secs"
	kill -"$sig" "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 75 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		sleep 5
		kill -0 "$pid" 2>/dev/null && { rc=125; return; }
		wait "$pid"
		rc=124
		return
	fi
	wait "$pid"
	rc=$?
}

alive() {
	out=$("$KTAP" --kernel -e 'print("alive")' 2>&1)
	[ "$out" = alive ] || echo "the module no longer runs scripts: $out"
}

if want safety; then
	# an endless loop under the default limits: stopped with an error
	run_bounded 120 "$T/o" "$T/e" "$KTAP" --kernel -e 'while (true) {}'
	if [ "$rc" = 1 ] && grep -q 'loop execution count exceeds' "$T/e"; then
		tap safety/endless_loop_default
	else
		tap safety/endless_loop_default "exit status $rc, stderr: $(head -c 200 "$T/e")"
	fi

	# memory budgets: a tiny one, then the module's default
	cat >"$T/oom.kp" <<-'EOF'
	var t = {}
	var i = 0
	while (true) {
		i += 1
		t[i] = "some string number " .. i
	}
	EOF
	run_bounded 120 "$T/o" "$T/e" "$KTAP" --kernel --max-mem 1M "$T/oom.kp"
	if [ "$rc" = 1 ] && grep -q 'out of memory' "$T/e"; then
		tap safety/mem_budget_1M "$(alive)"
	else
		tap safety/mem_budget_1M "exit status $rc, stderr: $(head -c 200 "$T/e")"
	fi
	mem_settle
	before=$(free_kb)
	run_bounded 300 "$T/o" "$T/e" "$KTAP" --kernel --max-loop 0 "$T/oom.kp"
	mem_settle
	after=$(free_kb)
	echo "# default budget: $before kB free before, $after kB after"
	# 4 MB: kernel page tables of the vmalloc area are kept after vfree
	# (512 kB for a 256 MB budget); a lost budget would be far more
	if [ "$rc" != 1 ] || ! grep -q 'out of memory' "$T/e"; then
		tap safety/mem_budget_default "exit status $rc, stderr: $(head -c 200 "$T/e")"
	elif [ $((before - after)) -gt 4096 ]; then
		tap safety/mem_budget_default "$((before - after)) kB less free memory after the run"
	else
		tap safety/mem_budget_default "$(alive)"
	fi

	# truncated and corrupted bytecode, straight to the module's LOAD
	kpcs=
	for c in closure_counter table_ctor_mixed agg_hist for_pairs_mixed \
		 trace_end_order; do
		if "$KTAP" -c "$T/$c.kpc" "tests/lang/$c.kp" 2>"$T/e"; then
			kpcs="$kpcs $T/$c.kpc"
		else
			tap "safety/compile_$c" "$(cat "$T/e")"
		fi
	done
	if [ ! -x "$KCLIENT" ]; then
		tap safety/truncated_bytecode "no $KCLIENT"
		tap safety/corrupted_bytecode "no $KCLIENT"
	else
		why=
		for f in $kpcs; do
			timeout 300 "$KCLIENT" truncate "$f" >"$T/o" 2>&1 ||
				why="$why $(cat "$T/o")"
			sed 's/^/# /' "$T/o"
		done
		tap safety/truncated_bytecode "$why"
		why=
		seed=1
		for f in $kpcs; do
			timeout 300 "$KCLIENT" corrupt "$f" 400 $seed >"$T/o" 2>&1 ||
				why="$why $(cat "$T/o")"
			sed 's/^/# /' "$T/o"
			seed=$((seed + 1))
		done
		[ -n "$why" ] || why=$(alive)
		tap safety/corrupted_bytecode "$why"
	fi
	# and through the command
	f=$T/closure_counter.kpc
	if [ -f "$f" ]; then
		head -c $(($(wc -c <"$f") / 2)) "$f" >"$T/half.kpc"
		run_bounded 60 "$T/o" "$T/e" "$KTAP" --kernel "$T/half.kpc"
		if [ "$rc" = 1 ] && grep -q 'invalid bytecode' "$T/e"; then
			tap safety/truncated_command
		else
			tap safety/truncated_command "exit status $rc, stderr: $(head -c 200 "$T/e")"
		fi
	fi

	# only CAP_SYS_ADMIN opens /dev/ktap
	if [ ! -x "$KCLIENT" ] || [ ! -c /dev/ktap ]; then
		tap safety/nonroot_open "no $KCLIENT or no /dev/ktap"
	else
		# refused: kclient open exits 1 (EPERM or EACCES)
		expect_refused() {
			name=$1
			shift
			out=$("$KCLIENT" open "$@" 2>&1)
			if [ $? = 1 ]; then
				echo "# $name: $out"
				tap "$name"
			else
				tap "$name" "$out"
			fi
		}
		expect_refused safety/nonroot_open nobody
		# past the file mode: the module itself must refuse
		mode=$(stat -c %a /dev/ktap)
		chmod 666 /dev/ktap
		expect_refused safety/nonroot_open_mode666 nobody
		chmod "$mode" /dev/ktap
		expect_refused safety/root_without_cap_sys_admin nocap
		run_bounded 60 "$T/o" "$T/e" "$KCLIENT" as-nobody "$KTAP" --kernel -e 'print(1)'
		if [ "$rc" != 0 ] && [ -s "$T/e" ] && ! grep -q 1 "$T/o"; then
			tap safety/nonroot_command
		else
			tap safety/nonroot_command "exit status $rc, stdout: $(head -c 100 "$T/o"), stderr: $(head -c 200 "$T/e")"
		fi
	fi

	# unloading while a session is open: refused, or safe
	if [ -n "$loaded" ] && [ -x "$KCLIENT" ] && [ -f "$T/closure_counter.kpc" ]; then
		"$KCLIENT" hold "$T/closure_counter.kpc" 4 >"$T/held" 2>&1 &
		hpid=$!
		i=0
		while ! grep -q held "$T/held" && [ "$i" -lt 50 ]; do
			sleep 0.2
			i=$((i + 1))
		done
		if rmmod ktapvm 2>"$T/e"; then
			echo "# rmmod with a session open succeeded"
			wait "$hpid"
			insmod "$KMOD" || loaded=
		else
			echo "# rmmod with a session open refused: $(cat "$T/e")"
			wait "$hpid"
		fi
		why=$(grep -v held "$T/held")
		[ -n "$why" ] || why=$(alive)
		tap safety/rmmod_with_session_open "$why"
	else
		tap safety/rmmod_with_session_open "no module loaded, or no kclient"
	fi
	took safety
fi

# -------------------------------------------- load/run/unload cycles
if want cycles; then
	cat >"$T/cycle.kp" <<-'EOF'
	var t = {}
	for (i = 1, 500) { t[i] = "cycle string " .. i }
	var h = {}
	for (i = 1, 500) { h[i % 17] += 1 }
	function f(n) { return function () { return n } }
	var g = f(3)
	print(len(t), g())
	EOF
	cycle() {
		insmod "$KMOD" 2>>"$T/cycle.err" &&
		"$KTAP" --kernel "$T/cycle.kp" >>"$T/cycle.out" 2>>"$T/cycle.err" &&
		rmmod ktapvm 2>>"$T/cycle.err"
	}
	cycles() {
		j=0
		while [ "$j" -lt "$1" ]; do
			cycle || { echo "cycle failed: $(tail -c 300 "$T/cycle.err")"; return 1; }
			j=$((j + 1))
		done
	}
	if [ -z "$loaded" ]; then
		tap cycles "no module loaded"
	elif ! rmmod ktapvm 2>"$T/e"; then
		tap cycles "rmmod: $(cat "$T/e")"
	else
		half=$((CYCLES / 2))
		why=$(cycles 5)
		mem_settle
		f0=$(free_kb) v0=$(meminfo VmallocUsed)
		slab_snapshot "$T/slab0"
		[ -n "$why" ] || why=$(cycles "$half")
		mem_settle
		f1=$(free_kb) v1=$(meminfo VmallocUsed)
		slab_snapshot "$T/slab1"
		[ -n "$why" ] || why=$(cycles "$((CYCLES - half))")
		mem_settle
		f2=$(free_kb) v2=$(meminfo VmallocUsed)
		slab_snapshot "$T/slab2"
		echo "# $CYCLES cycles: free $f0 -> $f1 -> $f2 kB, VmallocUsed $v0 -> $v1 -> $v2 kB"
		# Leak checks, each measured with the module unloaded.
		# - slab: a cache that gained at least 0.9 objects per cycle
		#   in each half (a leaked kmalloc grows steadily; noise does
		#   not);
		# - vmalloc (module images, session arenas, output rings):
		#   256 kB, 16 kernel stacks of slack, while leaking one page a
		#   cycle would be 800 kB;
		# - free memory: 2 MB, 10 kB a cycle; measured noise was under
		#   100 kB for 200 cycles, and a lost session heap or module
		#   is tens of kB and up per cycle.
		leaks=$(join "$T/slab0" "$T/slab1" | join - "$T/slab2" |
			awk -v h1="$half" -v h2="$((CYCLES - half))" '
			{ d1 = $4 - $2; d2 = $6 - $4
			  if (d1 >= 0.9 * h1 && d2 >= 0.9 * h2)
				printf "%s +%d +%d objects (%d bytes); ", $1, d1, d2, $3 }')
		[ -z "$leaks" ] || echo "# slab growth: $leaks"
		if [ -n "$why" ]; then
			tap cycles "$why"
		elif [ "$(sort -u "$T/cycle.out")" != "500	3" ]; then
			tap cycles "unexpected output: $(sort -u "$T/cycle.out" | head -3)"
		elif [ -n "$leaks" ]; then
			tap cycles "slab caches grow with every cycle: $leaks"
		elif [ $((v2 - v0)) -gt 256 ]; then
			tap cycles "VmallocUsed grew by $((v2 - v0)) kB in $CYCLES cycles"
		elif [ $((f0 - f2)) -gt 2048 ]; then
			tap cycles "$((f0 - f2)) kB less free memory after $CYCLES cycles"
		else
			tap cycles
		fi
		insmod "$KMOD" 2>/dev/null
	fi
	took cycles
fi

# ------------------------------------------------ live tracing, userspace
# The ktap command tracing this kernel from userspace (cmd/live.c,
# cmd/probes.c) where the host's kernel cannot: kprobes, kretprobes,
# `ktap record` (trace-cmd record) and trace-cmd stream with the plugin.
# --user: with /dev/ktap the command defaults to the kernel VM (the
# kprobes step below tests that).  Before the loops step: a CPU left spinning
# there would spoil these.  Expected values come from elsewhere: strace's
# view of the same command, the ABI (AT_FDCWD, ENOENT), trace-cmd report.
if want live; then
	TR=/sys/kernel/tracing
	# ktap's instances and dynamic events still in tracefs
	live_left() {
		ls "$TR/instances" 2>/dev/null | grep '^ktap-'
		cat "$TR/kprobe_events" "$TR/uprobe_events" 2>/dev/null |
			grep '^[pr]:ktap_'
	}
	# ktap_user ARGS...: a live run, 60 s at most; $T/o, $T/e, $rc
	ktap_user() {
		run_bounded 60 "$T/o" "$T/e" "$KTAP" --user "$@"
	}
	# lap WHAT: how long since the last lap (a comment line)
	lap_t=$(date +%s)
	lap() {
		echo "# live: $1 $(($(date +%s) - lap_t)) s"
		lap_t=$(date +%s)
	}
	got() { printf '%s, stdout: %s, stderr: %s' "status $rc" \
		"$(head -c 150 "$T/o" | tr '\n' '|')" "$(head -c 200 "$T/e")"; }
	# strace_ OUT CMD...: strace CMD's open and exec calls into OUT (only
	# those stop the command: --seccomp-bpf); fails without strace
	strace_() {
		command -v strace >/dev/null || return 1
		o_=$1
		shift
		set -- -f -qq -e trace=open,openat,openat2,creat,execve -o "$o_" "$@"
		timeout 60 strace --seccomp-bpf "$@" >/dev/null 2>&1 </dev/null ||
			[ -s "$o_" ] ||
			timeout 60 strace "$@" >/dev/null 2>&1 </dev/null
		[ -s "$o_" ]
	}
	# opens STRACE_OUT: what the open calls returned, sorted, errors as
	# -ERRNO
	opens() {
		grep -v execve "$1" |
		sed -n 's/.*) = \(-1 [A-Z]*\|[0-9]*\).*/\1/p' |
		sed -e 's/^-1 EPERM$/-1/' -e 's/^-1 ENOENT$/-2/' \
		    -e 's/^-1 ENXIO$/-6/' -e 's/^-1 EACCES$/-13/' \
		    -e 's/^-1 ENOTDIR$/-20/' -e 's/^-1 EISDIR$/-21/' \
		    -e 's/^-1 ELOOP$/-40/' | sort -n
	}
	# what strace sees of the workloads (empty files without strace)
	: >"$T/s.sh" >"$T/s.host" >"$T/s.missing"
	strace_ "$T/s.sh" sh -c '/bin/true; /bin/true'
	strace_ "$T/s.host" cat /etc/hostname
	strace_ "$T/s.missing" cat /nonexistent/ktap-missing
	lap strace

	# 1. a tracepoint: the command's execs, its own included (sh and two
	# true: 3; strace counts the execve calls that succeeded)
	expect=3
	[ ! -s "$T/s.sh" ] || expect=$(grep -c 'execve(.*) = 0$' "$T/s.sh")
	ktap_user -q -e 'var n = 0 trace sched:sched_process_exec { n += 1 }
		trace_end { print("execs", n) }' -- sh -c '/bin/true; /bin/true'
	if [ "$rc" != 0 ] || [ "$(cat "$T/o")" != "execs	$expect" ]; then
		tap live_tracepoint "expected $expect execs; $(got)"
	else
		tap live_tracepoint "$(live_left | tr '\n' ' ')"
	fi
	lap tracepoint

	# 2. a kprobe with fetchargs: every open call of cat (as many as
	# strace sees), the file it names among them with dfd AT_FDCWD
	# (-100); the probe and the instance gone afterwards
	ktap_user -q -e 'var n = 0
		trace probe:do_sys_openat2 dfd=%di:s32 fn=+0(%si):ustring {
			n += 1
			if ($fn == "/etc/hostname") { print("opened", $dfd, $fn) }
		}
		trace_end { print("calls", n) }' -- cat /etc/hostname
	calls=$(sed -n 's/^calls	//p' "$T/o")
	expect=$(opens "$T/s.host" | wc -l)
	if [ "$rc" != 0 ] || ! grep -qx 'opened	-100	/etc/hostname' "$T/o"; then
		tap live_kprobe "no 'opened -100 /etc/hostname' line; $(got)"
	elif ! [ "${calls:-0}" -gt 0 ] 2>/dev/null ||
	     { [ "$expect" != 0 ] && [ "$calls" != "$expect" ]; }; then
		tap live_kprobe "$calls calls of do_sys_openat2, strace saw $expect opens"
	else
		tap live_kprobe "$(live_left | tr '\n' ' ')"
	fi
	lap kprobe

	# 3. a kretprobe: $retval of every open, as strace sees them return:
	# fds (3), -2 (ENOENT) for the missing file and locale files
	for f in host missing; do
		if [ $f = host ]; then
			name=live_kretprobe want=3 file=/etc/hostname
		else
			name=live_kretprobe_error want=-2 file=/nonexistent/ktap-missing
		fi
		ktap_user -q -e 'trace probe:do_sys_openat2%return { print("ret", $retval) }' \
			-- cat "$file"
		sed -n 's/^ret	//p' "$T/o" | sort -n >"$T/rets"
		opens "$T/s.$f" >"$T/srets"
		# cat fails on the missing file: ktap's status stays 0
		if [ "$rc" != 0 ] || ! grep -qx -- "$want" "$T/rets"; then
			tap "$name" "no \$retval $want; $(got)"
		elif [ -s "$T/srets" ] && ! cmp -s "$T/rets" "$T/srets"; then
			tap "$name" "ktap's \$retvals (count value) $(uniq -c "$T/rets" | tr -s ' \n' ' '), strace's $(uniq -c "$T/srets" | tr -s ' \n' ' ')"
		else
			tap "$name" "$(live_left | tr '\n' ' ')"
		fi
		lap "kretprobe $f"
	done

	# 4. a kprobe on a function the kernel does not have: status 1, a
	# message naming it, nothing left behind
	ktap_user -e 'trace probe:no_such_function_xyz { }' -- /bin/true
	echo "# missing function: $(head -c 300 "$T/e")"
	echo "# error_log: $(grep 'error:' "$TR/error_log" | tail -1)"
	if [ "$rc" != 1 ] || ! grep -q 'no_such_function_xyz' "$T/e"; then
		tap live_kprobe_missing "$(got)"
	else
		tap live_kprobe_missing "$(live_left | tr '\n' ' ')"
	fi
	lap kprobe_missing

	# 5. SIGKILL leaves ktap-PID and the kprobes of ktap_PID; the next
	# run removes them (when its own run ends)
	"$KTAP" --user -q -e 'trace probe:vfs_read { }' >"$T/o" 2>"$T/e" </dev/null &
	k=$!
	i=0
	while ! grep -q "^p:ktap_$k/vfs_read " "$TR/kprobe_events" &&
	      kill -0 "$k" 2>/dev/null && [ "$i" -lt 150 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	kill -KILL "$k" 2>/dev/null
	wait "$k" 2>/dev/null
	probe=$(grep -c "^p:ktap_$k/" "$TR/kprobe_events")
	inst=no
	[ ! -d "$TR/instances/ktap-$k" ] || inst=yes
	ktap_user -q -e 'trace sched:sched_process_exec { }' -- cat "$TR/kprobe_events"
	echo "# stale ktap_$k during the next run: $(grep -c "^p:ktap_$k/" "$T/o") probe(s)"
	if [ "$probe" = 0 ] || [ "$inst" = no ]; then
		tap live_sigkill_kprobe "after SIGKILL: $probe probe(s) of ktap_$k, instance ktap-$k: $inst; stderr: $(head -c 200 "$T/e")"
	elif [ "$rc" != 0 ]; then
		tap live_sigkill_kprobe "the next run: $(got)"
	elif grep -q "^p:ktap_$k/" "$TR/kprobe_events" || [ -d "$TR/instances/ktap-$k" ]; then
		tap live_sigkill_kprobe "left after the next run: $(live_left | tr '\n' ' ')"
	else
		tap live_sigkill_kprobe "$(live_left | tr '\n' ' ')"
	fi
	lap sigkill_kprobe

	# 6. ktap record (trace-cmd record), read back with -i
	run_bounded 120 "$T/o" "$T/e" "$KTAP" record -o "$T/x.dat" \
		-e 'trace sched:sched_process_exec { }' -- sh -c '/bin/true'
	if [ "$rc" != 0 ] || [ ! -s "$T/x.dat" ]; then
		tap live_record "ktap record: $(got)"
	else
		ktap_user -q -i "$T/x.dat" -e 'trace sched:sched_process_exec { print($filename) }'
		if [ "$rc" != 0 ] || ! grep -qx /bin/true "$T/o"; then
			tap live_record "ktap -i: $(got)"
		else
			tap live_record "$(live_left | tr '\n' ' ')"
		fi
	fi
	lap record
	# a kprobe: there while trace-cmd records (the command looks), gone
	# after; trace-cmd report finds its events in the file, and the
	# same script reads them back with -i
	kp='trace probe:do_sys_openat2 fn=+0(%si):ustring'
	run_bounded 120 "$T/o" "$T/e" "$KTAP" record -o "$T/k.dat" -e "$kp { }" \
		-- sh -c "cat $TR/kprobe_events >$T/during; cat /etc/hostname"
	if [ "$rc" != 0 ] || [ ! -s "$T/k.dat" ]; then
		tap live_record_kprobe "ktap record: $(got)"
	elif ! grep -q '^p:ktap_[0-9]*/do_sys_openat2 do_sys_openat2 fn=' "$T/during"; then
		tap live_record_kprobe "kprobe_events while recording: $(cat "$T/during" | tr '\n' '|')"
	elif [ -n "$(live_left)" ]; then
		tap live_record_kprobe "left after the recording: $(live_left | tr '\n' ' ')"
	elif ! timeout 60 trace-cmd report -i "$T/k.dat" 2>&1 |
	     grep -q 'do_sys_openat2: .* fn="/etc/hostname"'; then
		tap live_record_kprobe "trace-cmd report finds no open of /etc/hostname in the recording"
	else
		tap live_record_kprobe
	fi
	lap record_kprobe
	ktap_user -q -i "$T/k.dat" -e "$kp { print(\$fn) }"
	if [ "$rc" = 0 ] && grep -qx /etc/hostname "$T/o"; then
		tap live_record_kprobe_readback
	else
		why=$(got)
		ktap_user -q -i "$T/k.dat" -e 'trace ktap_*:do_sys_openat2 { print($fn) }'
		tap live_record_kprobe_readback "the recording's script over it: $why (trace ktap_*:do_sys_openat2 reads $(grep -c . "$T/o") events)"
	fi
	lap record_kprobe_readback

	# the function tracer of the run's instance, limited by the filter;
	# ftrace's own count of the same (the host kernel refuses it)
	ktap_user -q -e 'var n = 0 trace ftrace:function /ip==vfs_read/ { n += 1 }
		trace_end { print("reads", n > 0) }' -- cat /etc/hostname
	if [ "$rc" = 0 ] && grep -q '^reads	true$' "$T/o" &&
	   [ -z "$(live_left)" ] && [ "$(cat "$TR/current_tracer")" = nop ]; then
		tap live_function
	else
		tap live_function "$(got); left: $(live_left | tr '\n' ' ')"
	fi
	lap function

	# 7. trace-cmd stream with the plugin: the script's output in the
	# stream (trace-cmd 3.1.6 needed a second SIGINT to stop)
	printf '%s\n' 'print("KTAP-TOP")' \
		'trace sched:sched_process_exec { print("KTAP-EXEC", $filename) }' >"$T/s.kp"
	if ! command -v trace-cmd >/dev/null; then
		tap_skip live_stream "no trace-cmd"
	elif [ ! -f "$BUILD/plugins/trace-cmd/plugin_ktap.so" ]; then
		tap live_stream "no $BUILD/plugins/trace-cmd/plugin_ktap.so"
	else
		# stream's -O sets ftrace options: the plugin reads KTAP_SCRIPT
		KTAP_SCRIPT=$T/s.kp TRACEEVENT_PLUGIN_DIR=$BUILD/plugins/trace-cmd \
			stdbuf -oL trace-cmd stream -e sched:sched_process_exec \
			>"$T/so" 2>"$T/se" </dev/null &
		sp=$!
		i=0
		while ! grep -q 'Hit Ctrl' "$T/so" && kill -0 "$sp" 2>/dev/null &&
		      [ "$i" -lt 300 ]; do
			sleep 0.2
			i=$((i + 1))
		done
		kids=$(pgrep -P "$sp")
		sh -c '/bin/true'
		sleep 1
		# SIGINT, 2 s; SIGINT, 8 s; SIGKILL to it and its recorders
		# (those still trace-cmd: their pids may be reused)
		kill_recorders() {
			for p in $kids; do
				[ "$(cat "/proc/$p/comm" 2>/dev/null)" != trace-cmd ] ||
					kill -KILL "$p" 2>/dev/null
			done
		}
		stop=
		for s in INT:10 INT:40 KILL:25; do
			kill -0 "$sp" 2>/dev/null || break
			stop="$stop ${s%:*}"
			kill -"${s%:*}" "$sp" 2>/dev/null
			[ "${s%:*}" != KILL ] || kill_recorders
			i=0
			while kill -0 "$sp" 2>/dev/null && [ "$i" -lt "${s#*:}" ]; do
				sleep 0.2
				i=$((i + 1))
			done
		done
		wait "$sp" 2>/dev/null
		kill_recorders
		echo 0 >"$TR/events/sched/sched_process_exec/enable"
		lap "stream (signals:$stop)"
		if grep -q 'KTAP-EXEC	/bin/true' "$T/so"; then
			tap live_stream "$(grep -q KTAP-TOP "$T/so" || echo "no top-level output")"
		else
			tap live_stream "signals:$stop; stdout: $(head -c 200 "$T/so" | tr '\n' '|') stderr: $(head -c 200 "$T/se")"
		fi
	fi
	took live
fi

# ------------------------------------------ probes in the kernel VM
# The same command without --user: the probes attach inside ktapvm.ko
# (kmod/kattach.c), perf kernel counters on the tracefs events the command
# resolved and made, handlers run in the events' context.  The kernel log
# step after this one must stay clean.
if want kprobes; then
	TR=/sys/kernel/tracing
	STRESS=${KTAP_GUEST_STRESS:-60}
	kvm() {
		run_bounded 90 "$T/o" "$T/e" "$KTAP" "$@"
	}
	kgot() { printf '%s, stdout: %s, stderr: %s' "status $rc" \
		"$(head -c 150 "$T/o" | tr '\n' '|')" "$(head -c 200 "$T/e")"; }
	kleft() {
		ls "$TR/instances" 2>/dev/null | grep '^ktap-'
		cat "$TR/kprobe_events" "$TR/uprobe_events" 2>/dev/null |
			grep '^[pr]:ktap_'
	}

	kvm -q -e 'var n = 0 trace sched:sched_process_exec { n += 1 }
		trace_end { print("execs", n) }' -- sh -c '/bin/true; /bin/true'
	[ "$rc" = 0 ] && [ "$(cat "$T/o")" = "execs	3" ]
	tap kvm_tracepoint "$([ $? = 0 ] || kgot)"

	kvm -q -e 'trace sched:sched_process_exec { print(execname, $filename) }' \
		-- sh -c '/bin/true'
	grep -q '^true	/bin/true$' "$T/o"
	tap kvm_fields "$([ $? = 0 ] || kgot)"

	# (a negative 32-bit field: AT_FDCWD is -100, not 4294967196)
	kvm -q -e 'var n = 0 trace probe:do_sys_openat2 dfd=%di:s32 {
			if ($dfd == -100) { n += 1 } }
		trace_end { print("opens", n > 0) }' -- cat /etc/hostname
	grep -q '^opens	true$' "$T/o" && [ -z "$(kleft)" ]
	tap kvm_kprobe "$([ $? = 0 ] || echo "$(kgot), left: $(kleft)")"

	kvm -q -e 'var e = 0 trace probe:do_sys_openat2%return { if ($retval == -2) { e += 1 } }
		trace_end { print("enoent", e > 0) }' -- cat /nonexistent/ktap
	grep -q '^enoent	true$' "$T/o"
	tap kvm_kretprobe "$([ $? = 0 ] || kgot)"

	kvm -q -e 'var n = 0 tick-200ms { n += 1 if (n == 3) { exit(4) } }
		trace_end { print("ticks", n) }'
	[ "$rc" = 4 ] && [ "$(cat "$T/o")" = "ticks	3" ]
	tap kvm_tick_exit "$([ $? = 0 ] || kgot)"

	kvm -q -e 'var n = 0 profile-1ms { n += 1 } trace_end { print(n > 0) }' \
		-- sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done'
	[ "$(cat "$T/o")" = true ]
	tap kvm_profile "$([ $? = 0 ] || kgot)"

	kvm -q -e 'trace sched:sched_switch { var f = nil f() }
		trace_end { print("end ran") }' -- sleep 0.5
	[ "$rc" = 1 ] && grep -q 'attempt to call a nil value' "$T/e" &&
		[ "$(cat "$T/o")" = "end ran" ]
	tap kvm_handler_error "$([ $? = 0 ] || kgot)"

	signal_after 2 TERM "$T/o" "$T/e" "$KTAP" -q -e 'var n = 0
		trace sched:sched_switch { n += 1 } trace_end { print(n > 0) }'
	[ "$rc" = 0 ] && [ "$(cat "$T/o")" = true ]
	tap kvm_sigint "$([ $? = 0 ] || kgot)"

	# argstr in the kernel as in userspace (numbers aside: pids,
	# addresses); kprobe events are refused, not printed differently
	as='trace sched:sched_process_exec, syscalls:sys_enter_openat,
		syscalls:sys_exit_openat, syscalls:sys_enter_getppid {
		print(probename, argstr) }'
	norm() { grep -E '^(sched|syscalls):' "$1" | sed -E 's/0x[0-9a-f]+/H/g; s/[0-9]+/N/g'; }
	kvm -q --user -e "$as" -- cat /etc/hostname
	norm "$T/o" >"$T/argstr.user"
	kvm -q -e "$as" -- cat /etc/hostname
	norm "$T/o" >"$T/argstr.kernel"
	if [ "$rc" = 0 ] && grep -q 'sys_enter_openat	dfd: H, filename: H' "$T/argstr.kernel" &&
	   cmp -s "$T/argstr.user" "$T/argstr.kernel"; then
		kvm -q -e 'trace probe:do_sys_openat2 { print(argstr) }' -- cat /etc/hostname
		[ "$rc" = 1 ] && grep -q "cannot format event 'probe:do_sys_openat2'" "$T/e"
		tap kvm_argstr "$([ $? = 0 ] || echo "kprobe: $(kgot)")"
	else
		tap kvm_argstr "status $rc; user: $(head -c 300 "$T/argstr.user" | tr '\n' '|') kernel: $(head -c 300 "$T/argstr.kernel" | tr '\n' '|') $(head -c 200 "$T/e")"
	fi

	# stack(): the event's kernel stack, from its own code outwards
	# (none of the module's or perf's frames); ustack() is refused
	kvm -q -e 'var s = {} trace sched:sched_switch { s[stack()] += 1 }
		tick-1s { exit() } trace_end { for (k, v in pairs(s)) { print(k) } }'
	why=
	grep -q ';__schedule$' "$T/o" && ! grep -qv ';__schedule$' "$T/o" ||
		why="sched_switch: not every stack ends in __schedule"
	! grep -q 'kv_fire\|perf_swevent\|perf_tp_event' "$T/o" ||
		why="$why; the module's or perf's own frames"
	cp "$T/o" "$T/stacks"
	kvm -q -e 'trace probe:do_sys_openat2 { print(stack()) print(stack(2)) exit() }' \
		-- cat /etc/hostname
	grep -q ';do_sys_openat2$' "$T/o" &&
		grep -qx '[^;]*;do_sys_openat2' "$T/o" || why="$why; kprobe: $(kgot)"
	kvm -q -e 'trace sched:sched_switch { print(ustack()) }'
	[ "$rc" = 2 ] && grep -q 'ustack() is not available in the kernel VM' "$T/e" ||
		why="$why; ustack: $(kgot)"
	tap kvm_stack "${why:+$why; sched_switch stacks: $(head -c 300 "$T/stacks" | tr '\n' '|')}"

	# t[k] += n and t[k] <<< v run on each CPU without the VM, merged
	# before anything reads the tables: exact counts, a tick sees them,
	# a merge's error stops the run like a handler's; common fields
	LOOP=$BUILD/tests/loop
	kvm -q -v -e 'var s = {} trace syscalls:sys_enter_getppid { s[execname] += 1 }
		trace_end { print(s["loop"]) }' -- "$LOOP" 100000
	why=
	grep -qx 100000 "$T/o" && grep -q '100000 events ran a probe, 100000 of them table updates' "$T/e" ||
		why="count: $(kgot)"
	kvm -q -v -e 'var h = {} trace syscalls:sys_exit_getppid { h[probename] <<< $ret }
		trace_end { print(h["syscalls:sys_exit_getppid"]) }' -- "$LOOP" 1000
	grep -q '^count=1000 sum=[0-9]* min=\([0-9]*\) max=\1 avg=\1$' "$T/o" &&
		grep -q '1000 events ran a probe, 1000 of them' "$T/e" || why="$why; <<<: $(kgot)"
	kvm -q -e 'var s = {} var t = 0 trace syscalls:sys_enter_getppid { s[execname] += 1 }
		tick-100ms { t += 1 if (t == 2) { print("tick", s["loop"] > 0) } }
		trace_end { print(s["loop"]) }' -- "$LOOP" 300000
	# (the loop prints its seconds)
	[ "$(grep -v '^[0-9]*\.[0-9]*$' "$T/o" | tr '\n' ' ')" = "tick	true 300000 " ] ||
		why="$why; tick: $(kgot)"
	kvm -q -e 'var s = {} trace syscalls:sys_enter_getppid { s[execname] += 1 }
		tick-100ms { s = nil }' -- "$LOOP" 300000
	[ "$rc" = 1 ] && grep -q 'attempt to index a nil value' "$T/e" || why="$why; merge error: $(kgot)"
	# a key per event: a CPU's table fills up, the VM takes the event
	# after merging, and nothing is lost
	kvm -q -v -e 'var s = {} trace syscalls:sys_enter_getppid { s[timestamp] += 1 }
		trace_end { var n = 0 for (k, v in pairs(s)) { n += v } print(n, len(s) > 900) }' \
		-- "$LOOP" 1000
	grep -qx '1000	true' "$T/o" && grep -q '1000 events ran a probe, [0-9]* of them' "$T/e" &&
		! grep -q '1000 events ran a probe, 1000 of them' "$T/e" || why="$why; full table: $(kgot)"
	kvm -q -e 'var s = {} trace syscalls:sys_enter_getppid /common_pid > 1/ { s[$common_pid] += 2 }
		trace_end { for (k, v in pairs(s)) { print(v) } }' -- "$LOOP" 1000
	grep -qx 2000 "$T/o" || why="$why; common fields: $(kgot)"
	tap kvm_percpu "$why"

	# uprobes and USDT made in tracefs by the command, run in the kernel
	SDT=$BUILD/tests/sdtprog
	if [ -x "$SDT" ]; then
		kvm -q -e "var n = 0 trace probe:$SDT:ktaptest_work i=%di:s32 { n += \$i }
			trace_end { print(n) }" -- "$SDT" 5
		[ "$rc" = 0 ] && [ "$(grep -v sdtprog "$T/o")" = 10 ]
		tap kvm_uprobe "$([ $? = 0 ] || kgot)"
		kvm -q -e "var s = 0 trace sdt:$SDT:tick { s += arg1 }
			trace_end { print(s) }" -- "$SDT" 5
		[ "$rc" = 0 ] && [ "$(grep -v sdtprog "$T/o")" = 10 ]
		tap kvm_usdt "$([ $? = 0 ] || kgot)"
	else
		tap kvm_uprobe "no $SDT (make builds it)"
		tap kvm_usdt "no $SDT (make builds it)"
	fi

	# -C: only that CPU's events
	kvm -q -C 1 -e 'var c = {} trace sched:sched_switch { c[cpu] += 1 }
		tick-1s { exit() } trace_end { for (k, v in pairs(c)) { print(k) } }'
	[ "$rc" = 0 ] && [ "$(cat "$T/o")" = 1 ]
	tap kvm_cpu "$([ $? = 0 ] || kgot)"

	# -p: only that process's events (the shell's own opens), and the
	# run ends when it does
	( while :; do read -r x </etc/hostname; done ) &
	p=$!
	( sleep 3; kill "$p" ) &
	kvm -q -p "$p" -e 'var mine = 0 var other = 0
		trace syscalls:sys_enter_openat {
			if (pid == arg[1]) { mine += 1 } else { other += 1 } }
		trace_end { print(mine > 0, other) }' "$p"
	wait
	[ "$rc" = 0 ] && [ "$(cat "$T/o")" = "true	0" ]
	tap kvm_pid "$([ $? = 0 ] || kgot)"

	# --ftrace: the output also as ktap:print events, a line each, from
	# the top level, a tracepoint's handler, a timer, trace_end; recorded
	# by trace-cmd beside the kernel's events
	printf '%s\n' 'var t = 0 print("KTAP-TOP")' \
		'trace sched:sched_process_exec { print("KTAP-EXEC", $filename) }' \
		'tick-100ms { t += 1 if (t == 1) { print("KTAP-TICK") } }' \
		'trace_end { print("KTAP-END") }' >"$T/ft.kp"
	ft_lines() {
		for l in 'KTAP-TOP' 'KTAP-EXEC	/bin/true' KTAP-TICK KTAP-END; do
			grep -q "$1$l\$" "$2" || echo "no '$l'"
		done
	}
	if ! command -v trace-cmd >/dev/null; then
		tap_skip kvm_ftrace_trace_cmd "no trace-cmd"
	else
		run_bounded 120 "$T/o" "$T/e" trace-cmd record -q -o "$T/ft.dat" \
			-e ktap:print -e sched:sched_process_exec \
			"$KTAP" -q --ftrace "$T/ft.kp" -- sh -c '/bin/true; sleep 0.5'
		timeout 60 trace-cmd report -i "$T/ft.dat" >"$T/r" 2>&1
		why=$(ft_lines '.* print: *' "$T/r"; ft_lines '' "$T/o")
		# the handler's line follows the event that made it
		awk '/sched_process_exec:.*filename=\/bin\/true/ { e = NR }
		     /print: *KTAP-EXEC\t\/bin\/true$/ { p = NR }
		     END { exit !(e && p > e) }' "$T/r" ||
			why="$why; KTAP-EXEC /bin/true is not after its exec"
		tap kvm_ftrace_trace_cmd "${why:+$why: $(kgot), report: $(grep -m3 'print:' "$T/r" | tr '\n' '|')}"
	fi
	PERF=$(command -v perf || echo "$BUILD/perf/perf")
	if ! "$PERF" version >/dev/null 2>&1; then
		tap_skip kvm_ftrace_only_perf "no perf"
	else
		# --ftrace-only: nothing on stdout, everything in perf's file
		run_bounded 120 "$T/o" "$T/e" "$PERF" record -q -o "$T/p.data" \
			-e ktap:print -a -- \
			"$KTAP" -q --ftrace-only "$T/ft.kp" -- sh -c '/bin/true; sleep 0.5'
		timeout 60 "$PERF" script -i "$T/p.data" >"$T/r" 2>&1
		why=$(ft_lines '.*ktap:print: *' "$T/r")
		! grep -q KTAP "$T/o" || why="$why; output on stdout"
		tap kvm_ftrace_only_perf "${why:+$why: $(kgot), script: $(grep -m3 'print:' "$T/r" | tr '\n' '|')}"
	fi

	# both CPUs busy, events from every context, for STRESS seconds
	( end=$(($(date +%s) + STRESS)); while [ "$(date +%s)" -lt "$end" ]; do
		ls / >/dev/null; done ) &
	b1=$!
	( end=$(($(date +%s) + STRESS)); while [ "$(date +%s)" -lt "$end" ]; do
		cat /proc/stat >/dev/null; done ) &
	b2=$!
	run_bounded $((STRESS + 120)) "$T/o" "$T/e" "$KTAP" -q -e "var s = {}
		trace sched:sched_switch, syscalls:sys_enter_* { s[probename] += 1 }
		tick-${STRESS}s { exit() } trace_end { print(\"keys\", len(s) > 3) }"
	wait "$b1" "$b2"
	[ "$rc" = 0 ] && [ "$(cat "$T/o")" = "keys	true" ]
	tap kvm_stress "$([ $? = 0 ] || echo "$STRESS s: $(kgot)")"
	tap kvm_cleanup "$(kleft | tr '\n' ' ')"

	# the samples that need kprobes, which the development machines lack
	echo ktap >"$T/kfile"
	run_bounded 90 "$T/o" "$T/e" "$KTAP" --user -q \
		"$SAMPLES/kopensnoop.kp" -- cat "$T/kfile"
	awk -v f="$T/kfile" '$2 == "cat" && $3 >= 0 && $NF == f { ok = 1 }
		END { exit !ok }' "$T/o"
	tap sample_kopensnoop "$([ $? = 0 ] || kgot)"
	run_bounded 90 "$T/o" "$T/e" "$KTAP" --user -q \
		"$SAMPLES/vfsreadlat.kp" -- cat "$T/kfile"
	awk '/^vfs_read: / && $2 > 0 && $4 >= 6 { n = 1 } $1 == "cat" { c = 1 }
		END { exit !(n && c) }' "$T/o"
	tap sample_vfsreadlat "$([ $? = 0 ] || kgot)"
	took kprobes
fi

# ------------------------------------------- loops without a loop limit
# Last: a module that cannot stop one leaves a CPU spinning in the kernel
# for good (and the session holding the module), which would spoil the
# cases after it.  SIGKILL first; after an unkillable one, SIGTERM is not
# tried (it would take the other CPU too).  SIGTERM stands for Ctrl-C:
# a background job of a non-interactive shell starts with SIGINT ignored
# (POSIX), and a program keeps an inherited SIG_IGN.
if want loops; then
	stuck=
	for sig in KILL TERM; do
		if [ -n "$stuck" ]; then
			tap "safety/endless_loop_sig$sig" "not tried: the SIG$stuck case left a CPU spinning"
			continue
		fi
		signal_after 3 $sig "$T/o" "$T/e" "$KTAP" --kernel --max-loop 0 \
			-e 'while (true) {}'
		why=
		case $rc in
		0) why="exit status 0 after SIG$sig" ;;
		124) why="still running 15 s after SIG$sig (then SIGKILL ended it)" ;;
		125) why="unkillable: still running after SIG$sig and SIGKILL"; stuck=$sig ;;
		esac
		[ -n "$why" ] || why=$(alive)
		tap "safety/endless_loop_sig$sig" "$why"
	done
	took loops
fi

# ------------------------------------------- unloading after all of it
# every session is closed: the module goes, and its ktap: events with it
if want unload; then
	if [ -n "${stuck:-}" ]; then
		tap_skip unload "a loop left a CPU spinning in a session"
	elif ! lsmod | grep -q '^ktapvm '; then
		tap unload "the module is not loaded"
	elif ! rmmod ktapvm 2>"$T/e"; then
		tap unload "rmmod: $(cat "$T/e")"
	else
		left=
		[ ! -e /dev/ktap ] || left="/dev/ktap"
		[ ! -d /sys/kernel/tracing/events/ktap ] || left="$left events/ktap"
		tap unload "${left:+still there: $left}"
	fi
fi

# ------------------------------------------------------- the kernel log
if want dmesg; then
	bad=$(dmesg | grep -E 'BUG|WARNING|Oops|leak|general protection|Call Trace' | head -5)
	tap dmesg_clean "$bad"
fi

echo "1..$N"
rm -rf "$T"

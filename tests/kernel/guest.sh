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
# without leaked memory; and the kernel log.  Knobs (environment):
# KTAP_GUEST_JOBS (parallel language runners, default 2),
# KTAP_GUEST_CYCLES (200), KTAP_GUEST_ONLY (a grep -E pattern: run only
# the steps whose names match: insmod, lang, safety, cycles, loops,
# dmesg).

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

# ------------------------------------------------------- the kernel log
if want dmesg; then
	bad=$(dmesg | grep -E 'BUG|WARNING|Oops|leak|general protection|Call Trace' | head -5)
	tap dmesg_clean "$bad"
fi

echo "1..$N"
rm -rf "$T"

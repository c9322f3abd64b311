# SPDX-License-Identifier: GPL-2.0
#
# bench/tracers.sh - sourced by the tracing benchmarks (bench/live,
# bench/kernel): run the getppid loop ($LOOP, $CALLS calls) under a
# tracer that prints "ready" once attached and its count at the end
# ("counted N", or bpftrace's "@[loop]: N").  Needs TMP (a scratch
# folder) and a note() that reports.

min() {
	awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'
}

# CPU seconds (user + system) a process has used so far
cpu_of() {
	awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' \
		"/proc/$1/stat" 2>/dev/null || echo 0
}

# start_tracer NAME CMD...: run a tracer in the background until it
# prints "ready" (its probes are attached); sets TPID
start_tracer() {
	local name=$1 i
	shift
	"$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	TPID=$!
	for i in $(seq 1200); do
		grep -q ready "$TMP/$name.out" && return 0
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.05
	done
	note "$name did not start: $(head -c 300 "$TMP/$name.err")"
	kill "$TPID" 2>/dev/null
	return 1
}

# traced NAME CMD...: one loop under a tracer; sets LOOP_S, CPU_S, COUNTED
traced() {
	local name=$1 c0
	shift
	LOOP_S= CPU_S= COUNTED=
	start_tracer "$name" "$@" || return 1
	c0=$(cpu_of "$TPID")
	LOOP_S=$("$LOOP" "$CALLS")
	sleep 0.2	# let the reader catch up before its CPU time is read
	CPU_S=$(awk -v a="$(cpu_of "$TPID")" -v b="$c0" 'BEGIN { print a - b }')
	kill -INT "$TPID"
	wait "$TPID"
	COUNTED=$(sed -n -e 's/^counted[[:space:]]*//p' \
		-e 's/^@\[loop\]: //p' "$TMP/$name.out")
	if grep -qi "lost" "$TMP/$name.err"; then
		note "$name: $(grep -i lost "$TMP/$name.err")"
	fi
}

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/run.sh KTAP -- run the same programs under ktap, lua5.4 and
# luajit -joff (interpreter only), side by side, and print a table of
# wall times (best of BENCH_RUNS runs) and ratios.
#
#   bench/run.sh build/ktap            (what `make bench` runs)
#   BENCH_RUNS=5 bench/run.sh build/ktap
#   BENCH_PROGRAMS="fib loop" bench/run.sh build/ktap
#   BENCH_STRICT=1 bench/run.sh build/ktap   (also fail if ktap/lua5.4 > 1.0)
#
# Every program prints its result; ktap's output must be identical to
# lua5.4's (and luajit's), otherwise the script says so loudly and exits 1.
# Runs are interleaved (ktap, lua5.4, luajit, ktap, ...) so that the three
# tools see the same machine conditions.

set -u

PROGRAMS=${BENCH_PROGRAMS:-"fib loop table_int table_str strings"}
RUNS=${BENCH_RUNS:-3}
STRICT=${BENCH_STRICT:-0}
LUA=${LUA:-lua5.4}
LUAJIT=${LUAJIT:-luajit}

die() {
	echo "bench: error: $*" >&2
	exit 2
}

[ $# -eq 1 ] || die "usage: $0 KTAP   (e.g. $0 build/ktap)"
KTAP=$1

BENCH_DIR=$(cd "$(dirname "$0")" && pwd) || die "cannot find the bench directory"

case $RUNS in
''|*[!0-9]*|0) die "BENCH_RUNS must be a positive integer (got '$RUNS')" ;;
esac

# --- the tools must all be there --------------------------------------------
[ -e "$KTAP" ] || die "ktap binary '$KTAP' does not exist (run 'make' first)"
[ -x "$KTAP" ] || die "ktap binary '$KTAP' is not executable"
command -v "$LUA" >/dev/null 2>&1 ||
	die "'$LUA' not found in PATH (apt-get install lua5.4)"
command -v "$LUAJIT" >/dev/null 2>&1 ||
	die "'$LUAJIT' not found in PATH (apt-get install luajit)"
command -v awk >/dev/null 2>&1 || die "'awk' not found in PATH"

for p in $PROGRAMS; do
	[ -f "$BENCH_DIR/$p.kp" ] || die "missing $BENCH_DIR/$p.kp"
	[ -f "$BENCH_DIR/$p.lua" ] || die "missing $BENCH_DIR/$p.lua"
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ktap-bench.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$TMP"' EXIT INT TERM

# --- clock: nanoseconds since the epoch ---------------------------------------
if [ -n "${EPOCHREALTIME:-}" ]; then
	# bash >= 5: no fork, microsecond resolution
	now_ns() {
		local t=${EPOCHREALTIME/[.,]/}
		echo "${t}000"
	}
else
	date +%s%N | grep -q N && die "date +%s%N is not supported here"
	now_ns() { date +%s%N; }
fi

# run_one TOOL PROGRAM OUTFILE -> prints elapsed nanoseconds; returns the
# tool's exit status
run_one() {
	local tool=$1 prog=$2 out=$3 t0 t1 rc
	case $tool in
	ktap)	set -- "$KTAP" --max-loop 0 "$BENCH_DIR/$prog.kp" ;;
	lua)	set -- "$LUA" "$BENCH_DIR/$prog.lua" ;;
	luajit)	set -- "$LUAJIT" -joff "$BENCH_DIR/$prog.lua" ;;
	esac
	t0=$(now_ns)
	"$@" >"$out" 2>"$out.err" </dev/null
	rc=$?
	t1=$(now_ns)
	echo $((t1 - t0))
	return $rc
}

# --- header ---------------------------------------------------------------------
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
[ -n "$cpu" ] || cpu=$(awk -F': *' '/^(Hardware|cpu model|Processor)/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
[ -n "$cpu" ] || cpu=unknown
ktap_version=$("$KTAP" --version 2>&1 | head -n 1)
lua_version=$("$LUA" -v 2>&1 | head -n 1 | awk '{ print $1, $2 }')
luajit_version=$("$LUAJIT" -v 2>&1 | head -n 1 | awk '{ print $1, $2 }')

echo "ktap benchmark: best wall time of $RUNS run(s), tools interleaved"
echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(uname -m), $cpu, $(nproc 2>/dev/null || echo '?') cpu(s)"
echo "ktap:    $ktap_version ($KTAP, --max-loop 0)"
echo "lua:     $lua_version; $luajit_version (-joff: interpreter only)"
echo

fmt="%-10s %10s %10s %14s %12s %14s  %s\n"
printf "$fmt" program "ktap s" "lua5.4 s" "luajit-joff s" "ktap/lua5.4" "ktap/luajit" ""
printf "$fmt" ---------- ---------- ---------- -------------- ------------ -------------- ""

failed=""
slow=""
for p in $PROGRAMS; do
	best_ktap="" best_lua="" best_luajit="" note=""
	for r in $(seq 1 "$RUNS"); do
		for tool in ktap lua luajit; do
			out="$TMP/$p.$tool.out"
			ns=$(run_one $tool "$p" "$out")
			rc=$?
			if [ $rc -ne 0 ]; then
				{
					echo "bench: FAIL: $p under $tool exited with status $rc"
					sed 's/^/  stderr: /' "$out.err" | head -n 20
				} >&2
				note="FAIL($tool exit $rc)"
				break 2
			fi
			eval "best=\${best_$tool}"
			if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then
				eval "best_$tool=$ns"
			fi
			# every run of every tool must print the same as lua5.4
			if [ $tool != lua ] && [ -f "$TMP/$p.lua.out" ] &&
			   ! cmp -s "$out" "$TMP/$p.lua.out"; then
				{
					echo "bench: FAIL: output of $p differs between $tool and lua5.4:"
					diff "$TMP/$p.lua.out" "$out" | head -n 20 |
						sed 's/^/  /'
				} >&2
				note="MISMATCH($tool)"
				break 2
			fi
		done
		# the first ktap run happens before lua's; compare it now
		if [ "$r" -eq 1 ] && ! cmp -s "$TMP/$p.ktap.out" "$TMP/$p.lua.out"; then
			{
				echo "bench: FAIL: output of $p differs between ktap and lua5.4:"
				diff "$TMP/$p.lua.out" "$TMP/$p.ktap.out" | head -n 20 |
					sed 's/^/  /'
			} >&2
			note="MISMATCH(ktap)"
			break
		fi
	done

	if [ -n "$note" ]; then
		failed="$failed $p"
		printf "$fmt" "$p" - - - - - "$note"
		continue
	fi

	line=$(awk -v k="$best_ktap" -v l="$best_lua" -v j="$best_luajit" 'BEGIN {
		r1 = (l > 0) ? k / l : 0
		r2 = (j > 0) ? k / j : 0
		printf "%.3f %.3f %.3f %.2f %.2f %d", k / 1e9, l / 1e9, j / 1e9, r1, r2, (r1 > 1.0)
	}')
	set -- $line
	[ "$6" = 1 ] && { slow="$slow $p"; note="<- slower than lua5.4"; }
	printf "$fmt" "$p" "$1" "$2" "$3" "$4" "$5" "$note"
done

echo
if [ -n "$failed" ]; then
	echo "bench: FAILED (wrong output or error):$failed" >&2
	exit 1
fi
if [ -n "$slow" ]; then
	echo "target (ktap/lua5.4 <= 1.0 on every program): NOT MET, slower on:$slow"
	[ "$STRICT" = 1 ] && exit 3
else
	echo "target (ktap/lua5.4 <= 1.0 on every program): met"
fi
exit 0

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - build the libFuzzer targets into build-fuzz/ and run each for a
# bounded time:
#
#   fuzz/bytecode  arbitrary bytes -> load, verify, run (fuzz_bytecode.c)
#   fuzz/compile   arbitrary bytes -> compile -> must verify -> run
#
# Seeds are made at run time in build-fuzz/: the scripts of tests/lang, and
# those of them that compile, compiled with BUILD/ktap -c.  New inputs the
# fuzzers find stay there for the next run.  A crash, timeout, leak or
# out-of-memory is saved under build-fuzz/crashes/ and reported.
#
# Environment: FUZZ_SECONDS (default 60) per target, FUZZ_JOBS (default 1)
# parallel jobs per target, BUILD (default build) for the ktap command,
# CLANG (default clang, else clang-14), FUZZ_CFLAGS (more compiler flags,
# e.g. -fno-sanitize=... to look past a known report), FUZZ_OUT (default
# build-fuzz) for everything the runs make.

TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
OUT=${FUZZ_OUT:-build-fuzz}
SECONDS_PER=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
BUILD=${BUILD:-build}
mkdir -p "$OUT/crashes" "$OUT/logs"

CLANG=${CLANG:-}
if [ -z "$CLANG" ]; then
	for c in clang clang-14; do
		if command -v "$c" >/dev/null 2>&1; then
			CLANG=$c
			break
		fi
	done
fi
if [ -z "$CLANG" ]; then
	echo "not ok fuzz/bytecode: clang is not installed (needed for libFuzzer)"
	echo "not ok fuzz/compile: clang is not installed (needed for libFuzzer)"
	exit 0
fi

FLAGS="-std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -Iinclude ${FUZZ_CFLAGS:-}"

build() {
	# shellcheck disable=SC2086
	$CLANG $FLAGS -o "$OUT/fuzz_$1" "tests/fuzz/fuzz_$1.c" lib/*.c lang/*.c \
		>"$OUT/logs/build_$1.log" 2>&1
}

# Seeds: the language cases as scripts, and as bytecode.
seed() {
	mkdir -p "$OUT/corpus_compile" "$OUT/corpus_bytecode"
	for kp in tests/lang/*.kp; do
		name=$(basename "$kp" .kp)
		cp "$kp" "$OUT/corpus_compile/seed_$name.kp"
		if [ -x "$BUILD/ktap" ]; then
			"$BUILD/ktap" -c "$OUT/corpus_bytecode/seed_$name.kpc" \
				"$kp" >/dev/null 2>&1 ||
				rm -f "$OUT/corpus_bytecode/seed_$name.kpc"
		fi
	done
}

fuzz() {
	target=$1
	shift
	log=$OUT/logs/$target.log
	stamp=$OUT/logs/$target.stamp
	touch "$stamp"
	if [ "$JOBS" -gt 1 ]; then
		par="-jobs=$JOBS -workers=$JOBS"
	else
		par=
	fi
	# shellcheck disable=SC2086
	"$OUT/fuzz_$target" -max_total_time="$SECONDS_PER" -rss_limit_mb=2048 \
		-timeout=10 -print_final_stats=1 $par \
		-artifact_prefix="$OUT/crashes/$target-" "$@" \
		"$OUT/corpus_$target" >"$log" 2>&1
	rc=$?
	# with -jobs, each job logs to fuzz-N.log in the current directory
	if [ "$JOBS" -gt 1 ]; then
		cat fuzz-*.log >>"$log" 2>/dev/null
		rm -f fuzz-*.log
	fi
	# reproducers of this run (older ones are kept, not reported again)
	art=$(find "$OUT/crashes" -name "$target-*" -newer "$stamp" 2>/dev/null |
	      head -1)
	if [ $rc -eq 0 ] && [ -z "$art" ]; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
			awk '{ n += $1 } END { print n + 0 }')
		echo "ok fuzz/$target ($execs runs in ${SECONDS_PER}s)"
		return
	fi
	kind=crash
	case $(basename "${art:-none}") in
	*timeout-*) kind=timeout ;;
	*oom-*) kind="out of memory" ;;
	*leak-*) kind=leak ;;
	esac
	summary=$(grep -m1 -E '^SUMMARY|^fuzz: ' "$log")
	if [ -n "$art" ]; then
		echo "not ok fuzz/$target: $kind, reproducer saved at $art (${summary:-see $log})"
	else
		echo "not ok fuzz/$target: exit status $rc without a reproducer (see $log: $(grep -m1 -E 'ERROR|error' "$log"))"
	fi
}

built=
for t in bytecode compile; do
	if build $t; then
		built="$built $t"
	else
		echo "not ok fuzz/$t: build failed: $(grep -m1 -E 'error' "$OUT/logs/build_$t.log")"
	fi
done
seed
for t in $built; do
	case $t in
	compile) fuzz compile -dict=tests/fuzz/ktap.dict ;;
	*) fuzz "$t" ;;
	esac
done
exit 0

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-tests.sh BUILD_DIR - everything `make test` runs.
#
# Each part prints one line per case, "ok NAME" or "not ok NAME: why"
# (or "skip NAME: why" when the machine lacks what it needs: root,
# tracefs); this script counts them and ends with "N passed, N failed".
# Parts: the language cases against BUILD_DIR/ktap, the unit tests, the
# freestanding check of lib/, the language cases again under ASan+UBSan,
# and bounded libFuzzer runs of the loader/verifier/VM and the compiler;
# and on arm64 and big-endian s390x: the language cases under qemu-user
# from source and from bytecode compiled here, and through ktapvm.ko in
# those architectures' kernels under QEMU (tests/cross/).

BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

part() {
	echo "== $1"
	shift
	"$@" 2>&1 | tee -a "$LOG" | grep -v '^ok ' || true
}

cd "$TOP" || exit 1
part "language cases" tests/lang/run.sh "$BUILD/ktap"
part "trace.dat cases (ktap -i)" sh -c 'tests/lang/run.sh "$1" tests/trace/*.kp' - "$BUILD/ktap"
part "trace-cmd plugin cases" tests/trace-cmd/run.sh "$BUILD"
part "kernelshark plugin (headless)" tests/kernelshark/run.sh "$BUILD"
part "ELF symbols and SDT notes (uprobes, USDT)" tests/elfsym/run.sh "$BUILD"
part "trace markers (root, tracefs)" tests/live/run.sh "$BUILD"
part "live tracing (root, tracefs)" tests/live/tracing.sh "$BUILD"
part "samples (root, tracefs)" tests/samples/run.sh "$BUILD"
part "perf.data cases, dlfilter (stock perf)" tests/perf/run.sh dlfilter "$BUILD"
part "perf.data cases, engine (make test-perf)" tests/perf/run.sh engine "$BUILD"
part "kernel module in QEMU" tests/kernel/run.sh "$BUILD"
part "kernel module with dkms" tests/dkms/run.sh
part "arm64 and s390x in userspace (qemu-user)" tests/cross/run.sh "$BUILD"
part "kernel module on arm64 and s390x in QEMU" sh -c \
	'tests/cross/kernel.sh "$1" arm64; tests/cross/kernel.sh "$1" s390x' - "$BUILD"
part "unit tests" tests/unit/run.sh "$BUILD"
part "freestanding core" scripts/check-freestanding.sh
part "language cases under ASan+UBSan" tests/sanitize.sh
part "fuzzing (bounded)" tests/fuzz/run.sh

scripts/summary.sh --log "$LOG"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh BUILD_DIR [ARCH...] - one bytecode, three architectures, in
# userspace: the static minimal ktap of `make cross` for aarch64 and
# big-endian s390x (ARCH: arm64, s390x; default both), run on this
# machine by qemu-user.  BUILD_DIR/ktap is the x86-64 one.  Cases:
#
#   cross/x86_64/bytecode/NAME  the language cases compiled once here
#                               (ktap -c) and run from those files: the
#                               reference
#   cross/ARCH/build            make cross ARCH=ARCH
#   cross/ARCH/lang/NAME        the language suite (tests/lang/run.sh)
#   cross/ARCH/bytecode/NAME    the files compiled here, unchanged: the
#                               same stdout, stderr and status as here
#   cross/ARCH/compile/NAME     ARCH's compiler writes the same bytes as
#                               this machine's (or fails the same way)
#   cross/x86_64/bytecode-ARCH/NAME  what ARCH compiled, run here
#   cross/ARCH/minimal/WHAT     what the minimal ktap cannot do fails
#                               with a message saying why
#
# Prints "ok NAME", "not ok NAME: why" or "skip NAME: why" (no cross
# compiler or no qemu-user: apt-get install gcc-aarch64-linux-gnu
# gcc-s390x-linux-gnu qemu-user-static).  Results: BUILD_DIR/cross/results/.

set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$TOP/tests/cross
CASES=$TOP/tests/lang
. "$TOP/tests/cases.sh"
BUILD_ARG=${1:?usage: run.sh BUILD_DIR [ARCH...]}
shift
[ $# -gt 0 ] || set -- arm64 s390x
BUILD=$(cd "$BUILD_ARG" 2>/dev/null && pwd) ||
	{ echo "not ok cross/build: no build folder $BUILD_ARG"; exit 0; }
[ -x "$BUILD/ktap" ] ||
	{ echo "not ok cross/build: no $BUILD/ktap (make first)"; exit 0; }
BC=$BUILD/cross/bytecode
RES=$BUILD/cross/results
rm -rf "$BC" "$RES"
mkdir -p "$BC/x86_64" "$RES" || exit 1

# prefix P: the case lines of a runner, renamed P/NAME
prefix() {
	sed -e "s#^ok \\(lang/\\|bytecode/\\)\\{0,1\\}#ok $1/#" \
	    -e "s#^not ok \\(lang/\\|bytecode/\\)\\{0,1\\}#not ok $1/#"
}

# compile_all KTAP OUTDIR: every case compiled in its folder (the chunk
# name in the file is NAME.kp); a case that does not compile leaves its
# messages and status in OUTDIR/NAME.cerr and .crc instead
compile_all() {
	for kp in "$CASES"/*.kp; do
		name=$(basename "$kp" .kp)
		(cd "$CASES" && exec "$1" -c "$2/$name.kpc" "$name.kp") \
			2>"$2/$name.cerr" </dev/null
		echo $? >"$2/$name.crc"
		[ -s "$2/$name.cerr" ] || rm -f "$2/$name.cerr"
	done
}

start=$(date +%s)
compile_all "$BUILD/ktap" "$BC/x86_64"
"$HERE/bytecode.sh" "$BUILD/ktap" "$CASES" "$BC/x86_64" "$RES/x86_64" |
	prefix cross/x86_64/bytecode
echo "# cross x86_64: compiled and ran $(ls "$BC"/x86_64/*.kpc | wc -l) cases in $(($(date +%s) - start)) s"

for arch in "$@"; do
	start=$(date +%s)
	case $arch in
	arm64) gcc=aarch64-linux-gnu-gcc qemu=qemu-aarch64-static ;;
	s390x) gcc=s390x-linux-gnu-gcc qemu=qemu-s390x-static ;;
	*) echo "not ok cross/$arch/build: no such architecture (arm64, s390x)"; continue ;;
	esac
	why=
	command -v "$gcc" >/dev/null || why="no $gcc (apt-get install gcc-${gcc%-gcc})"
	command -v "$qemu" >/dev/null || why="${why:+$why; }no $qemu (apt-get install qemu-user-static)"
	if [ -n "$why" ]; then
		echo "skip cross/$arch/all: $why"
		continue
	fi
	X=$BUILD/cross/$arch
	mkdir -p "$X"
	# not under the caller's make variables (O=, -j: make test's)
	if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		make -C "$TOP" cross "ARCH=$arch" "O=$BUILD" >"$X/make.log" 2>&1; then
		echo "not ok cross/$arch/build: make cross ARCH=$arch failed: $(tail -3 "$X/make.log" | tr '\n' ' ')"
		continue
	fi
	echo "ok cross/$arch/build"
	# The emulator under the name ktap: the kernel names a process
	# after the file it executes (execname, /proc/self/comm), and a
	# test looks
	mkdir -p "$X/qemu" "$X/bin"
	ln -sfn "$(command -v "$qemu")" "$X/qemu/ktap"
	printf '#!/bin/sh\nexec %s %s "$@"\n' "$X/qemu/ktap" "$X/ktap" >"$X/bin/ktap"
	chmod 755 "$X/bin/ktap"
	KX=$X/bin/ktap

	"$CASES/run.sh" "$KX" | prefix "cross/$arch/lang"
	"$HERE/bytecode.sh" "$KX" "$CASES" "$BC/x86_64" "$RES/$arch" \
		"$RES/x86_64" | prefix "cross/$arch/bytecode"

	mkdir -p "$BC/$arch"
	compile_all "$KX" "$BC/$arch"
	for crc in "$BC"/x86_64/*.crc; do
		name=$(basename "$crc" .crc)
		why=
		if ! cmp -s "$crc" "$BC/$arch/$name.crc"; then
			why="compiler status $(cat "$BC/$arch/$name.crc"), here $(cat "$crc")"
		elif [ -f "$BC/x86_64/$name.kpc" ] &&
		     ! cmp -s "$BC/x86_64/$name.kpc" "$BC/$arch/$name.kpc"; then
			why="the bytecode differs from this machine's: $(cmp "$BC/x86_64/$name.kpc" "$BC/$arch/$name.kpc" 2>&1 | head -1)"
		elif [ -f "$BC/x86_64/$name.cerr" ] &&
		     ! cmp -s "$BC/x86_64/$name.cerr" "$BC/$arch/$name.cerr"; then
			why="the compiler's messages differ: $(diff "$BC/x86_64/$name.cerr" "$BC/$arch/$name.cerr" | head -4 | tr '\n' ' ')"
		fi
		verdict "cross/$arch/compile/$name" "$why"
	done
	"$HERE/bytecode.sh" "$BUILD/ktap" "$CASES" "$BC/$arch" \
		"$RES/x86_64-from-$arch" "$RES/x86_64" |
		prefix "cross/x86_64/bytecode-$arch"

	# what needs libtraceevent, libtracefs, libtracecmd fails and says so
	minimal() {
		what=$1
		shift
		(cd "$CASES" && "$KX" "$@") >"$X/minimal.out" 2>"$X/minimal.err" </dev/null
		rc=$?
		why=
		if [ "$rc" != 1 ] && [ "$rc" != 2 ]; then
			why="exit status $rc"
		elif ! grep -q 'minimal ktap' "$X/minimal.err"; then
			why="no word of the minimal build: $(head -c 200 "$X/minimal.err" | tr '\n' ' ')"
		fi
		verdict "cross/$arch/minimal/$what" "$why"
	}
	minimal live -e 'trace sched:sched_switch { }'
	minimal trace_dat -i "$TOP/tests/data/irq.dat" -e 'trace sched:* { }'
	minimal ftrace --ftrace -e 'print(1)'
	minimal list_events -le
	minimal record record -o "$X/minimal.dat" -e 'trace sched:sched_switch { }'
	echo "# cross $arch: $(($(date +%s) - start)) s"
done
exit 0

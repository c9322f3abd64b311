#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# cross-kernel.sh fetch BUILD_DIR ARCH - Debian's 6.1 kernel of ARCH
# (arm64, s390x), for QEMU and for building modules, into the cache
# BUILD_DIR/cross/ARCH/kernel/<ABI>/:
#
#   vmlinuz     the kernel of linux-image-<ABI>-ARCH
#   build/      its headers (linux-headers-<ABI>-ARCH and -common, and
#               the amd64 linux-kbuild-6.1 of the same version, so that
#               fixdep and modpost run here): KDIR for ARCH's modules
#   busybox     the static busybox of ARCH, for an initramfs
#
# cross-kernel.sh kmod BUILD_DIR ARCH [KDIR] - ktapvm.ko for ARCH into
# BUILD_DIR/cross/ARCH/ktapvm.ko, against KDIR's headers (default: the
# cache's, fetched first), with Debian's cross compiler or the one of
# $CROSS_COMPILE.  The sources are copied to
# BUILD_DIR/cross/ARCH/kmod-src/ first: Kbuild writes its objects beside
# them, and kmod/ and lib/ keep this machine's.
#
# <ABI> is the one Debian's linux-image-ARCH names today (apt-cache; it
# moves with updates and differs per architecture); without apt's lists,
# the newest already cached.  The packages come with `apt-get download`
# and `dpkg -x`, never `apt-get install`: installing a foreign
# linux-headers package pulls in the foreign gcc and removes this
# machine's.  apt must know ARCH: once, as root, this script runs `dpkg
# --add-architecture ARCH` and `apt-get update`.  Idempotent: a second
# fetch checks and does nothing.
#
# On success the last line of stdout is "ABI <abi>" (fetch) or the
# module's path (kmod).  Exit status 0; 2 with the reason on stderr.

set -u
CMD=${1:-}
BUILD_ARG=${2:-}
ARCH=${3:-}
TOP=$(cd "$(dirname "$0")/.." && pwd)

say() { echo "cross-kernel: $*" >&2; }
die() { say "$*"; exit 2; }
is_root() { [ "$(id -u)" = 0 ]; }

case $CMD in
fetch|kmod) ;;
*) die "usage: cross-kernel.sh fetch|kmod BUILD_DIR ARCH [KDIR]" ;;
esac
case $ARCH in
arm64) KARCH=arm64 CROSS=aarch64-linux-gnu- ;;
s390x) KARCH=s390 CROSS=s390x-linux-gnu- ;;
*) die "ARCH=$ARCH: arm64 or s390x" ;;
esac
# a toolchain of the caller's (make kmod ARCH=arm64 CROSS_COMPILE=...)
CROSS=${CROSS_COMPILE:-$CROSS}
mkdir -p "$BUILD_ARG/cross/$ARCH/kernel" || exit 2
X=$(cd "$BUILD_ARG/cross/$ARCH" && pwd)
CACHE=$X/kernel

# apt_knows: apt's lists have ARCH's kernel metapackage
apt_knows() {
	apt-cache show "linux-image-$ARCH:$ARCH" >/dev/null 2>&1
}

# resolve: the ABI Debian's metapackage depends on, else the newest cached
resolve() {
	if ! apt_knows && is_root; then
		if ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
			say "dpkg --add-architecture $ARCH"
			dpkg --add-architecture "$ARCH" || die "dpkg --add-architecture $ARCH failed"
		fi
		say "apt-get update (for $ARCH's kernel packages)"
		apt-get update -q >"$CACHE/apt-update.log" 2>&1 ||
			say "apt-get update failed (see $CACHE/apt-update.log)"
	fi
	a=$(apt-cache depends "linux-image-$ARCH:$ARCH" 2>/dev/null |
	    sed -n "s/^ *Depends: linux-image-\(6\.1\.[0-9]*-[0-9]*\)-$ARCH:$ARCH\$/\1/p" |
	    head -1)
	if [ -z "$a" ]; then
		a=$(ls -d "$CACHE"/6.1.* 2>/dev/null | sort -V | tail -1)
		[ -n "$a" ] && [ -f "$a/ok" ] ||
			die "apt knows no linux-image-$ARCH:$ARCH and nothing is cached: as root, dpkg --add-architecture $ARCH && apt-get update"
		a=$(basename "$a")
	fi
	echo "$a"
}

fetch() {
	ABI=$(resolve) || exit 2
	DIR=$CACHE/$ABI
	if [ -f "$DIR/ok" ] && [ -f "$DIR/build/Makefile" ]; then
		ln -sfn "$ABI" "$CACHE/current"
		return
	fi
	VER=$(apt-cache show "linux-image-$ABI-$ARCH:$ARCH" 2>/dev/null |
	      sed -n 's/^Version: //p' | head -1)
	[ -n "$VER" ] || die "apt knows no linux-image-$ABI-$ARCH:$ARCH"
	rm -rf "$DIR"
	mkdir -p "$DIR/dl" "$DIR/root" || exit 2
	say "apt-get download linux-image-$ABI-$ARCH:$ARCH and its headers ($VER), busybox-static:$ARCH"
	# as root apt warns that the download is not sandboxed: harmless
	(cd "$DIR/dl" && apt-get download -q "linux-image-$ABI-$ARCH:$ARCH" \
		"linux-headers-$ABI-$ARCH:$ARCH" "linux-headers-$ABI-common=$VER" \
		"linux-kbuild-6.1:amd64=$VER" "busybox-static:$ARCH") \
		>"$CACHE/download.log" 2>&1 ||
		die "apt-get download failed (see $CACHE/download.log)"
	# of the image only the kernel: all its modules would take 60 MB
	dpkg-deb --fsys-tarfile "$DIR"/dl/linux-image-*.deb |
		tar -x -C "$DIR/root" "./boot/vmlinuz-$ABI-$ARCH" ||
		die "no vmlinuz-$ABI-$ARCH in linux-image-$ABI-$ARCH"
	mv "$DIR/root/boot/vmlinuz-$ABI-$ARCH" "$DIR/vmlinuz"
	for d in "$DIR"/dl/linux-headers-*.deb "$DIR"/dl/linux-kbuild-*.deb \
		 "$DIR"/dl/busybox-static_*.deb; do
		dpkg -x "$d" "$DIR/root" || die "cannot unpack $d"
	done
	mv "$DIR/root/bin/busybox" "$DIR/busybox" || die "no busybox in busybox-static:$ARCH"
	H=$DIR/root/usr/src/linux-headers-$ABI-$ARCH
	# the flavour's Makefile includes the common headers by an absolute
	# path: left alone it would build against this machine's
	sed -i "s#^include /usr/src/#include $DIR/root/usr/src/#" "$H/Makefile"
	grep -q "^include $DIR/root/usr/src/linux-headers-$ABI-common/Makefile" "$H/Makefile" ||
		die "$H/Makefile does not include the common headers as expected"
	ln -sfn "root/usr/src/linux-headers-$ABI-$ARCH" "$DIR/build"
	echo "$VER" >"$DIR/version"
	rm -rf "$DIR/dl"
	touch "$DIR/ok"
	ln -sfn "$ABI" "$CACHE/current"
}

if [ "$CMD" = fetch ]; then
	fetch
	echo "ABI $ABI"
	exit 0
fi

# ---------------------------------------------------------------- kmod
KDIR=${4:-}
if [ -z "$KDIR" ]; then
	fetch
	KDIR=$CACHE/current/build
fi
[ -f "$KDIR/Makefile" ] || die "KDIR=$KDIR: no kernel headers there"
command -v "${CROSS}gcc" >/dev/null ||
	die "no ${CROSS}gcc (apt-get install gcc-${CROSS%-})"
SRC=$X/kmod-src
mkdir -p "$SRC/kmod" "$SRC/lib" "$SRC/include/ktap" || exit 2
# copied only when changed: Kbuild rebuilds by time stamps
for f in "$TOP"/kmod/Kbuild "$TOP"/kmod/*.c "$TOP"/kmod/*.h \
	 "$TOP"/lib/*.c "$TOP"/lib/*.h "$TOP"/include/ktap/*.h; do
	d=$SRC/${f#"$TOP"/}
	cmp -s "$f" "$d" || cp -p "$f" "$d" || exit 2
done
say "make -C $KDIR M=$SRC/kmod ARCH=$KARCH CROSS_COMPILE=$CROSS modules"
# not under the caller's make variables: O= means Kbuild's output folder
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	make -C "$KDIR" M="$SRC/kmod" ARCH="$KARCH" CROSS_COMPILE="$CROSS" \
	-j"${KTAP_JOBS:-2}" modules >&2 ||
	die "the module did not build for $ARCH"
cp "$SRC/kmod/ktapvm.ko" "$X/ktapvm.ko" || exit 2
echo "$X/ktapvm.ko"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# prepare.sh [BUILD_DIR] - get what booting Debian's 6.1 kernel under QEMU
# needs, into the cache BUILD_DIR/kernel/<ABI>/ (BUILD_DIR: build):
#
#   vmlinuz         the kernel of linux-image-<ABI>
#   modules/*.ko    the virtio and 9p modules that mount the host root
#   initrd.gz       a busybox initramfs whose /init is tests/kernel/init.sh
#
# and installs linux-headers-<ABI> (so /lib/modules/<ABI>/build exists for
# `make kmod`) and the host tools (qemu-system-x86, busybox-static, cpio),
# when they are missing, with apt-get; that needs root.
#
# <ABI> is the kernel that Debian's linux-image-amd64 names today (resolved
# with apt-cache, never hard-coded); KTAP_KERNEL_ABI=6.1.0-NN-amd64 pins
# another one while the archive still has it.  Without apt's lists it falls
# back to the newest kernel already in the cache, then to the newest
# installed 6.1 headers.
#
# Idempotent: a second run checks and does nothing (a second or so).  On
# success the last line of stdout is "ABI <abi>", and BUILD_DIR/kernel/current
# points at the cache folder.  Exit status: 0 ready; 2 cannot (not root and
# something must be installed, no kernel to be had): the reason is on stderr.

set -u
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$TOP/tests/kernel
mkdir -p "$BUILD/kernel" || exit 2
CACHE=$(cd "$BUILD/kernel" && pwd)

# the modules that mount the host root over virtio-9p, in load order
MODULES="drivers/virtio/virtio_ring drivers/virtio/virtio
drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci_modern_dev
drivers/virtio/virtio_pci fs/netfs/netfs fs/fscache/fscache net/9p/9pnet
net/9p/9pnet_virtio fs/9p/9p"
TOOLS="qemu-system-x86_64:qemu-system-x86 busybox:busybox-static cpio:cpio"

say() { echo "prepare: $*" >&2; }
die() { say "$*"; exit 2; }
is_root() { [ "$(id -u)" = 0 ]; }

# apt_install PKG...: install packages (root only), quietly
apt_install() {
	is_root || die "not root: cannot install $* (run as root, or install them)"
	say "apt-get install $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "$@" >"$CACHE/apt.log" 2>&1 ||
		die "apt-get install $* failed (see $CACHE/apt.log; apt-get update first?)"
}

# ------------------------------------------------------------ host tools
missing=
for t in $TOOLS; do
	cmd=${t%%:*}
	pkg=${t#*:}
	if [ "$cmd" = busybox ]; then
		# the static one: the initramfs has no libraries
		[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 && continue
	else
		command -v "$cmd" >/dev/null 2>&1 && continue
	fi
	missing="$missing $pkg"
done
# shellcheck disable=SC2086
[ -z "$missing" ] || apt_install $missing

# ------------------------------------------------------------- which ABI
valid_abi() {
	case $1 in
	[0-9]*.*-[0-9]*-amd64) return 0 ;;
	*) return 1 ;;
	esac
}

# in_archive ABI: apt knows linux-image-ABI
in_archive() {
	apt-cache show "linux-image-$1" >/dev/null 2>&1
}

current_abi() {
	# the image Debian's metapackage depends on
	a=$(apt-cache depends linux-image-amd64 2>/dev/null |
	    sed -n 's/^ *Depends: linux-image-\(.*-amd64\)$/\1/p' | head -1)
	case $a in
	6.1.*) valid_abi "$a" && { echo "$a"; return; } ;;
	esac
	# a metapackage from elsewhere (backports): the newest 6.1 image apt knows
	a=$(apt-cache pkgnames linux-image-6.1. 2>/dev/null |
	    sed -n 's/^linux-image-\(6\.1\.[0-9]*-[0-9]*-amd64\)$/\1/p' |
	    sort -V | tail -1)
	[ -n "$a" ] && { echo "$a"; return; }
	# no apt lists: the newest kernel already cached, then installed headers
	a=$(ls -d "$CACHE"/6.1.*-amd64 2>/dev/null | sort -V | tail -1)
	[ -n "$a" ] && [ -f "$a/vmlinuz" ] && { basename "$a"; return; }
	a=$(ls -d /lib/modules/6.1.*-amd64/build 2>/dev/null | sort -V | tail -1)
	[ -n "$a" ] && { basename "$(dirname "$a")"; return; }
	return 1
}

ABI=
if [ -n "${KTAP_KERNEL_ABI:-}" ]; then
	if ! valid_abi "$KTAP_KERNEL_ABI"; then
		say "KTAP_KERNEL_ABI=$KTAP_KERNEL_ABI is not an amd64 kernel ABI: ignored"
	elif [ -f "$CACHE/$KTAP_KERNEL_ABI/vmlinuz" ] || in_archive "$KTAP_KERNEL_ABI"; then
		ABI=$KTAP_KERNEL_ABI
	else
		say "linux-image-$KTAP_KERNEL_ABI is gone from the archive: using the current kernel"
	fi
fi
[ -n "$ABI" ] || ABI=$(current_abi) ||
	die "cannot tell which kernel to use: apt-cache knows no linux-image-amd64 (apt-get update?)"
DIR=$CACHE/$ABI
mkdir -p "$DIR" || exit 2

# ---------------------------------------------- kernel image and modules
have_image() {
	[ -f "$DIR/vmlinuz" ] || return 1
	for m in $MODULES; do
		[ -f "$DIR/modules/$(basename "$m").ko" ] || return 1
	done
}

if ! have_image; then
	tmp=$(mktemp -d "$CACHE/dl.XXXXXX") || exit 2
	deb=$(ls /var/cache/apt/archives/linux-image-"$ABI"_*_amd64.deb 2>/dev/null |
	      sort -V | tail -1)
	if [ -z "$deb" ]; then
		say "apt-get download linux-image-$ABI"
		# as root apt warns that the download is not sandboxed: harmless
		(cd "$tmp" && apt-get download -q "linux-image-$ABI") \
			>"$CACHE/download.log" 2>&1 ||
			{ rm -rf "$tmp"; die "apt-get download linux-image-$ABI failed (see $CACHE/download.log)"; }
		deb=$(ls "$tmp"/linux-image-"$ABI"_*.deb | head -1)
	fi
	say "extracting vmlinuz and the 9p modules from $(basename "$deb")"
	paths="./boot/vmlinuz-$ABI"
	for m in $MODULES; do
		paths="$paths ./lib/modules/$ABI/kernel/$m.ko"
	done
	# shellcheck disable=SC2086
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" $paths ||
		{ rm -rf "$tmp"; die "cannot extract $paths from $deb"; }
	mkdir -p "$DIR/modules"
	for m in $MODULES; do
		mv "$tmp/lib/modules/$ABI/kernel/$m.ko" "$DIR/modules/"
	done
	dpkg-deb -f "$deb" Version >"$DIR/version"
	mv "$tmp/boot/vmlinuz-$ABI" "$DIR/vmlinuz"
	rm -rf "$tmp"
fi

# ------------------------------------------------------------ headers
if [ ! -d "/lib/modules/$ABI/build" ]; then
	apt_install "linux-headers-$ABI"
	[ -d "/lib/modules/$ABI/build" ] ||
		die "linux-headers-$ABI installed, but /lib/modules/$ABI/build is missing"
fi
hv=$(dpkg-query -W -f '${Version}' "linux-headers-$ABI" 2>/dev/null)
iv=$(cat "$DIR/version" 2>/dev/null)
[ -z "$hv" ] || [ "$hv" = "$iv" ] ||
	say "warning: linux-headers-$ABI is $hv but the cached image is $iv"

# ------------------------------------------------------------ initramfs
# rebuilt when /init, busybox or the modules change
sum=$(cat "$HERE/init.sh" /bin/busybox "$DIR"/modules/*.ko | sha256sum | cut -d' ' -f1)
if [ ! -f "$DIR/initrd.gz" ] || [ "$(cat "$DIR/initrd.sum" 2>/dev/null)" != "$sum" ]; then
	say "building the initramfs"
	root=$(mktemp -d "$CACHE/initrd.XXXXXX") || exit 2
	mkdir -p "$root/bin" "$root/sbin" "$root/proc" "$root/sys" "$root/dev" \
		"$root/host" "$root/out" "$root/tmp" "$root/lib/modules"
	cp /bin/busybox "$root/bin/busybox"
	cp "$HERE/init.sh" "$root/init"
	chmod 755 "$root/init"
	for m in $MODULES; do
		cp "$DIR/modules/$(basename "$m").ko" "$root/lib/modules/"
	done
	# load order for /init
	for m in $MODULES; do
		echo "$(basename "$m").ko"
	done >"$root/lib/modules/order"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet |
	 gzip -9n) >"$DIR/initrd.gz.new" || { rm -rf "$root"; die "cpio failed"; }
	mv "$DIR/initrd.gz.new" "$DIR/initrd.gz"
	echo "$sum" >"$DIR/initrd.sum"
	rm -rf "$root"
fi

ln -sfn "$ABI" "$CACHE/current"
echo "ABI $ABI"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - the module as distributions ship it: `make dkms-install`, then
# dkms add, build, install against Debian's 6.1 headers, and remove.
# Needs root, dkms and linux-headers-<6.1 ABI>-amd64; says "skip" without.

TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
VER=$(sed -n 's/^#define KTAP_VERSION "\(.*\)"/\1/p' include/ktap/ktap.h)
ABI=$(apt-cache depends linux-image-amd64 2>/dev/null |
      sed -n 's/.*Depends: linux-image-\(.*\)$/\1/p' | head -1)
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

skip() {
	echo "skip dkms/$1: $2"
}

if [ "$(id -u)" != 0 ]; then
	skip all "needs root"; exit 0
fi
if ! command -v dkms >/dev/null; then
	skip all "dkms is not installed"; exit 0
fi
if [ -z "$ABI" ] || [ ! -d "/lib/modules/$ABI/build" ]; then
	skip all "no headers for ${ABI:-the Debian kernel} (apt-get install linux-headers-$ABI)"
	exit 0
fi

cleanup() {
	dkms remove "ktapvm/$VER" --all >/dev/null 2>&1
	rm -rf "/usr/src/ktapvm-$VER"
}
cleanup
step() {
	name=$1
	shift
	if "$@" >"$LOG" 2>&1; then
		echo "ok dkms/$name"
	else
		echo "not ok dkms/$name: $(tail -3 "$LOG" | tr '\n' ' ')"
		cleanup
		exit 0
	fi
}
step sources make -s dkms-install
step add dkms add "ktapvm/$VER"
step build dkms build "ktapvm/$VER" -k "$ABI"
step install dkms install "ktapvm/$VER" -k "$ABI"
if modinfo -k "$ABI" ktapvm 2>/dev/null | grep -q "^version: *$VER"; then
	echo "ok dkms/modinfo"
else
	echo "not ok dkms/modinfo: ktapvm $VER not found for $ABI"
fi
step remove dkms remove "ktapvm/$VER" --all
cleanup

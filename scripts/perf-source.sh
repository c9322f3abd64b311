#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# perf-source.sh DIR PATCH ENGINE - the perf sources `make perf` builds:
# Debian's linux-source-6.1 package, fetched with `apt-get download` (the
# only network access) and cached in DIR; unpacked into DIR/src (only what
# tools/perf and tools/lib/perf need, ~130 MB); PATCH applied; the engine
# source ENGINE linked in as util/scripting-engines/trace-event-ktap.c.
# Each step is done once: re-running is instant, and a changed PATCH
# replaces the applied one (reversed, else the sources are unpacked again).
#
# perf-source.sh --make-patch DIR PATCH - after editing the files PATCH
# touches in DIR/src, write PATCH anew: `diff -u` of each of them against
# the pristine file from the package.

set -e

die() {
	echo "perf-source.sh: error: $*" >&2
	exit 1
}

# what tools/perf needs of the kernel tree (notes/perf.md); arch/x86's
# Makefiles let `perf version` print a version
MEMBERS="linux-source-6.1/Makefile linux-source-6.1/tools/* \
linux-source-6.1/scripts/* linux-source-6.1/include/* \
linux-source-6.1/arch/x86/Makefile* linux-source-6.1/arch/x86/include/* \
linux-source-6.1/arch/x86/entry/syscalls/* linux-source-6.1/arch/x86/lib/* \
linux-source-6.1/lib/* linux-source-6.1/kernel/bpf/disasm.*"

make_patch=0
if [ "$1" = "--make-patch" ]; then
	make_patch=1
	shift
fi
DIR=${1:?usage: perf-source.sh DIR PATCH ENGINE}
PATCH=${2:?usage: perf-source.sh DIR PATCH ENGINE}
ENGINE=$3
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
[ -f "$PATCH" ] || die "no patch $PATCH"
PATCH=$(cd "$(dirname "$PATCH")" && pwd)/$(basename "$PATCH")
SRC=$DIR/src/linux-source-6.1

deb=$(ls "$DIR"/linux-source-6.1_*_all.deb 2>/dev/null | tail -1)
if [ -z "$deb" ]; then
	command -v apt-get >/dev/null || die "apt-get is needed to fetch Debian's linux-source-6.1"
	echo "  FETCH   linux-source-6.1 (apt-get download, ~140 MB)"
	(cd "$DIR" && apt-get download linux-source-6.1 2>&1 |
		grep -v 'couldn.t be accessed by user ._apt' >&2) || true
	deb=$(ls "$DIR"/linux-source-6.1_*_all.deb 2>/dev/null | tail -1)
	[ -n "$deb" ] || die "apt-get download linux-source-6.1 failed (run apt-get update? is a Debian 12 archive reachable?)"
fi

# unpack_to TARGET [MEMBERS]: members of the package's source tarball
unpack_to() {
	target=$1
	shift
	mkdir -p "$target"
	# shellcheck disable=SC2086
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO ./usr/src/linux-source-6.1.tar.xz |
		tar -xJ -C "$target" --wildcards "$@"
}

if [ $make_patch = 1 ]; then
	[ -d "$SRC" ] || die "$SRC does not exist: run make perf first"
	files=$(sed -n 's|^+++ b/\([^	 ]*\).*|\1|p' "$PATCH")
	[ -n "$files" ] || die "$PATCH names no file"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	# shellcheck disable=SC2046
	unpack_to "$tmp" $(for f in $files; do echo "linux-source-6.1/$f"; done)
	: > "$tmp/new.patch"
	for f in $files; do
		diff -u --label "a/$f" --label "b/$f" \
			"$tmp/linux-source-6.1/$f" "$SRC/$f" >> "$tmp/new.patch" || true
	done
	cp "$tmp/new.patch" "$PATCH"
	cp "$PATCH" "$DIR/applied.patch"
	echo "wrote $PATCH"
	exit 0
fi

[ -f "$ENGINE" ] || die "no engine source $ENGINE"

if [ ! -f "$SRC/.ktap-unpacked" ]; then
	echo "  UNPACK  $(basename "$deb") -> $DIR/src"
	rm -rf "$DIR/src" "$DIR/applied.patch"
	# shellcheck disable=SC2086
	unpack_to "$DIR/src" $MEMBERS || die "cannot unpack $deb (xz-utils installed?)"
	basename "$deb" > "$SRC/.ktap-unpacked"
fi

if ! cmp -s "$PATCH" "$DIR/applied.patch"; then
	if [ -f "$DIR/applied.patch" ] &&
	   ! (cd "$SRC" && patch -R -p1 -s -f < "$DIR/applied.patch" >/dev/null); then
		echo "  UNPACK  again: the old patch does not reverse"
		rm -f "$SRC/.ktap-unpacked"
		exec "$0" "$DIR" "$PATCH" "$ENGINE"
	fi
	rm -f "$DIR/applied.patch"
	echo "  PATCH   $PATCH"
	(cd "$SRC" && patch -p1 -s -f --no-backup-if-mismatch < "$PATCH") ||
		die "$PATCH does not apply to $(cat "$SRC/.ktap-unpacked")"
	cp "$PATCH" "$DIR/applied.patch"
fi

engine=$(cd "$(dirname "$ENGINE")" && pwd)/$(basename "$ENGINE")
ln -sf "$engine" "$SRC/tools/perf/util/scripting-engines/trace-event-ktap.c"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# record-guest.sh CACHE BIN OUT -- record OUT with the distribution's perf
# under Debian 12's own kernel (linux-image-amd64, 6.1) in QEMU, so that
# the fixtures include a recording from another kernel than the machine's
# (other tracepoint ids, formats of another version).  Called by
# make-fixtures.sh; needs root, qemu-system-x86, busybox-static and cpio,
# and apt-get access to fetch the kernel image (cached in CACHE).
#
# The guest (TCG, 2 CPUs) mounts the host's root read-only over 9p and
# runs the host's /usr/bin/perf in a chroot of it (the recipe of the
# shared notes/kernel-testing.md); the folder of BIN, shared read-write,
# receives OUT.  BIN keeps its path, so its build-id and symbols are those
# of the host's recordings.

set -e

die() {
	echo "record-guest.sh: error: $*" >&2
	exit 1
}

CACHE=${1:?usage: record-guest.sh CACHE BIN OUT}
BIN=${2:?usage: record-guest.sh CACHE BIN OUT}
OUT=${3:?usage: record-guest.sh CACHE BIN OUT}
SHARE=$(dirname "$BIN")

for t in qemu-system-x86_64 cpio gzip apt-get dpkg; do
	command -v $t >/dev/null || die "$t is missing"
done
[ -x /bin/busybox ] || die "/bin/busybox is missing (apt-get install busybox-static)"

mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
img=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1)
[ -n "$img" ] || die "cannot tell which kernel linux-image-amd64 is"
kver=${img#linux-image-}
if [ ! -f "$CACHE/root/boot/vmlinuz-$kver" ]; then
	rm -rf "$CACHE/root" "$CACHE"/*.deb
	(cd "$CACHE" && apt-get download "$img" >/dev/null 2>&1) ||
		die "apt-get download $img failed"
	dpkg -x "$CACHE"/"$img"_*.deb "$CACHE/root"
fi
mods=$CACHE/root/lib/modules/$kver/kernel

# the initramfs: busybox, the 9p modules, and /init
rd=$CACHE/initrd
rm -rf "$rd"
mkdir -p "$rd/bin" "$rd/mods" "$rd/proc" "$rd/sys" "$rd/dev" "$rd/host"
cp /bin/busybox "$rd/bin/busybox"
MODS="drivers/virtio/virtio_ring drivers/virtio/virtio
drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci_modern_dev
drivers/virtio/virtio_pci fs/netfs/netfs fs/fscache/fscache net/9p/9pnet
net/9p/9pnet_virtio fs/9p/9p"
order=
for m in $MODS; do
	[ -f "$mods/$m.ko" ] || continue	# built in
	cp "$mods/$m.ko" "$rd/mods/"
	order="$order $(basename "$m")"
done
cat > "$rd/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $order; do insmod /mods/\$m.ko; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /host
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t devtmpfs dev /host/dev
mount -t tmpfs tmp /host/tmp
mount -t tracefs nodev /host/sys/kernel/tracing
mkdir -p /host$SHARE
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 share /host$SHARE
echo "ktap-guest: kernel \$(uname -r)"
chroot /host /bin/sh $SHARE/guest-record.sh
echo "ktap-guest: rc=\$?"
poweroff -f
EOF
chmod +x "$rd/init"
(cd "$rd" && find . | cpio -o -H newc 2>/dev/null | gzip) > "$CACHE/initrd.gz"

cat > "$SHARE/guest-record.sh" <<EOF
cd $SHARE
perf record -q --no-buildid-cache -o $SHARE/guest.data --sample-cpu -g \
	-c 250000 -e sched:sched_switch -e syscalls:sys_enter_getppid \
	-e cpu-clock -- $BIN
EOF
rm -f "$SHARE/guest.data"
timeout 600 qemu-system-x86_64 -accel tcg -m 1G -smp 2 \
	-kernel "$CACHE/root/boot/vmlinuz-$kver" -initrd "$CACHE/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1" -nographic -no-reboot \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs local,path="$SHARE",mount_tag=share,security_model=none \
	> "$CACHE/console.log" 2>&1 || true
rm -f "$SHARE/guest-record.sh"
grep -q '^ktap-guest: rc=0' "$CACHE/console.log" && [ -s "$SHARE/guest.data" ] || {
	tail -20 "$CACHE/console.log" >&2
	die "the guest did not record (console: $CACHE/console.log)"
}
mv "$SHARE/guest.data" "$OUT"
sed -n 's/.*ktap-guest: kernel //p' "$CACHE/console.log" | tr -d '\r'

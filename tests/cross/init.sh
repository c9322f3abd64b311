#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the cross-architecture initramfs (kernel.sh builds it; busybox
# sh of the guest's architecture).  Everything the run needs is in the
# initramfs under /t (kernel.sh lists it): no root over 9p, whose host
# programs the guest could not run anyway.  Mounts the pseudo file
# systems, runs /t/guest.sh with every line it prints sent to the console
# as "ktap-cross: LINE" (kernel messages may share the console), then
#   ktap-cross-end rc=N
# and powers off.

export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
# what udev would add to /dev (cases write to /dev/stderr)
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
echo "ktap-cross-start $(uname -m) $(uname -r)"
{
	/bin/sh /t/guest.sh 2>&1
	echo $? >/tmp/rc
} | while IFS= read -r line; do
	echo "ktap-cross: $line"
done
rc=$(cat /tmp/rc)
echo "ktap-cross-end rc=$rc"
poweroff -f
sleep 10

#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test initramfs (prepare.sh puts it there; busybox sh).
#
# Mounts the pseudo file systems, loads the virtio/9p modules, mounts the
# host root (9p tag "hostroot") read-only at /host with proc, sys, dev,
# tracefs, debugfs and a tmpfs /tmp under it, mounts the writable results
# share (tag "ktapout", if QEMU has one) at /out and at its host path
# inside /host, then runs the guest script named on the kernel command line
# inside `chroot /host`, as root, with its output on the console:
#
#   ktap.script=/abs/host/path/script.sh   the script (host path)
#   ktap.out=/abs/host/path/out            where the results share is on
#                                          the host (optional)
#   ktap.keep=/tmp/a,/tmp/b                folders of the host's /tmp that
#                                          stay visible over the guest's
#                                          own /tmp (optional)
#
# Arguments for the script: the lines of out/args, if present; its
# environment: a clean one plus the VAR=value lines of out/env.  The
# script's output also goes to out/guest.log, its exit status to out/rc,
# the kernel log to out/dmesg.  Last line on the console, always:
#   ktap-guest: end rc=N
# then the machine powers off.

export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null

fail() {
	echo "ktap-guest: $*"
	echo "ktap-guest: end rc=125"
	poweroff -f
	sleep 10
}

script=
outpath=
keep=
for w in $(cat /proc/cmdline); do
	case $w in
	ktap.script=*) script=${w#ktap.script=} ;;
	ktap.out=*) outpath=${w#ktap.out=} ;;
	ktap.keep=*) keep=${w#ktap.keep=} ;;
	esac
done
echo "ktap-guest: booted $(uname -r), script ${script:-none}"

for m in $(cat /lib/modules/order); do
	insmod "/lib/modules/$m" || fail "insmod $m failed"
done

mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose \
	hostroot /host || fail "cannot mount the host root (9p tag hostroot)"
mount -t proc proc /host/proc
mount -t sysfs sysfs /host/sys
mount -t devtmpfs devtmpfs /host/dev
mount -t debugfs debugfs /host/sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /host/sys/kernel/tracing 2>/dev/null
# the guest's own /tmp, but for the folders of ktap.keep= (under /tmp:
# where a work tree may be), bound back from the host root
i=0
for k in $(echo "$keep" | tr , ' '); do
	mkdir -p /keep/$i
	mount -o bind "/host$k" /keep/$i || echo "ktap-guest: cannot keep $k"
	i=$((i + 1))
done
mount -t tmpfs -o mode=1777 tmpfs /host/tmp
i=0
for k in $(echo "$keep" | tr , ' '); do
	mkdir -p "/host$k"
	mount -o bind /keep/$i "/host$k"
	i=$((i + 1))
done
# what udev would add to /dev
ln -s /proc/self/fd /host/dev/fd
ln -s /proc/self/fd/0 /host/dev/stdin
ln -s /proc/self/fd/1 /host/dev/stdout
ln -s /proc/self/fd/2 /host/dev/stderr
mkdir -p /host/dev/pts /host/dev/shm
mount -t devpts devpts /host/dev/pts 2>/dev/null
mount -t tmpfs -o mode=1777 tmpfs /host/dev/shm
# the host root may lack tools a test needs in the guest (insmod, rmmod):
# busybox's, last in the script's PATH
mkdir -p /host/tmp/ktap-guest-bin
cp /bin/busybox /host/tmp/ktap-guest-bin/busybox
for a in insmod rmmod lsmod modinfo; do
	ln -s busybox "/host/tmp/ktap-guest-bin/$a"
done

if [ -n "$outpath" ] &&
   mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 ktapout /out; then
	mount -o bind /out "/host$outpath" ||
		echo "ktap-guest: cannot bind the results share at $outpath"
	out=/out
else
	outpath=
	out=/tmp
fi

set --
[ -f $out/args ] && set -- $(cat $out/args)
# KTAP_GUEST_* variables of boot.sh's caller (no blanks in the values)
guest_env=
[ -f $out/env ] && guest_env=$(cat $out/env)
rc=125
if [ -z "$script" ]; then
	echo "ktap-guest: no ktap.script= on the kernel command line"
elif [ ! -f "/host$script" ]; then
	echo "ktap-guest: no such script: $script"
else
	echo "ktap-guest: start"
	{
		chroot /host /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/tmp/ktap-guest-bin \
			KTAP_GUEST=1 KTAP_OUT="$outpath" $guest_env \
			/bin/sh -c 'cd "$(dirname "$0")" && exec /bin/sh "$0" "$@"' \
			"$script" "$@" </dev/null 2>&1
		echo $? >$out/rc
	} | tee $out/guest.log
	rc=$(cat $out/rc)
fi
dmesg >$out/dmesg
sync
[ -n "$outpath" ] && umount "/host$outpath"
umount /out 2>/dev/null
echo "ktap-guest: end rc=$rc"
poweroff -f
sleep 10

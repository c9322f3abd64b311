#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh BUILD_DIR - run every script of samples/ briefly on this machine,
# against a workload, and check that its output makes sense.
#
# Prints one line per sample: "ok samples/NAME", "not ok samples/NAME:
# why" or "skip samples/NAME: why" (not root, no tracefs, a kernel without
# kprobes, a ktap without profile probes or stack() -- told by its error
# message --, a missing tool the workload needs).  Ends with a summary
# line; the exit status is 1 when a sample failed.
#
# Every ktap run is bounded by timeout(1); scripts that would run until
# Ctrl-C are given a duration or a command.  Background workloads are
# bounded too, and killed (by pid) on exit.

BUILD=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd) || exit 2
KTAP=$BUILD/ktap
SAMPLES=$(cd "$(dirname "$0")/../../samples" && pwd) || exit 2
LIBC=/lib/x86_64-linux-gnu/libc.so.6	# the path the uprobe samples use
PYTHON=/usr/bin/python3.11		# the one pythongc.kp names
TMP=$(mktemp -d /tmp/ktap-samples.XXXXXX) || exit 2
PIDS=""
PASS=0 FAIL=0 SKIP=0
: > "$TMP/tested"

cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { echo "ok samples/$1"; PASS=$((PASS + 1)); echo "$1" >> "$TMP/tested"; }
notok() { echo "not ok samples/$1: $2"; FAIL=$((FAIL + 1)); echo "$1" >> "$TMP/tested"; }
skip() { echo "skip samples/$1: $2"; SKIP=$((SKIP + 1)); echo "$1" >> "$TMP/tested"; }

# one line of a file, for messages
show() { tr '\n\t' '| ' < "$1" | cut -c1-300; }

# run NAME LIMIT [ktap options and arguments...]: run ktap in the
# foreground, the script's output in $TMP/NAME.out, its messages (and the
# traced command's) in $TMP/NAME.err, the command's output thrown away.
run() {
	name=$1 limit=$2
	shift 2
	timeout -k 5 "$limit" "$KTAP" -o "$TMP/$name.out" "$@" \
		> /dev/null 2> "$TMP/$name.err" < /dev/null
	RC=$?
}

# bg NAME LIMIT [ktap ...]: run ktap in the background and return once
# it traces (its note "ktap: tracing ..." is out) or has ended.
bg() {
	name=$1 limit=$2
	shift 2
	timeout -k 5 "$limit" "$KTAP" -o "$TMP/$name.out" "$@" \
		> /dev/null 2> "$TMP/$name.err" < /dev/null &
	BG=$!
	PIDS="$PIDS $BG"
	i=0
	while [ $i -lt 300 ] && kill -0 $BG 2>/dev/null &&
	      ! grep -q '^ktap: tracing' "$TMP/$name.err"; do
		sleep 0.1
		i=$((i + 1))
	done
}

# bgwait: wait for the background ktap, its status in RC
bgwait() {
	wait $BG
	RC=$?
}

# usable NAME: after a run, say skip or not ok and fail when the run
# cannot be checked: a feature this kernel or this ktap lacks (told by
# ktap's message), a timeout, an error.
usable() {
	err=$TMP/$1.err
	if grep -q 'this kernel has no kprobes' "$err"; then
		skip "$1" "the kernel lacks kprobes ($(grep -m1 'no kprobes' "$err" | sed 's/^ktap: //'))"
		return 1
	fi
	if grep -Eq "profile probes are not available|'u?stack' is not available" "$err"; then
		skip "$1" "not in this ktap yet: $(grep -m1 -E 'not available' "$err" | sed 's/^ktap: //')"
		return 1
	fi
	if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then
		notok "$1" "timed out (status $RC): $(show "$err")"
		return 1
	fi
	errs=$(grep '^ktap: ' "$err" | grep -v -e '^ktap: tracing ' -e '^ktap: warning: ' | head -3 | tr '\n' '|')
	if [ "$RC" != 0 ] || [ -n "$errs" ]; then
		# a failure without a message of ktap's: the end of stderr
		[ -n "$errs" ] || errs=$(tail -n 3 "$err" | tr '\n\t' '| ' | cut -c1-300)
		notok "$1" "status $RC: $errs"
		return 1
	fi
	return 0
}

# verdict NAME WHY-IF-NOT [awk program over NAME.out]: ok when the awk
# program exits 0
verdict() {
	if awk "$3" "$TMP/$1.out"; then
		ok "$1"
	else
		notok "$1" "$2; output: $(show "$TMP/$1.out")"
	fi
}

# busy SECONDS: a shell loop burning a CPU, in the background
busy() {
	timeout "$1" sh -c 'while :; do :; done' &
	PIDS="$PIDS $!"
}

# tcp: send 4 MiB to ourselves over a TCP connection on 127.0.0.1
tcp() {
	"$PY" - <<'EOF'
import socket, threading
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
def serve():
    a, _ = s.accept()
    while a.recv(65536):
        pass
    a.close()
t = threading.Thread(target=serve)
t.start()
c = socket.create_connection(s.getsockname())
c.sendall(b"x" * (4 << 20))
c.close()
t.join()
s.close()
EOF
}

# ------------------------------------------------------------------ checks

# helloworld needs nothing
run helloworld 10 "$SAMPLES/helloworld.kp" tester
usable helloworld &&
verdict helloworld "no greeting" '/^Hello, tester! \(.*, Linux .*, [0-9]+ CPUs\)$/ { f = 1 } END { exit !f }'

T=/sys/kernel/tracing
NAMES=$(cd "$SAMPLES" && ls *.kp | sed 's/\.kp$//' | grep -v '^helloworld$')
why=""
if [ "$(id -u)" != 0 ]; then
	why="needs root"
elif [ ! -d "$T/events" ] && ! mount -t tracefs nodev "$T" 2>/dev/null; then
	why="needs tracefs"
fi
if [ -n "$why" ]; then
	for n in $NAMES; do
		skip "$n" "$why"
	done
	echo "$PASS passed, $FAIL failed, $SKIP skipped"
	exit 0
fi

UPROBES=""
[ -e "$T/uprobe_events" ] || UPROBES="the kernel has no uprobes"
[ -n "$UPROBES" ] || [ -e "$LIBC" ] || UPROBES="no $LIBC (the C library the samples name)"
PY=$(command -v "$PYTHON" || command -v python3)
cd "$TMP" || exit 2

# syscount: ls opens files; by process (`proc`), ls made the calls
run syscount 60 "$SAMPLES/syscount.kp" -- ls /
if usable syscount; then
	mv "$TMP/syscount.out" "$TMP/syscount.calls"
	run syscount 60 "$SAMPLES/syscount.kp" proc -- ls /
	usable syscount &&
	cat "$TMP/syscount.calls" >> "$TMP/syscount.out" &&
	verdict syscount "no openat count, or no row for ls by process" '
		$1 == "SYSCALL" { h = 1 }
		$1 == "syscalls:sys_enter_openat" && $2 > 0 { f = 1 }
		$1 == "PROCESS" { hp = 1 }
		$1 == "ls" && $2 ~ /^\[[0-9]+\]$/ && $3 > 10 { p = 1 }
		END { exit !(h && f && hp && p) }'
fi

# opensnoop: cat opens a file of ours, and fails on another
echo hello > "$TMP/opensnoop-file"
if [ -n "$UPROBES" ]; then
	skip opensnoop "$UPROBES"
else
	run opensnoop 60 "$SAMPLES/opensnoop.kp" -- cat "$TMP/opensnoop-file" "$TMP/nonexistent"
	usable opensnoop &&
	verdict opensnoop "the opens of cat are missing" '
		$2 == "cat" && $3 >= 0 && $NF == "'"$TMP/opensnoop-file"'" { f = 1 }
		$2 == "cat" && $3 == -1 && $4 == "ENOENT" && $NF == "'"$TMP/nonexistent"'" { e = 1 }
		END { exit !(f && e) }'
fi

# execsnoop: a shell runs echo with arguments
if [ -n "$UPROBES" ]; then
	skip execsnoop "$UPROBES"
else
	run execsnoop 60 "$SAMPLES/execsnoop.kp" -- sh -c '/bin/echo ktap-exec one two >/dev/null; true'
	usable execsnoop &&
	verdict execsnoop "no exec of /bin/echo with its arguments and parent" '
		$1 ~ /^[0-9]+$/ && $3 == "sh" && $5 ~ /sh$/ { sh = $1 }
		$3 == "echo" && $2 == sh && $4 == 0 &&
		    $0 ~ /\/bin\/echo ktap-exec one two$/ { f = 1 }
		END { exit !f }'
fi

# funccount: ls -R over 6 directories: 6 opendir, readdir counted once
# per call although readdir and readdir64 are one function
mkdir -p "$TMP/tree/a/b" "$TMP/tree/c" "$TMP/tree/d/e"
touch "$TMP/tree/a/f1" "$TMP/tree/d/e/f2"
if [ -n "$UPROBES" ]; then
	skip funccount "$UPROBES"
else
	run funccount 120 "$SAMPLES/funccount.kp" -- ls -R "$TMP/tree"
	usable funccount &&
	verdict funccount "want 6 opendir and 19..31 readdir calls" '
		$2 ~ /:opendir$/ && $1 == 6 { o = 1 }
		$0 ~ /:readdir( |$)/ && $1 >= 19 && $1 <= 31 { r = 1 }
		END { exit !(o && r) }'
fi

# funcslower: threshold 0 shows every call; dd writes and fsyncs
if [ -n "$UPROBES" ]; then
	skip funcslower "$UPROBES"
else
	run funcslower 60 "$SAMPLES/funcslower.kp" 0 -- dd if=/dev/zero of="$TMP/dd" bs=64k count=16 conv=fsync
	usable funcslower &&
	verdict funcslower "no write of 65536 bytes and fsync by dd" '
		$2 == "dd" && $4 == "write" && $5 == 65536 && $3 >= 0 { w++ }
		$2 == "dd" && $4 == "fsync" && $5 == 0 { s = 1 }
		END { exit !(w == 16 && s) }'
fi

# mallocsize: a program of ours mallocs 200 x 1000 and 20 x 100000 bytes
cat > "$TMP/mall.c" <<'EOF'
#include <stdlib.h>
int main(void)
{
	static void *volatile p[220];
	int i;

	for (i = 0; i < 200; i++)
		p[i] = malloc(1000);
	for (i = 200; i < 220; i++)
		p[i] = malloc(100000);
	for (i = 0; i < 220; i++)
		free(p[i]);
	return 0;
}
EOF
if [ -n "$UPROBES" ]; then
	skip mallocsize "$UPROBES"
elif ! cc -O0 -o "$TMP/mall" "$TMP/mall.c" 2>/dev/null; then
	skip mallocsize "no C compiler for the test program"
else
	run mallocsize 60 "$SAMPLES/mallocsize.kp" -- "$TMP/mall"
	usable mallocsize &&
	verdict mallocsize "want >= 200 mallocs in [512,1024) and 20 in [65536,131072)" '
		/^malloc: / && $2 >= 220 { c = 1 }
		$1 == 512 && $2 ~ /^\|/ && $NF >= 200 { a = 1 }
		$1 == 65536 && $2 ~ /^\|/ && $NF >= 20 { b = 1 }
		END { exit !(c && a && b) }'
fi

# biolatency: direct writes go to the disk at once
bg biolatency 60 "$SAMPLES/biolatency.kp" 3
dd if=/dev/zero of="$TMP/bio" bs=64k count=200 oflag=direct 2>/dev/null
DDRC=$?
bgwait
if usable biolatency; then
	if awk '/^block I\/O latency/ && $5 > 0 { f = 1 } END { exit !f }' "$TMP/biolatency.out"; then
		verdict biolatency "no histogram" '
			/^block I\/O latency/ { n = $5 }
			$2 ~ /^\|/ { s += $NF }
			END { exit !(n > 0 && s == n) }'
	elif [ $DDRC != 0 ]; then
		skip biolatency "dd oflag=direct failed on $TMP ($(stat -f -c %T "$TMP")): no block I/O to measure"
	else
		skip biolatency "no block:block_rq_* events fired for direct writes to $TMP ($(stat -f -c %T "$TMP") on $(df -P "$TMP" | awk 'NR == 2 { print $1 }')): not on a block device"
	fi
fi

# runqlat: three busy loops on fewer CPUs wait for each other
bg runqlat 60 "$SAMPLES/runqlat.kp" 3
busy 2; busy 2; busy 2
bgwait
usable runqlat &&
verdict runqlat "no waits measured" '
	/^run queue latency/ { n = $5; max = $NF }
	$2 ~ /^\|/ { s += $NF }
	END { exit !(n > 0 && s == n && max > 0) }'

# offcputime: a shell sleeps 0.3 s five times, with the CPUs busy (a
# switch back from idle is not traced on this kernel: see wakeup-latency)
bg offcputime 60 "$SAMPLES/offcputime.kp" 3
busy 2; busy 2
timeout 10 sh -c 'for i in 1 2 3 4 5; do sleep 0.3; done' &
PIDS="$PIDS $!"
wait $!
bgwait
usable offcputime &&
verdict offcputime "no folded stack of sleep off CPU for ~0.3 s" '
	$1 ~ /^sleep;/ && $NF + 0 >= 200000 && $NF + 0 < 10000000 { f = 1 }
	END { exit !f }'

# profile: a busy shell loop, about 1.5 s of CPU
run profile 60 "$SAMPLES/profile.kp" -- timeout 1.5 sh -c 'while :; do :; done'
usable profile &&
verdict profile "fewer than 50 samples of sh" '
	$1 ~ /^sh(;|$)/ || $1 ~ /^sh / { n += $NF }
	END { exit !(n >= 50) }'

# stackcount: dd allocates pages
run stackcount 60 "$SAMPLES/stackcount.kp" -- dd if=/dev/zero of="$TMP/sc" bs=1M count=4
usable stackcount &&
verdict stackcount "no stacks of dd" '
	NR == 1 && $2 == "pages," && $1 > 0 && $3 > 0 { h = 1 }
	$1 ~ /^[0-9]+$/ && $2 ~ /(^|,)dd(,|$)/ { getline; if ($1 ~ /;/) f = 1 }
	END { exit !(h && f) }'

# syslatency: ls makes system calls
run syslatency 60 "$SAMPLES/syslatency.kp" -- ls /
usable syslatency &&
verdict syslatency "no latencies for ls" '
	/ system calls, / { n = $1 }
	$2 ~ /^\|/ { s += $NF }
	$1 == "syscalls:sys_enter_openat" && $2 > 0 && $5 >= $4 { o = 1 }
	END { exit !(n > 10 && s == n && o) }'

# pagefaults: dd reads 16 MiB into a fresh buffer: the kernel faults on
# its 4096 pages while it copies
run pagefaults 60 "$SAMPLES/pagefaults.kp" -- dd if=/dev/zero of=/dev/null bs=16M count=1
usable pagefaults &&
verdict pagefaults "dd should fault on >= 4000 pages" '
	$1 == "dd" && $3 + $4 >= 4000 && $5 >= 1 { f = 1 }
	END { exit !f }'

# cswitch: a shell that runs sleep 10 times blocks 10 times
bg cswitch 60 "$SAMPLES/cswitch.kp" 3
sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.05; done' &
W=$!
PIDS="$PIDS $W"
wait $W
bgwait
usable cswitch &&
verdict cswitch "no voluntary switches of the shell [$W]" '
	$1 == "sh" && $2 == "['"$W"']" && $4 >= 10 && $3 == $4 + $5 { f = 1 }
	END { exit !f }'

# netdev and tcpstates: 4 MiB over a local TCP connection
if [ -z "$PY" ]; then
	skip netdev "no python3 for the TCP workload"
	skip tcpstates "no python3 for the TCP workload"
else
	bg netdev 60 "$SAMPLES/netdev.kp" 3
	tcp
	bgwait
	usable netdev &&
	verdict netdev "lo should have received >= 4 MiB" '
		$1 == "lo" && $3 >= 4194304 && $5 >= 4194304 { f = 1 }
		END { exit !f }'

	bg tcpstates 60 "$SAMPLES/tcpstates.kp" 3
	tcp
	bgwait
	usable tcpstates &&
	verdict tcpstates "no LISTEN, SYN_SENT -> ESTABLISHED and CLOSE" '
		$7 == "->" && $8 == "LISTEN" { l = 1 }
		$6 == "SYN_SENT" && $8 == "ESTABLISHED" { e = 1 }
		$8 == "CLOSE" { c = 1 }
		END { exit !(l && e && c) }'
fi

# errinfo: ls of a missing file fails with ENOENT
run errinfo 60 "$SAMPLES/errinfo.kp" -- ls "$TMP/nonexistent"
usable errinfo &&
verdict errinfo "no ENOENT of ls" '
	$1 == "ls" && $3 ~ /^syscalls:sys_exit_/ && $4 == "ENOENT" && $5 > 0 { f = 1 }
	END { exit !f }'

# irqtime: softirqs always run; direct I/O adds block interrupts
bg irqtime 60 "$SAMPLES/irqtime.kp" 3
dd if=/dev/zero of="$TMP/irq" bs=64k count=100 oflag=direct 2>/dev/null
bgwait
usable irqtime &&
verdict irqtime "no softirq handled" '
	$1 == "softirq" && $3 > 0 { f = 1 }
	END { exit !f }'

# kmalloctop: ls -lR makes the kernel allocate
run kmalloctop 60 "$SAMPLES/kmalloctop.kp" -- ls -lR /etc
usable kmalloctop &&
verdict kmalloctop "no kmalloc calls of ls" '
	$1 ~ /^0x[0-9a-f]+$|\+0x/ && $2 > 0 { site = 1 }
	$1 == "ls" && $2 > 0 && $4 >= $3 { f = 1 }
	END { exit !(site && f) }'

# killsnoop: a shell kills a sleep
run killsnoop 60 "$SAMPLES/killsnoop.kp" -- sh -c 'sleep 10 & sleep 0.3; kill $!; wait'
usable killsnoop &&
verdict killsnoop "no SIGTERM from sh to sleep" '
	$2 == "sh" && $3 == "SIGTERM" && $5 == "sleep" && $6 == "delivered" { f = 1 }
	END { exit !f }'

# pythongc: 20 full collections
if [ -n "$UPROBES" ]; then
	skip pythongc "$UPROBES"
elif [ ! -x "$PYTHON" ]; then
	skip pythongc "no $PYTHON (the interpreter the sample names)"
else
	run pythongc 60 "$SAMPLES/pythongc.kp" -- "$PYTHON" -c 'import gc
for i in range(20): gc.collect()'
	usable pythongc &&
	verdict pythongc "want >= 20 collections of generation 2" '
		$1 == 2 && $2 >= 20 { f = 1 }
		$2 ~ /^\|/ { s += $NF }
		END { exit !(f && s >= 20) }'
fi

# eventcount: the scheduler switches tasks
bg eventcount 60 "$SAMPLES/eventcount.kp" 2
busy 1
bgwait
usable eventcount &&
verdict eventcount "no sched_switch counted" '
	$1 == "sched:sched_switch" && $2 > 0 { f = 1 }
	$1 == "PROCESS" { p = 1 }
	END { exit !(f && p) }'

# kopensnoop and vfsreadlat: kprobes
run kopensnoop 60 "$SAMPLES/kopensnoop.kp" -- cat "$TMP/opensnoop-file"
usable kopensnoop &&
verdict kopensnoop "the open of cat is missing" '
	$2 == "cat" && $3 >= 0 && $NF == "'"$TMP/opensnoop-file"'" { f = 1 }
	END { exit !f }'

run vfsreadlat 60 "$SAMPLES/vfsreadlat.kp" -- cat "$TMP/opensnoop-file"
usable vfsreadlat &&
verdict vfsreadlat "no vfs_read of cat" '
	/^vfs_read: / && $2 > 0 && $4 >= 6 { n = 1 }
	$1 == "cat" { c = 1 }
	END { exit !(n && c) }'

# wakeup-latency (written for recordings, works live too): Ctrl-C ends it
timeout -k 10 -s INT 3 "$KTAP" -o "$TMP/wakeup-latency.out" "$SAMPLES/wakeup-latency.kp" \
	> /dev/null 2> "$TMP/wakeup-latency.err" < /dev/null &
BG=$!
PIDS="$PIDS $BG"
# busy CPUs: a task woken on an idle CPU comes back from idle, and on
# this kernel that switch is not traced (the trace file lacks it too)
busy 2; busy 2
timeout 10 sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.1; done'
bgwait
[ "$RC" = 124 ] && RC=0		# timeout's status when it sent the signal
usable wakeup-latency &&
verdict wakeup-latency "no histogram of sleep" '
	NF == 1 { k = ($1 == "sleep") }
	k && $2 ~ /^\|/ && $NF > 0 { f = 1 }
	END { exit !f }'

# every sample has a test
for n in $NAMES; do
	grep -qx "$n" "$TMP/tested" ||
		notok "$n" "tests/samples/run.sh has no test for it"
done

echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ $FAIL = 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# expected.sh - remake the .out files of these cases from trace-cmd's own
# output (plain `trace-cmd report`, and `-N` for events' own format text),
# rewritten with awk -- never from the plugin's output.  Run it after the
# fixtures in ../data change.
set -e
cd "$(dirname "$0")"
D=../data

# the info text starts after "EVENT:" and its padding
INFO='function info_at(line, ev) { i = index(line, ev ":"); rest = substr(line, i + length(ev) + 1); match(rest, /^ +/); return i + length(ev) + RLENGTH }'

trace-cmd report -i $D/sched.dat 2>/dev/null | awk "$INFO"'
/ sched_switch: / {
	at = info_at($0, "sched_switch"); rest = substr($0, at + 1)
	split(rest, a, " ==> ")
	p = a[1]; sub(/:[0-9]+ .*$/, "", p); n = a[2]; sub(/:[0-9]+ .*$/, "", n)
	print substr($0, 1, at) p " -> " n; next
}
{ print }' > switch_text.out

trace-cmd report -i $D/syscalls.dat 2>/dev/null | awk '
# a 64-bit hex number as signed (two'"'"'s complement done digit by digit:
# awk'"'"'s doubles cannot hold 0xfffffffffffffffe)
function hex(s,   v, i, c, neg) {
	v = 0; s = tolower(substr(s, 3))
	neg = length(s) == 16 && index("89abcdef", substr(s, 1, 1))
	for (i = 1; i <= length(s); i++) {
		c = index("0123456789abcdef", substr(s, i, 1)) - 1
		v = v * 16 + (neg ? 15 - c : c)
	}
	return neg ? -(v + 1) : v
}
/ sys_exit_openat: / { printf "%s | ret %d\n", $0, hex($NF); next }
{ print }' > event_text.out

{
	echo "top level"
	trace-cmd report -i $D/sched.dat 2>/dev/null | awk "$INFO"'
	/ sched_wakeup: / { print substr($0, 1, info_at($0, "sched_wakeup")); next }
	{ print }'
	echo "$(trace-cmd report -i $D/sched.dat 2>/dev/null | grep -c ' sched_wakeup: ') wakeups"
} > top_and_end.out

# switches 1 and 2 print "switch N", the 3rd fails: from it on the events
# show their own format (report -N), and trace_end reports 3
trace-cmd report -N -i $D/sched.dat 2>/dev/null > own.tmp
trace-cmd report -i $D/sched.dat 2>/dev/null | awk "$INFO"'
BEGIN { while ((getline l < "own.tmp") > 0) own[++n] = l }
{ line++ }
/ sched_switch: / {
	s++
	if (s <= 2) { print substr($0, 1, info_at($0, "sched_switch")) "switch\t" s; next }
	print own[line]; next
}
{ print }
END { print "collected\t3" }' > handler_error.out
rm -f own.tmp

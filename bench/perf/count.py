# SPDX-License-Identifier: GPL-2.0
# The perf benchmark's script for perf's Python engine: count.kp's work,
# the samples per command, in idiomatic perf Python (a handler per event,
# a dict per command).
from __future__ import print_function

counts = {}


def syscalls__sys_enter_getppid(event_name, context, common_cpu, common_secs,
                                common_nsecs, common_pid, common_comm, *rest):
    counts[common_comm] = counts.get(common_comm, 0) + 1


def trace_end():
    for comm, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print("%-20s %d" % (comm, n))

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ktapvm_ioctl.h - the protocol of /dev/ktap, between the ktap command and
 * the ktapvm kernel module (Documentation/kernel-module.md).
 *
 * Each open file is one session: LOAD hands over verified-on-arrival
 * bytecode and its arguments, ATTACH the events its probes trace (resolved
 * in userspace: tracefs event ids and formats), RUN runs the top level,
 * START and STOP switch the events on and off, END runs the trace_end
 * handlers, STATUS says how it went; read() and poll() deliver the
 * script's output.  Closing the file ends the session.  Only
 * CAP_SYS_ADMIN may open the device.
 */
#ifndef KTAP_KTAPVM_IOCTL_H
#define KTAP_KTAPVM_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped when a structure below or an ioctl's meaning changes. */
#define KTAPVM_PROTOCOL		3

#define KTAPVM_DEVICE		"/dev/ktap"

struct ktapvm_version {
	__u32 protocol;		/* KTAPVM_PROTOCOL of the module */
	__u32 bytecode;		/* the bytecode version it runs */
	char release[32];	/* the module's ktap version */
};

#define KTAPVM_OUTPUT_JSON	0x1
#define KTAPVM_OUTPUT_FTRACE	0x2	/* also as ktap:print events, a line each */
#define KTAPVM_OUTPUT_NO_RING	0x4	/* with FTRACE: only there, not to read() */

struct ktapvm_load {
	__u64 bytecode;		/* user pointer to the bytecode */
	__u32 size;		/* its length in bytes */
	__u32 argc;		/* arg[0] .. arg[argc - 1] */
	__u64 argv;		/* user pointer to argc __u64 string pointers */
	__u64 max_mem;		/* 0: the module's default */
	__u64 max_loop;		/* 0: default; ~0: unlimited */
	__u32 max_depth;	/* 0: default */
	__u32 flags;		/* KTAPVM_OUTPUT_* */
};

struct ktapvm_status {
	__s32 exited;		/* the script called exit() */
	__s32 exit_status;
	__u64 mem;		/* bytes the session holds */
	__u64 mem_peak;
	__u64 lost;		/* output bytes dropped */
	__u64 events;		/* events that ran a probe */
	__u64 percpu;		/* of those, updates run without the VM */
	__u64 dropped;		/* events not run: NMI, recursion, busy */
	char error[512];	/* the last error, "" if none */
};

/* A field of an event's format, as tracefs describes it. */
#define KTAPVM_FIELD_SIGNED	0x1
#define KTAPVM_FIELD_STRING	0x2	/* char name[N] */
#define KTAPVM_FIELD_DYNAMIC	0x4	/* __data_loc: offset and length */
#define KTAPVM_FIELD_ARRAY	0x8	/* elements of elem_size */
#define KTAPVM_FIELD_RELATIVE	0x10	/* __rel_loc */

struct ktapvm_field {
	char name[48];
	__u16 offset;
	__u16 size;
	__u16 elem_size;
	__u16 flags;		/* KTAPVM_FIELD_* */
};

/* One event for the probe @probe: a tracefs event id, or a timer. */
#define KTAPVM_EVENT_TRACEPOINT	0	/* perf's PERF_TYPE_TRACEPOINT */
#define KTAPVM_EVENT_TICK	1	/* one timer every period_ns */
#define KTAPVM_EVENT_PROFILE	2	/* cpu-clock on every CPU */

#define KTAPVM_MAX_EVENTS	4096
#define KTAPVM_MAX_FIELDS	64

struct ktapvm_event {
	__u32 kind;		/* KTAPVM_EVENT_* */
	__u32 probe;		/* the probe's index in the manifest */
	__u64 id;		/* tracepoint: events/SYS/EVENT/id */
	__u64 period_ns;	/* tick, profile */
	__u32 nfields;
	__u32 prefiltered;	/* the kernel filter is the probe's */
	__u64 fields;		/* user pointer to nfields ktapvm_field */
	char name[96];		/* probename: "sys:event" */
};

struct ktapvm_attach {
	__u32 nevents;
	__s32 cpu;		/* -1: every CPU */
	__s32 pid;		/* 0: every task; else this process */
	__u32 flags;		/* none yet: 0 */
	__u64 events;		/* user pointer to nevents ktapvm_event */
};

#define KTAPVM_IOC_MAGIC	0xB7

#define KTAPVM_IOC_VERSION	_IOR(KTAPVM_IOC_MAGIC, 0x80, struct ktapvm_version)
#define KTAPVM_IOC_LOAD		_IOW(KTAPVM_IOC_MAGIC, 0x81, struct ktapvm_load)
#define KTAPVM_IOC_RUN		_IO(KTAPVM_IOC_MAGIC, 0x82)
#define KTAPVM_IOC_END		_IO(KTAPVM_IOC_MAGIC, 0x83)
#define KTAPVM_IOC_STATUS	_IOR(KTAPVM_IOC_MAGIC, 0x84, struct ktapvm_status)
#define KTAPVM_IOC_ATTACH	_IOW(KTAPVM_IOC_MAGIC, 0x85, struct ktapvm_attach)
#define KTAPVM_IOC_START	_IO(KTAPVM_IOC_MAGIC, 0x86)
#define KTAPVM_IOC_STOP		_IO(KTAPVM_IOC_MAGIC, 0x87)

#endif /* KTAP_KTAPVM_IOCTL_H */

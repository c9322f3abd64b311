/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ktapvm_ioctl.h - the protocol of /dev/ktap, between the ktap command and
 * the ktapvm kernel module (Documentation/kernel-module.md).
 *
 * Each open file is one session: LOAD hands over verified-on-arrival
 * bytecode and its arguments, RUN runs the top level, END the trace_end
 * handlers, STATUS says how it went; read() and poll() deliver the
 * script's output.  Closing the file ends the session.  Only
 * CAP_SYS_ADMIN may open the device.
 */
#ifndef KTAP_KTAPVM_IOCTL_H
#define KTAP_KTAPVM_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped when a structure below or an ioctl's meaning changes. */
#define KTAPVM_PROTOCOL		1

#define KTAPVM_DEVICE		"/dev/ktap"

struct ktapvm_version {
	__u32 protocol;		/* KTAPVM_PROTOCOL of the module */
	__u32 bytecode;		/* the bytecode version it runs */
	char release[32];	/* the module's ktap version */
};

#define KTAPVM_OUTPUT_JSON	0x1

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
	char error[512];	/* the last error, "" if none */
};

#define KTAPVM_IOC_MAGIC	0xB7

#define KTAPVM_IOC_VERSION	_IOR(KTAPVM_IOC_MAGIC, 0x80, struct ktapvm_version)
#define KTAPVM_IOC_LOAD		_IOW(KTAPVM_IOC_MAGIC, 0x81, struct ktapvm_load)
#define KTAPVM_IOC_RUN		_IO(KTAPVM_IOC_MAGIC, 0x82)
#define KTAPVM_IOC_END		_IO(KTAPVM_IOC_MAGIC, 0x83)
#define KTAPVM_IOC_STATUS	_IOR(KTAPVM_IOC_MAGIC, 0x84, struct ktapvm_status)

#endif /* KTAP_KTAPVM_IOCTL_H */

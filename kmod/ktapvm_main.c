// SPDX-License-Identifier: GPL-2.0
/*
 * ktapvm.c - the ktap virtual machine inside the kernel.
 *
 * /dev/ktap (CAP_SYS_ADMIN only): each open file is a session running one
 * script, compiled in userspace and verified here on arrival by the same
 * loader and verifier as everywhere else (lib/).  The protocol is in
 * include/ktap/ktapvm_ioctl.h and Documentation/kernel-module.md.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "ktapvm.h"
#include "../include/ktap/ktapvm_ioctl.h"

static unsigned long max_mem = 256UL << 20;
module_param(max_mem, ulong, 0644);
MODULE_PARM_DESC(max_mem, "most memory a session may hold, bytes (default 256M)");

static ulong max_loop = KTAP_DEFAULT_MAX_LOOP;
module_param(max_loop, ulong, 0644);
MODULE_PARM_DESC(max_loop, "default loop budget of a run: backward jumps and calls (default 10000000)");

static uint max_depth = KTAP_DEFAULT_MAX_DEPTH;
module_param(max_depth, uint, 0644);
MODULE_PARM_DESC(max_depth, "default call depth of a run (default 1000)");

static ulong probe_mem = 16UL << 20;
module_param(probe_mem, ulong, 0644);
MODULE_PARM_DESC(probe_mem, "memory set aside for probes when events start, bytes (default 16M)");

static ulong out_size = 1UL << 20;
module_param(out_size, ulong, 0444);
MODULE_PARM_DESC(out_size, "output buffer of a session, bytes (default 1M)");

/* Largest bytecode file and argument list accepted. */
#define KV_MAX_BYTECODE	(16U << 20)
#define KV_MAX_ARGS	256
#define KV_MAX_ARGLEN	4096

static int ktapvm_open(struct inode *inode, struct file *file)
{
	struct kv_session *ks;
	int r;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ks = kzalloc(sizeof(*ks), GFP_KERNEL);
	if (!ks)
		return -ENOMEM;
	r = kv_ring_init(&ks->ring, out_size);
	if (r) {
		kfree(ks);
		return r;
	}
	mutex_init(&ks->lock);
	raw_spin_lock_init(&ks->att.vm_lock);
	raw_spin_lock_init(&ks->ftrace.lock);
	kv_platform_init(ks);
	file->private_data = ks;
	return 0;
}

static int ktapvm_release(struct inode *inode, struct file *file)
{
	struct kv_session *ks = file->private_data;

	kv_detach(ks);
	kv_ftrace_free(&ks->ftrace);
	kv_stack_free(ks);
	kv_percpu_free(ks);
	ks->arena.can_grow = false;
	if (ks->s)
		ktap_session_free(ks->s);
	kv_arena_free(&ks->arena);
	kv_ring_free(&ks->ring);
	kfree(ks);
	return 0;
}

/* The script's arguments, copied in: argv[i] become arg[i]. */
static char **copy_args(const struct ktapvm_load *ld)
{
	const u64 __user *uargv = u64_to_user_ptr(ld->argv);
	char **argv;
	u32 i;

	argv = kcalloc(ld->argc + 1, sizeof(*argv), GFP_KERNEL);
	if (!argv)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < ld->argc; i++) {
		u64 p;

		if (get_user(p, uargv + i)) {
			argv[i] = ERR_PTR(-EFAULT);
		} else {
			argv[i] = strndup_user(u64_to_user_ptr(p),
					       KV_MAX_ARGLEN);
		}
		if (IS_ERR(argv[i])) {
			long err = PTR_ERR(argv[i]);

			while (i--)
				kfree(argv[i]);
			kfree(argv);
			return ERR_PTR(err);
		}
	}
	return argv;
}

static void free_args(char **argv, u32 argc)
{
	u32 i;

	for (i = 0; i < argc; i++)
		kfree(argv[i]);
	kfree(argv);
}

static long kv_load(struct kv_session *ks, void __user *uarg)
{
	struct ktap_limits lim = { 0 };
	struct ktapvm_load ld;
	char **argv;
	void *bc;
	long r;

	if (ks->s)
		return -EBUSY;
	if (copy_from_user(&ld, uarg, sizeof(ld)))
		return -EFAULT;
	if (ld.size > KV_MAX_BYTECODE || ld.argc > KV_MAX_ARGS ||
	    (ld.flags & ~(KTAPVM_OUTPUT_JSON | KTAPVM_OUTPUT_FTRACE |
			  KTAPVM_OUTPUT_NO_RING)) ||
	    (ld.flags & KTAPVM_OUTPUT_NO_RING &&
	     !(ld.flags & KTAPVM_OUTPUT_FTRACE)))
		return -EINVAL;
	if (ld.max_mem > max_mem)
		return -E2BIG;
	lim.max_mem = ld.max_mem ? ld.max_mem : max_mem;
	lim.max_loop = ld.max_loop ? ld.max_loop : max_loop;
	lim.max_depth = ld.max_depth ? ld.max_depth : max_depth;
	if (ld.flags & KTAPVM_OUTPUT_FTRACE) {
		r = kv_ftrace_init(&ks->ftrace, task_tgid_nr(current));
		if (r)
			return r;
		ks->ring_off = ld.flags & KTAPVM_OUTPUT_NO_RING;
	}
	bc = vmemdup_user(u64_to_user_ptr(ld.bytecode), ld.size);
	if (IS_ERR(bc))
		return PTR_ERR(bc);
	argv = copy_args(&ld);
	if (IS_ERR(argv)) {
		kvfree(bc);
		return PTR_ERR(argv);
	}
	ks->s = ktap_session_new(&ks->pf, &lim);
	if (!ks->s) {
		r = -ENOMEM;
	} else {
		ktap_session_set_output(ks->s, ld.flags & KTAPVM_OUTPUT_JSON ?
					KTAP_OUTPUT_JSON : KTAP_OUTPUT_TEXT);
		/* a rejected load keeps the session for STATUS to explain */
		r = kv_stack_register(ks) ? -ENOMEM :
		    ktap_session_load(ks->s, bc, ld.size, ld.argc,
				      (const char *const *)argv) ? -EINVAL :
		    kv_stack_prepare(ks);
	}
	free_args(argv, ld.argc);
	kvfree(bc);
	return r;
}

static long kv_status(struct kv_session *ks, void __user *uarg)
{
	struct ktapvm_status st;
	int status = 0;

	memset(&st, 0, sizeof(st));
	if (ks->s) {
		st.exited = ktap_session_exited(ks->s, &status);
		st.exit_status = status;
		st.mem = ktap_session_mem(ks->s, &st.mem_peak);
		strscpy(st.error, ktap_session_error(ks->s), sizeof(st.error));
	}
	spin_lock_irq(&ks->ring.lock);
	st.lost = ks->ring.lost;
	spin_unlock_irq(&ks->ring.lock);
	raw_spin_lock_irq(&ks->ftrace.lock);
	st.lost += ks->ftrace.lost;
	raw_spin_unlock_irq(&ks->ftrace.lock);
	st.percpu = kv_percpu_events(ks);
	st.events = atomic64_read(&ks->att.events) + st.percpu;
	st.dropped = atomic64_read(&ks->att.dropped);
	return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long ktapvm_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct kv_session *ks = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct ktapvm_version ver = {
		.protocol = KTAPVM_PROTOCOL,
		.bytecode = KTAP_BC_VERSION,
		.release = KTAP_VERSION,
	};
	long r;

	if (cmd == KTAPVM_IOC_VERSION)
		return copy_to_user(uarg, &ver, sizeof(ver)) ? -EFAULT : 0;
	mutex_lock(&ks->lock);
	/*
	 * The ioctls that run the VM do so while no event runs it: they may
	 * sleep, and the arena may take chunks.  STATUS, ATTACH and STOP may
	 * come while handlers run, and leave both alone.
	 */
	if (cmd == KTAPVM_IOC_LOAD || cmd == KTAPVM_IOC_RUN ||
	    cmd == KTAPVM_IOC_END || cmd == KTAPVM_IOC_START) {
		if (ks->att.started) {
			mutex_unlock(&ks->lock);
			return -EBUSY;
		}
		ks->may_sleep = ks->arena.can_grow = true;
	}
	switch (cmd) {
	case KTAPVM_IOC_LOAD:
		r = kv_load(ks, uarg);
		break;
	case KTAPVM_IOC_RUN:
		r = !ks->s ? -ENOENT : ktap_session_run(ks->s) ? -EINVAL : 0;
		break;
	case KTAPVM_IOC_ATTACH:
		r = kv_attach(ks, uarg);
		break;
	case KTAPVM_IOC_START:
		if (!ks->att.ev) {
			r = -ENOENT;
			break;
		}
		/* what the probes will allocate from */
		r = kv_arena_reserve(&ks->arena, probe_mem);
		if (!r)
			r = kv_percpu_prepare(ks);
		if (!r)
			kv_start(ks);
		break;
	case KTAPVM_IOC_STOP:
		kv_stop(ks);
		r = ks->att.failed ? -EINVAL : 0;
		break;
	case KTAPVM_IOC_END:
		if (!ks->s) {
			r = -ENOENT;
			break;
		}
		/* arg 0: run trace_end; either way no more output follows */
		r = arg ? 0 : ktap_session_end(ks->s) ? -EINVAL : 0;
		kv_ring_finish(&ks->ring);
		break;
	case KTAPVM_IOC_STATUS:
		r = kv_status(ks, uarg);
		break;
	default:
		r = -ENOTTY;
		break;
	}
	if (ks->may_sleep)
		kv_ftrace_flush(&ks->ftrace, false);
	ks->may_sleep = ks->arena.can_grow = false;
	mutex_unlock(&ks->lock);
	return r;
}

static ssize_t ktapvm_read(struct file *file, char __user *buf, size_t len,
			   loff_t *ppos)
{
	struct kv_session *ks = file->private_data;

	return kv_ring_read(&ks->ring, buf, len, file->f_flags & O_NONBLOCK);
}

static __poll_t ktapvm_poll(struct file *file, poll_table *wait)
{
	struct kv_session *ks = file->private_data;

	return kv_ring_poll(&ks->ring, file, wait);
}

static const struct file_operations ktapvm_fops = {
	.owner = THIS_MODULE,
	.open = ktapvm_open,
	.release = ktapvm_release,
	.unlocked_ioctl = ktapvm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.read = ktapvm_read,
	.poll = ktapvm_poll,
	.llseek = noop_llseek,
};

static struct miscdevice ktapvm_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "ktap",
	.fops = &ktapvm_fops,
	.mode = 0600,
};

static int __init ktapvm_init(void)
{
	return misc_register(&ktapvm_dev);
}

static void __exit ktapvm_exit(void)
{
	misc_deregister(&ktapvm_dev);
}

module_init(ktapvm_init);
module_exit(ktapvm_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ktap: a virtual machine for ktap tracing scripts");
MODULE_VERSION(KTAP_VERSION);

/* vmm.h - the hypervisor backend interface.
 *
 * A backend turns a plan into the argv that boots it; the fds that argv
 * names sit at fixed numbers in the hypervisor's process (the slots
 * below), so the argv `pool check` prints is the argv that runs. Starting
 * it is the same for every backend: fds into their slots, the machine's
 * uid (no privileges left, none to regain), exec.
 *
 * qemu.c is the one backend. A second (cloud-hypervisor, firecracker) is
 * one new file with its argv function and an entry in vmm.c's table. */
#ifndef POOL_VMM_H
#define POOL_VMM_H

#include <stdio.h>
#include <sys/types.h>

#include "plan.h"
#include "util/err.h"
#include "util/strv.h"

/* The hypervisor's fds: slot k is fd VMM_FD_BASE + k in its process. */
#define VMM_FD_BASE 3
enum vmm_slot {
	VMM_SLOT_CONSOLE,	/* socket: serial console ttyS0 */
	VMM_SLOT_AGENT,		/* socket: virtio-serial port org.pool.agent */
	VMM_SLOT_KERNEL,	/* the kernel, opened by pool */
	VMM_SLOT_INITRD,	/* the machine's initrd (a sealed memfd: it holds secrets) */
	VMM_SLOT_TAP,		/* the machine's TAP, when it has a network */
	VMM_SLOT_SHARES,	/* then one vhost-user socket per share, then the volumes */
};
#define VMM_SLOTS_MAX (VMM_SLOT_SHARES + PLAN_SHARES_MAX + PLAN_VOLUMES_MAX)

static inline int vmm_fd(int slot)
{
	return VMM_FD_BASE + slot;
}
/* Share i's socket, volume i's image. */
static inline int vmm_share_slot(size_t i)
{
	return VMM_SLOT_SHARES + (int)i;
}
static inline int vmm_volume_slot(const struct plan *p, size_t i)
{
	return VMM_SLOT_SHARES + (int)(p->nshares + i);
}

/* What the supervisor hands over, slot by slot (-1: nothing there), and
 * the cgroup.procs of the memory cgroup the hypervisor joins before it
 * runs (util/cgroup.h; -1: none). */
struct vmm_fds {
	int fd[VMM_SLOTS_MAX];
	int cgroup_procs;
};
void vmm_fds_init(struct vmm_fds *f);

/* What the hypervisor may use on the host, its memory cgroup's limit: the
 * guest's memory, QEMU's own (devices, buffers, virtiofs queues: 45 to
 * 75 MiB measured under TCG), and under TCG its translation cache, which
 * qemu.c caps with tb-size. */
#define VMM_OVERHEAD_MIB 256u
#define VMM_STR_(x) #x
#define VMM_STR(x) VMM_STR_(x)
uint64_t vmm_memory_limit(const struct plan *p);

/* A backend: the argv for a plan, appended to argv. */
struct vmm_backend {
	const char *name;
	int (*argv)(const struct plan *p, struct strv *argv, struct pool_err *e);
};
extern const struct vmm_backend vmm_qemu;

/* The plan's hypervisor argv, into p->argv. */
int vmm_argv(struct plan *p, struct pool_err *e);
/* The argv as a shell would take it, and the fd table, for pool check. */
void vmm_print(const struct plan *p, FILE *out);

/* Start the hypervisor: in its memory cgroup first, fds into their slots,
 * stdin and stdout on /dev/null, stderr_fd for its own messages, its own
 * process group, the machine's uid and gid (the kvm group with KVM), no
 * new privileges, and a parent-death signal. Returns its pid. */
pid_t vmm_spawn(const struct plan *p, const struct vmm_fds *fds, int stderr_fd, struct pool_err *e);

/* A kernel or initrd for the hypervisor, which opens it again through
 * /proc/self/fd as the machine's uid: a file others cannot read (a kernel
 * 0600, as some distributions ship it) goes through a sealed memfd.
 * opened: the file the spec named, as the plan opened it for the invoking
 * user (never as root: /etc/shadow is no initrd); -1 for pool's own path. */
int vmm_boot_fd(const char *path, int opened, struct pool_err *e);

#endif

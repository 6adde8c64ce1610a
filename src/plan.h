/* plan.h - everything a boot will do, resolved before anything is touched.
 * `pool check` prints it; `pool run` and `pool up` carry it out. */
#ifndef POOL_PLAN_H
#define POOL_PLAN_H

#include <limits.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmm/accel.h"
#include "net/channel.h"
#include "net/machine_net.h"
#include "spec/spec.h"
#include "util/beneath.h"
#include "util/err.h"
#include "util/strv.h"

#define PLAN_SHARES_MAX 16

/* A folder the guest sees over virtiofs: the host's /usr for image host,
 * then the spec's shares. Its socket reaches the hypervisor in its slot
 * (vmm.h). */
struct plan_share {
	const char *source;
	const char *target;
	bool readonly;
	bool host;		/* the host's own /usr or /nix/store, served as root */
	uid_t owner;		/* whose its files are in the guest (uid, and gid alike): owner:, or 0 */
	char tag[16];
	const struct spec_pos *pos;	/* its source: in the spec (for messages) */
	struct strv protect;	/* paths in it the guest may not change (read-only binds) */
};

#define PLAN_VOLUMES_MAX 8

/* A raw image the guest sees over virtio-blk (serial "volN") and mounts
 * at target. The supervisor opens and locks it and hands it to the
 * hypervisor in its slot (vmm.h). */
struct plan_volume {
	const char *path;
	const char *target;	/* NULL: attached, not mounted */
	uint64_t size;		/* for a new image */
	char serial[16];
};

/* Where pool keeps things; from the environment, with the defaults pool(1) names. */
struct pool_paths {
	char state[PATH_MAX];	/* POOL_STATE_DIR, /run/pool */
	char cache[PATH_MAX];	/* POOL_CACHE_DIR, /var/cache/pool */
	char init[PATH_MAX];	/* POOL_INIT, or pool-init beside pool, in ../libexec/pool, or libexecdir */
	char busybox[PATH_MAX];	/* POOL_BUSYBOX or /bin/busybox */
	char qemu[PATH_MAX];	/* POOL_QEMU or qemu-system-x86_64 in PATH */
	char virtiofsd[PATH_MAX];	/* POOL_VIRTIOFSD, /usr/lib/qemu/virtiofsd, /usr/libexec/virtiofsd, PATH */
};

int paths_from_env(struct pool_paths *p, struct pool_err *e);

enum plan_mode { PLAN_RUN, PLAN_UP };

struct plan {
	const struct machine *m;
	struct pool_paths paths;
	enum plan_mode mode;

	char kernel[PATH_MAX];
	int kernel_fd, initrd_fd;	/* what the spec named, opened as the invoking user; -1: pool's own */
	char kernel_version[128];
	char moddir[PATH_MAX];
	struct strv modules;	/* relative to moddir, load order */
	struct strv applets;
	char image_hash[65];
	char image_path[PATH_MAX];	/* cached shared image */
	char nebula[PATH_MAX];		/* mesh, image minimal: nebula, put in the image; else "" */
	struct strv nebula_libs;	/* its interpreter and libraries */

	struct accel_choice accel;
	unsigned cpus;		/* the spec's, or cpus: auto resolved (plan_cpus) */
	unsigned tb_mib;	/* TCG: the translation cache, MiB */
	unsigned long tsc_khz;	/* TCG: the host's TSC rate, for tsc_early_khz= */
	uid_t uid;		/* the hypervisor runs as this uid and gid, which */
	gid_t gid;		/* the supervisor takes at start (supervise/ids.h) */
	uid_t sup_uid;		/* and its guest-facing part as this one */

	char state_dir[PATH_MAX];	/* POOL_STATE_DIR/NAME */
	char initrd[PATH_MAX];		/* image nixos: the spec's, as is; else a memfd made at boot */
	char console_log[PATH_MAX];	/* state_dir/console.log */

	struct plan_share shares[PLAN_SHARES_MAX];
	size_t nshares;
	struct plan_volume volumes[PLAN_VOLUMES_MAX];
	size_t nvolumes;

	bool has_net;		/* network is not none */
	struct machine_net net;	/* TAP name, MAC, address, policy */
	uint32_t subnet;	/* the channel's, host byte order */
	unsigned prefix;

	const struct path_grants *grants;	/* the command line's --allow-path (util/beneath.h) */
	char *cmdline;		/* the kernel command line */
	struct strv argv;	/* the hypervisor's argv: vmm_argv fills it */
};

/* Resolve the plan: kernel and version, module closure, image hash (reads
 * the files that go into the image, writes nothing), accelerator,
 * kernel command line. The hypervisor's argv is vmm_argv's (vmm.h). */
int plan_build(const struct machine *m, enum plan_mode mode, const struct path_grants *grants,
	       struct plan *p, struct pool_err *e);
/* The plan's identity, for spares: a SHA-256 over everything that goes
 * into the machine and decides what it is: the mode, the kernel and boot
 * image (by content), the command line, cpus, memory, accelerator, the
 * hypervisor and virtiofsd binaries, each share (its folder by device and
 * inode, its settings and owner, its protected paths), each volume (its
 * image by device and inode), the users (their hashes; a pass: by
 * pass_id), the network (mode, address, MAC, allow list with its names,
 * --allow-lan), the mesh (network, address, groups, the lighthouses the
 * host's grant gave, inbound rules), the invoking user
 * (uid, gid, groups), the command line's grants (each folder and where it
 * resolved) and image host's /etc and /usr mask. Not warm:, and not the
 * per-boot secrets (the ssh host key). u: who pool acts for. */
int plan_hash(const struct plan *p, uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups,
	      char hex[65], struct pool_err *e);

void plan_print(const struct plan *p, FILE *out);
void plan_free(struct plan *p);

#define PLAN_CPUS_AUTO_MAX 8	/* cpus: auto takes the host's cores, at most this many */

/* Pure: the vCPUs for a spec's cpus (POOL_CPUS_AUTO: host_cpus, the cores
 * pool may run on, capped at PLAN_CPUS_AUTO_MAX; QEMU's multi-threaded
 * TCG runs each vCPU on a host thread, so more than the host's cores only
 * adds contention). */
unsigned plan_cpus(unsigned spec, long host_cpus);

/* Pure: the TCG translation cache for a host with ram_mib of memory:
 * 1 GiB (a build translates much code, and a cache that fills is flushed
 * whole), an eighth of a small host's memory, at least 128 MiB. */
unsigned plan_tb_mib(uint64_t ram_mib);

#endif

/* cgroup.h - a memory cgroup for one machine's hypervisor, in the node
 * "pool" that pool makes at the top of the host's memory hierarchy, never
 * inside the session of the user who ran it: cgroup v2 (memory.max) where
 * the unified hierarchy has the memory controller, else cgroup v1
 * (memory.limit_in_bytes). The cgroup is named after the machine and its
 * state folder, so two state roots never share one; it goes with the
 * machine (pool down, a crash, the reclaim of a killed supervisor). */
#ifndef POOL_CGROUP_H
#define POOL_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum cgroup_version { CGROUP_NONE, CGROUP_V1, CGROUP_V2 };

/* Where the memory controller is mounted. */
struct cgroup_mounts {
	char v2[PATH_MAX];	/* the unified hierarchy, "" when there is none */
	char v1_memory[PATH_MAX];	/* a v1 hierarchy with memory, "" when there is none */
};

/* Pure: the mount points in a /proc/self/mountinfo text. A mount point
 * with an escape (\040 and the like) is left out. */
void cgroup_mounts_parse(const char *mountinfo, struct cgroup_mounts *m);

/* Pure: whether word is one of the items of list (separated by spaces,
 * commas or newlines): "memory" in "cpuset cpu io memory pids". */
bool cgroup_list_has(const char *list, const char *word);

/* What this host offers: the version and pool's node (MOUNT/pool, which
 * may not exist yet; MOUNT/CGROUP/pool with POOL_CGROUP=CGROUP, a cgroup
 * as /proc/self/cgroup names it, which must exist). 0, or -1 with e
 * saying why there is none. */
struct cgroup_host {
	enum cgroup_version version;
	char node[PATH_MAX];
};
int cgroup_host_find(struct cgroup_host *h, struct pool_err *e);

/* Whether pool may make its cgroups there (the node, or the hierarchy's
 * root when the node is not made yet, is writable). For pool doctor. */
int cgroup_host_writable(const struct cgroup_host *h, struct pool_err *e);

/* The cgroup's name for machine name whose folder is state_dir:
 * "NAME-" and 8 hex digits of the folder's SHA-256. */
void cgroup_key(const char *state_dir, const char *name, char *out, size_t size);

/* Make node/KEY (one left by a crash first removed), with limit bytes of
 * memory and no swap beyond it. Returns an fd of its cgroup.procs
 * (O_WRONLY, O_CLOEXEC): a child writes "0" into it to join. -1 with e. */
int cgroup_machine_open(const char *key, uint64_t limit, struct pool_err *e);

/* Remove node/KEY, waiting up to a second for its last process to leave.
 * 0 also when there is none (or no cgroup hierarchy at all). */
int cgroup_machine_remove(const char *key, struct pool_err *e);

#endif

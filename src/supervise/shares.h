/* shares.h - a machine's shares: one virtiofsd each, sandboxed, files
 * owned by the user who invoked pool. */
#ifndef POOL_SUPERVISE_SHARES_H
#define POOL_SUPERVISE_SHARES_H

#include <stdbool.h>
#include <sys/types.h>

#include "plan.h"
#include "util/err.h"
#include "util/user.h"

struct virtiofsd {
	pid_t pid;
	int qemu_fd;		/* connected vhost-user socket, for QEMU */
};

/* Start virtiofsd for folder source. It runs as the user `as` (NULL:
 * root, for the host's own /usr and /nix/store), its uid and primary gid
 * without supplementary groups (virtiofsd drops those itself), in a new
 * user namespace whose only uid (and gid) 0 maps to it, so what
 * the guest's root creates is the user's on the host, and in a mount
 * namespace where a read-only share is a read-only bind mount (writes
 * fail with EROFS, whatever the guest does). sock_path is where the
 * listening socket is made (inside the machine's state folder); bin is
 * the virtiofsd to run (struct pool_paths). */
int virtiofsd_start(struct virtiofsd *v, const char *bin, const char *source, bool readonly,
		    const struct pool_user *as, const char *sock_path, int log_fd, struct pool_err *e);
void virtiofsd_stop(struct virtiofsd *v);

/* The machine's set, in plan order. */
struct shares {
	struct virtiofsd fs[PLAN_SHARES_MAX];
	size_t n;		/* started (or tried) */
};

void shares_init(struct shares *sh);
/* One virtiofsd for each of the plan's shares, as the invoking user (the
 * host's /usr and /nix/store as root); their messages go to log_fd. */
int shares_start(const struct plan *p, struct shares *sh, int log_fd, struct pool_err *e);
/* A virtiofsd that has ended: its index, with its wait status in
 * *status; -1 when none has. */
int shares_reap(struct shares *sh, int *status);
void shares_stop(struct shares *sh);

#endif

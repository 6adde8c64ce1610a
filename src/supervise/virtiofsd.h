/* virtiofsd.h - one virtiofsd per share, sandboxed, files owned by the
 * user who invoked pool. */
#ifndef POOL_VIRTIOFSD_H
#define POOL_VIRTIOFSD_H

#include <stdbool.h>
#include <sys/types.h>

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

#endif

/* privdrop.h - start the hypervisor as an unprivileged uid, with the fds
 * pool opened for it at fixed numbers. */
#ifndef POOL_PRIVDROP_H
#define POOL_PRIVDROP_H

#include <sys/types.h>

#include "plan.h"

#define VMM_FDS_MAX (VMM_FD_FIRST_FREE - VMM_FD_CONSOLE + PLAN_SHARES_MAX + PLAN_VOLUMES_MAX)

/* fds[i] lands at VMM_FD_CONSOLE + i in the child (-1: nothing there);
 * nfds at most VMM_FDS_MAX. stderr_fd receives the
 * hypervisor's own messages. The child dies with its parent. */
pid_t vmm_spawn(const struct plan *p, const int *fds, int nfds, int stderr_fd,
		struct pool_err *e);

/* Work on a path that a spec names (which may come with a codebase) is
 * done as the user who invoked pool, never as root: fn runs in a child
 * with uid:gid (no supplementary groups) and returns an fd, or a negative
 * code with e filled; the fd, or the code and e, come back here. With
 * uid 0 (pool run by root itself) fn runs here. */
typedef int (*as_user_fn)(void *arg, struct pool_err *e);
int run_as_user(uid_t uid, gid_t gid, as_user_fn fn, void *arg, struct pool_err *e);

#endif

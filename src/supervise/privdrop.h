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

#endif

/* supervisor.h - one machine's life: state folder, hypervisor, console,
 * agent; for `pool run` (a command, then power off) and `pool up`
 * (the console attached until the guest powers off). */
#ifndef POOL_SUPERVISOR_H
#define POOL_SUPERVISOR_H

#include <stdbool.h>

#include "plan.h"

struct run_request {
	char **argv;		/* the guest command (run), NULL for up */
	int argc;
	char **env;		/* its environment, "KEY=VALUE" each: exactly these */
	size_t nenv;
	bool detached;		/* up -d: no console on stdio */
	int ready_fd;		/* up -d: gets "R" when the agent is READY; else -1 */
};

/* Boot the plan and serve it in the foreground. Returns the exit status
 * (the guest command's for run; 0 when the guest powered off for up), or
 * -1 with e filled. Leaves no process or state folder behind. */
int supervise(struct plan *p, const struct run_request *req, struct pool_err *e);

/* pool up -d: supervise in a child of its own session; return 0 once the
 * agent is READY (printing "NAME ADDRESS"), or -1 with the reason after
 * the child has cleaned up. */
int supervise_detached(struct plan *p, struct pool_err *e);

#endif

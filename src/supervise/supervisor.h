/* supervisor.h - one machine's life: state folder, hypervisor, console,
 * agent; for `pool run` (a command, then power off) and `pool up`
 * (the console attached until the guest powers off). */
#ifndef POOL_SUPERVISOR_H
#define POOL_SUPERVISOR_H

#include "../plan.h"

struct run_request {
	char **argv;		/* the guest command (run), NULL for up */
	int argc;
};

/* Boot the plan and serve it in the foreground. Returns the exit status
 * (the guest command's for run; 0 when the guest powered off for up), or
 * -1 with e filled. Leaves no process or state folder behind. */
int supervise(struct plan *p, const struct run_request *req, struct pool_err *e);

#endif

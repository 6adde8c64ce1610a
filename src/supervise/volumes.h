/* volume.h - a machine's volumes at boot: each image opened (made when
 * missing) and locked before the machine starts, recorded in its state
 * folder, and handed to the hypervisor at the plan's fd numbers. */
#ifndef POOL_SUPERVISE_VOLUME_H
#define POOL_SUPERVISE_VOLUME_H

#include <stddef.h>

#include "plan.h"
#include "vmm/vmm.h"

struct volume_set {
	int fd[PLAN_VOLUMES_MAX];	/* open, flock'ed images, in plan order */
	size_t n;			/* how many are open; zero-initialised is empty */
};

/* Open and lock every volume of the plan; the state folder must exist
 * (its "volumes" file names the images this machine holds, so that a
 * second machine asking for one is told who has it). An image another
 * machine holds is refused with one line naming the image and that
 * machine; nothing is left open on error. */
int volumes_open(const struct plan *p, struct volume_set *vs, struct pool_err *e);

/* Put the images into their slots of the hypervisor's fds. */
void volumes_fds(const struct plan *p, const struct volume_set *vs, struct vmm_fds *fds);

void volumes_close(struct volume_set *vs);

#endif

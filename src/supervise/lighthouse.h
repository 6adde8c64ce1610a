/* lighthouse.h - a mesh's lighthouse on this host: nebula without tun,
 * as an unprivileged user, supervised like a machine (state folder
 * lh-NET, control socket, restarted when it dies). */
#ifndef POOL_SUPERVISE_LIGHTHOUSE_H
#define POOL_SUPERVISE_LIGHTHOUSE_H

#include <stdbool.h>
#include <stdint.h>

#include "mesh/mesh.h"
#include "util/err.h"

/* "lh-NET": the lighthouse's name in pool ls and its state folder. */
void lighthouse_name(const char *net, char *out, size_t cap);

/* Run NET's lighthouse at overlay ip, listening on listen, until pool
 * down (or --stop), SIGTERM or SIGINT. detach: return once nebula runs,
 * leaving it to a supervisor of its own. Records itself in the mesh's
 * folder (MESH lighthouse) while it runs, so machines booted meanwhile
 * may reach its port. */
int lighthouse_run(const char *net, uint32_t ip, const struct mesh_addr *listen, bool detach,
		   struct pool_err *e);

#endif

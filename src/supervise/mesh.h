/* mesh.h - a machine's side of its mesh: its UDP port on the host, and at
 * each boot a fresh key and certificate, the CA bundle and config.yml
 * for its secret archive. */
#ifndef POOL_SUPERVISE_MESH_H
#define POOL_SUPERVISE_MESH_H

#include <stdbool.h>
#include <stddef.h>

#include "image/initramfs.h"
#include "mesh/mesh.h"
#include "plan.h"

struct sup_mesh {
	bool on;
	struct mesh_lighthouse lighthouses[MESH_MACHINE_LIGHTHOUSES_MAX];	/* as the host decided */
	struct mesh_cert cert;
	char *bundle;
	size_t bundle_len;
	char *config;
	struct image_secret files[4];	/* for image_machine_initrd */
	size_t nfiles;
};

/* Before the network: the overlay address free on this host, the
 * machine's UDP port (nat) chosen and recorded in its state folder
 * (MESH_STATE_FILE), and what its nft chain needs into p->net. */
int sup_mesh_claim(struct plan *p, struct sup_mesh *sm, struct pool_err *e);
/* After the network: key, certificate (MESH_CERT_SECONDS), CA bundle,
 * config.yml (advertising the host's uplink address and the port). */
int sup_mesh_files(const struct plan *p, struct sup_mesh *sm, struct pool_err *e);
/* Wipe and free what sup_mesh_files made (once the archive holds it). */
void sup_mesh_free(struct sup_mesh *sm);

#endif

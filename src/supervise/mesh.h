/* mesh.h - a machine's side of its mesh: its UDP port on the host, and at
 * each boot a fresh key and certificate, the CA bundle and config.yml
 * for its secret archive; the same again over the agent before the
 * certificate expires (and at READY for image nixos). */
#ifndef POOL_SUPERVISE_MESH_H
#define POOL_SUPERVISE_MESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
	/* the privileged side's schedule for MESH_FILES over the agent */
	uint64_t period_ms;	/* 2/3 of a certificate's life: then a new one */
	uint64_t due_ms;	/* the next one goes then (0: at READY) */
	bool ready;		/* the agent said READY since the hypervisor started */
	bool stale;		/* what this boot's archive holds is not current (nixos: none) */
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

/* The files again, over the agent (MESH_FILES), from the privileged side:
 * before the certificate expires, and at READY when the boot's archive
 * had none of now (image nixos has no archive of pool's; a restarted
 * machine boots the first boot's). The guest-facing side only relays
 * them: it asks for nothing but "READY", and each payload is made here
 * for the plan's machine alone, with its grant checked again (a revoked
 * machine keeps its certificate until it expires, and gets no other).
 *
 * sup_mesh_booted: the hypervisor (re)started (first: the boot whose
 * archive sup_mesh_files just filled). sup_mesh_ready: its agent said
 * READY. sup_mesh_next, called often: the files to send now, a sealed
 * memfd; or -1, with e->msg set when making them failed (tried again in
 * a while). The payload says when the certificate was signed: it is valid
 * from then, and a guest's clock may be behind the host's (its RTC counts
 * whole seconds; under TCG it falls behind), so the guest steps its clock
 * forward to it before nebula reloads. */
void sup_mesh_booted(struct sup_mesh *sm, const struct plan *p, bool first, uint64_t now);
void sup_mesh_ready(struct sup_mesh *sm);
int sup_mesh_next(const struct plan *p, struct sup_mesh *sm, uint64_t now, struct pool_err *e);

#endif

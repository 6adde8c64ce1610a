/* sshkeys.h - the machine's ssh identity, made at boot in its state folder. */
#ifndef POOL_SSHKEYS_H
#define POOL_SSHKEYS_H

#include "plan.h"
#include "util/err.h"

#define SSHKEYS_HOST_KEY "ssh_host_ed25519_key"	/* until it is in the initrd; .pub stays */
#define SSHKEYS_USER "ssh_user"			/* the first role with keys */

/* When a role has ssh keys: a fresh ed25519 host key in the state folder
 * (private 0600, root's, removed once image_machine_initrd has it) and
 * the name `pool ssh` logs in as. Nothing when no role has keys. */
int sshkeys_make(const struct plan *p, struct pool_err *e);

#endif

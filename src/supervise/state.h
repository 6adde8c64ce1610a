/* state.h - the state root ($POOL_STATE_DIR, default /run/pool) and each
 * machine's folder in it; state.c is their one owner.
 *
 *   .lock            held while machine folders are created, probed or
 *                    reclaimed, so two pools never disagree about who lives
 *   .last/NAME/      0700: the console log (console.log, console.log.1) of
 *                    the last machine NAME that ended, kept until a machine
 *                    of that name starts again (pool logs --last)
 *   channels/NAME    a channel's record (its uplink, forwarding before it)
 *   .spares/NAME     why the last spare of NAME did not boot (spare.c)
 *   NAME/            0700, root's: one machine
 *     lock           held (exclusive) by the machine's supervisor while it lives
 *     status         what pool ls shows, and what a reclaim needs (ctl_msg.h)
 *     volumes        "DEV INO PATH" for each image the machine holds
 *     ctl.sock       the control socket (supervise/ctl.c)
 *     console.log    the console and the output of pool exec sessions
 *                    (rotated to console.log.1), qemu.log,
 *                    supervisor.log (detached), TAG.sock (a share's
 *                    virtiofsd), ssh_host_ed25519_key.pub and ssh_user */
#ifndef POOL_STATE_H
#define POOL_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/ctl_msg.h"
#include "util/err.h"
#include "util/paths.h"


/* One machine folder. Live: st comes from the supervisor itself; dead:
 * from the status file it wrote at boot. */
struct machine_entry {
	bool alive;
	bool have_status;
	struct ctl_status st;
};

/* Hold POOL_STATE_DIR/.lock while machine folders are created, probed or
 * reclaimed, so two pools never disagree about who lives. Returns the fd
 * (close it to release), or -1. create: make the state folder if missing. */
int state_lock(const char *root, bool create, struct pool_err *e);

/* 0 and *m for a machine folder, 1 when there is none, -1 on error. */
int machine_probe(const char *root, const char *name, struct machine_entry *m,
		  struct pool_err *e);

/* A dead machine's leftovers: its nft elements and its state folder.
 * Refuses a live one. Call with state_lock held. */
int machine_reclaim(const char *root, const char *name, struct pool_err *e);

/* The network rules a dead machine's status file names (its channel and
 * address then), for a new supervisor taking over its folder. */
int machine_net_reclaim(const char *root, const char *name, struct pool_err *e);

/* Before a machine claims address ip on channel: a live machine already
 * there is a clash (-1, usage error, naming it); a dead one is reclaimed.
 * Call with state_lock held. */
int machine_address_free(const char *root, const char *name, const char *channel,
			 uint32_t ip, struct pool_err *e);

/* After the control socket closed: true when NAME is still running
 * after ms (a supervisor that is going down lets go of its lock soon). */
bool machine_stays_up(const char *root, const char *name, unsigned ms);

/* Whether a machine folder records address a (its status). */
bool state_address_taken(const char *root, uint32_t a);

/* The machine (other than self) whose folder records image dev:ino as
 * one of its volumes: true and its name, or false. */
bool state_volume_holder(const char *root, const char *self, dev_t dev, ino_t ino, char *name,
			 size_t cap);


/* A supervisor takes its machine's folder dir (root/NAME): made private,
 * its lock held (*lock_fd: keep it open while the machine lives), a dead
 * predecessor's leftovers reclaimed, and with has_net the address checked
 * free on its channel. Refuses a machine of that name that runs. */
int state_claim(const char *root, const char *dir, const char *name, const char *channel,
		bool has_net, uint32_t address, int *lock_fd, struct pool_err *e);
/* The status file (what a dead supervisor leaves for reclaiming). */
int state_status_write(const char *dir, const struct ctl_status *st, struct pool_err *e);
/* root/.last/NAME: where the last log of machine NAME is kept. */
void state_last_dir(const char *root, const char *name, char *buf, size_t size);

/* Keep the folder's console log in root/.last/NAME, then remove the
 * folder and let go of the lock, under the root lock. */
void state_release(const char *root, const char *dir, int *lock_fd);

#endif

/* ids.h - the uids and gids machines run as: taken from a range pool owns
 * (IDS_BASE, IDS_COUNT), never one NSS knows as a user or a group, and
 * never held by two live machines on the host, whatever their state
 * roots (the kernel is the same for all of them).
 *
 * The registry is a folder of lock files, IDS_DIR/ID: an id is taken
 * while its file's flock is held, so a supervisor that dies lets go of its
 * ids with its last fd, and the next taker finds the file free. */
#ifndef POOL_SUPERVISE_IDS_H
#define POOL_SUPERVISE_IDS_H

#include <sys/types.h>

#include "util/err.h"

#define IDS_DIR "/run/pool-ids"
#define IDS_BASE 0x70000000u	/* outside systemd's system, user and dynamic ranges */
#define IDS_COUNT 0x01000000u

struct id_lease {
	uid_t id;		/* as uid and as gid */
	int fd;			/* its lock file, held; -1: none */
};

/* Where a machine named name starts looking: the same id for the same
 * name when it is free, so a machine's processes are easy to recognise. */
uid_t ids_first(const char *name);

/* Take n ids for the machine named name into l[0..n). 0, or -1 with e and
 * nothing taken. dir: IDS_DIR, or a test's own folder. */
int ids_take(const char *dir, const char *name, struct id_lease *l, size_t n, struct pool_err *e);

/* Give them back: the lock files go, then the locks. Safe on -1 fds. */
void ids_give(const char *dir, struct id_lease *l, size_t n);

#endif

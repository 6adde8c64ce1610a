/* usr_mask.h - what of the host's /usr others may not read. Image host
 * serves /usr to the guest as root (its files must show as root's), so
 * a file or folder a host user other than root could not read is hidden
 * from the guest behind an empty one (supervise/shares.c). */
#ifndef POOL_USR_MASK_H
#define POOL_USR_MASK_H

#include "util/err.h"
#include "util/strv.h"

#define USR_MASK_MAX 4096	/* entries hidden at most; more is refused */

/* Paths relative to /usr that are regular files without read permission
 * for others, or folders without read or search for others (nothing
 * below such a folder is listed). Walked on this file system only, no
 * symlink followed. Pure but for reading the tree at root (a test gives
 * its own). */
int usr_mask_scan(const char *root, struct strv *out, struct pool_err *e);

/* The same for /usr, remembered in cache_dir/usr-mask until the host
 * boots again, or its packages (dpkg's status), /usr or /usr/local
 * change: a walk of /usr takes seconds, a boot should not. */
int usr_mask_load(const char *cache_dir, struct strv *out, struct pool_err *e);

#endif

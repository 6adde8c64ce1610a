/* volume.h - a volume's raw image on the host: created sparse and
 * formatted ext4 when missing, opened and locked for one machine at a time. */
#ifndef POOL_VOLUME_H
#define POOL_VOLUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

/* Bytes of an image's start that volume_is_ext looks at. */
#define VOLUME_PROBE_LEN 2048

/* volume_open's answers besides an fd. */
enum {
	VOLUME_MISSING = -2,	/* no file at the path: create it */
	VOLUME_BUSY = -3,	/* another open file holds the lock; e says so */
	VOLUME_EXISTS = -4,	/* volume_create: the path appeared meanwhile; open it */
};

/* Pure: the virtio serial of a machine's volume i ("vol0"), by which the
 * guest finds its disk; the plan and the guest's volumes file agree on it. */
void volume_serial(size_t i, char *out, size_t cap);

/* Pure: whether the first len bytes of an image hold an ext2/3/4
 * superblock (magic 0xEF53 at byte 1080). */
bool volume_is_ext(const uint8_t *buf, size_t len);

/* Pure: whether a record of attached volumes ("DEV INO PATH" lines, as
 * volume_record_line writes them) holds the image dev:ino. Lines that do
 * not parse are skipped. */
bool volume_record_has(const char *text, size_t len, uint64_t dev, uint64_t ino);

/* Pure: one record line for an image into out; -1 when it does not fit. */
int volume_record_line(char *out, size_t cap, uint64_t dev, uint64_t ino, const char *path);

/* Open an existing image for a machine: a regular file (a symlink, a
 * folder or anything else is refused), read-write, close-on-exec, holding
 * flock(LOCK_EX) for as long as any copy of the fd lives; it must hold an
 * ext file system. Returns the fd, VOLUME_MISSING, VOLUME_BUSY, or -1. */
int volume_open(const char *path, struct pool_err *e);
/* The same for name in the folder dirfd (path names it in messages). */
int volume_open_at(int dirfd, const char *name, const char *path, struct pool_err *e);

/* Create the image at path: a sparse file of size bytes, mode 0600,
 * owned by uid:gid, formatted with mkfs.ext4 (POOL_MKFS overrides the
 * program). It is built under a temporary name in the same folder and
 * linked into place only when complete, so a failed mkfs leaves nothing,
 * and a file that appeared meanwhile is never replaced (VOLUME_EXISTS).
 * Returns the fd, open and locked as volume_open's, VOLUME_EXISTS, or -1. */
int volume_create(const char *path, uint64_t size, uid_t uid, gid_t gid, struct pool_err *e);
int volume_create_at(int dirfd, const char *name, const char *path, uint64_t size, uid_t uid, gid_t gid,
		     struct pool_err *e);

#endif

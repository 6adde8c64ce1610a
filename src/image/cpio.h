/* cpio.h - a writer for cpio "newc" archives, the format of initramfs. */
#ifndef POOL_CPIO_H
#define POOL_CPIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

/* Entries are written with uid 0, gid 0, mtime 0 and increasing inode
 * numbers, so the same input gives the same bytes. Paths are archive
 * paths without a leading '/' ("init", "bin/busybox"); a leading '/' is
 * stripped; a path that is empty, has an empty or ".." component, or is
 * longer than 4095 bytes is refused. Writes go to fd through buf (64 KiB);
 * after a failed write the archive is broken and the caller drops it.
 * Errors name the archive: `name` (cpio_init sets "cpio archive"; set it
 * to the archive's path after cpio_init). */
struct cpio {
	int fd;
	uint32_t ino;		/* inode of the last entry; the first gets 1 */
	uint64_t off;		/* bytes of archive so far, buffered ones included */
	uint8_t buf[65536];
	size_t have;		/* bytes waiting in buf */
	const char *name;	/* for messages: the archive's path */
};

void cpio_init(struct cpio *c, int fd);
/* Regular files must be smaller than 4 GiB (newc sizes are 32 bits). */
int cpio_add_dir(struct cpio *c, const char *path, mode_t perm, struct pool_err *e);
int cpio_add_file(struct cpio *c, const char *path, mode_t perm,
		  const void *data, size_t len, struct pool_err *e);
/* Copy a host file's bytes (not its owner or times), in chunks. The file
 * must be a regular file; it must give exactly the bytes fstat counted. */
int cpio_add_host_file(struct cpio *c, const char *path, mode_t perm,
		       const char *host_path, struct pool_err *e);
int cpio_add_symlink(struct cpio *c, const char *path, const char *target, struct pool_err *e);
/* Character device node, e.g. dev/console 5:1. */
int cpio_add_chardev(struct cpio *c, const char *path, mode_t perm,
		     unsigned maj, unsigned min, struct pool_err *e);
/* Write the TRAILER!!! entry, pad to 512 bytes and flush. */
int cpio_finish(struct cpio *c, struct pool_err *e);

#endif

/* memo.h - what pool learnt about a host file, kept while the file stays
 * as it was (the same path, device, inode, size, mtime and ctime): the
 * SHA-256 of each input of the boot image, the applets of a busybox. So a
 * boot neither re-reads every input nor asks busybox again.
 *
 * Entries live in CACHE/memo/ (POOL_CACHE_DIR), one small file each, named
 * by a hash of the file's identity; the folder must be root's and closed to
 * others, or the memo is not used. A file changed less than MEMO_SETTLE_S
 * seconds ago is never remembered (its timestamps could repeat for a new
 * content, as git's "racily clean" index entries can): it is read anew. */
#ifndef POOL_IMAGE_MEMO_H
#define POOL_IMAGE_MEMO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "util/err.h"

#define MEMO_SETTLE_S 2

/* The SHA-256 of the file at path: remembered, or read and hashed (and
 * remembered). cache NULL: always read. */
int memo_digest(const char *cache, const char *path, uint8_t out[32], struct pool_err *e);

/* A value of kind (a word: "applets") remembered for the file st describes
 * (path's stat): 1 and *val (malloc'd, NUL-terminated, *len bytes), 0 when
 * there is none. */
int memo_get(const char *cache, const char *kind, const char *path, const struct stat *st,
	     char **val, size_t *len);

/* Remember val for the file as st described it when the value was made:
 * only when path is still that file and has settled. Best effort. */
void memo_put(const char *cache, const char *kind, const char *path, const struct stat *st,
	      const char *val, size_t len);

/* Pure: the entry's name for a file's identity (64 hex digits). */
void memo_key(const char *kind, const char *path, const struct stat *st, char hex[65]);

#endif

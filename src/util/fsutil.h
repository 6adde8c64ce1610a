/* fsutil.h - small file helpers: read whole files, write atomically, paths. */
#ifndef POOL_FSUTIL_H
#define POOL_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* Read a whole file up to max bytes (more is an error). *out is
 * NUL-terminated (the NUL is not counted in *len). */
int read_file(const char *path, size_t max, char **out, size_t *len, struct pool_err *e);
/* The same from an open fd, to its end; name is for messages. */
int read_fd(int fd, const char *name, size_t max, char **out, size_t *len, struct pool_err *e);

/* Write data to path through a temporary file in the same folder and
 * rename(2), with the given mode. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
		      struct pool_err *e);

/* mkdir -p with mode for the folders it creates. */
int mkdir_p(const char *path, mode_t mode, struct pool_err *e);

/* Remove a folder tree (no symlink is followed). Missing is not an error. */
int rm_rf(const char *path, struct pool_err *e);

/* Lexical path resolution: join rel onto base unless rel is absolute,
 * then drop "." and resolve ".." without touching the file system.
 * Returns a malloc'd string or NULL on ENOMEM. */
char *path_resolve(const char *base, const char *rel);

/* A real folder (not a symlink) owned by the effective uid and writable
 * by nobody else: what pool creates, reads or removes as root must not
 * be a path someone else can redirect. */
int dir_private(const char *path, struct pool_err *e);

/* The same for a file pool trusts (a cached image). */
int file_private(const char *path, struct pool_err *e);

/* Write all of buf to fd, retrying on EINTR and short writes. */
int write_all(int fd, const void *buf, size_t len);

#endif

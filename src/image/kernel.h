/* kernel.h - find and inspect the guest kernel. */
#ifndef POOL_KERNEL_H
#define POOL_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Pure: the version string a bzImage carries ("6.1.0-56-cloud-amd64"), the
 * first word of the string at setup header field kernel_version. Checks the
 * "HdrS" magic, the protocol version (>= 2.00), and that every offset lies
 * inside the buffer. Returns 0, or -1 with *why. */
int bzimage_version(const uint8_t *buf, size_t n, char *out, size_t cap, const char **why);

/* Read a kernel file and return its version. */
int kernel_version(const char *path, char *out, size_t cap, struct pool_err *e);
/* The same from an open file (read with pread; path names it in errors). */
int kernel_version_fd(int fd, const char *path, char *out, size_t cap, struct pool_err *e);

/* `kernel: auto`: the newest (version order) bootdir/vmlinuz-* whose
 * modules folder moddir/VERSION exists. Writes its path and version. */
int kernel_auto(const char *bootdir, const char *moddir, char *path, size_t pathcap,
		char *version, size_t vercap, struct pool_err *e);

#endif

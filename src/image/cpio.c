/* cpio.c - a writer for cpio "newc" (SVR4, magic 070701) archives, the format of initramfs. */
#include "cpio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fsutil.h"

#define CPIO_HDR_LEN 110	/* "070701" and 13 fields of 8 hex digits */
#define CPIO_PATH_MAX 4095
#define CPIO_BLOCK 512

void cpio_init(struct cpio *c, int fd)
{
	c->fd = fd;
	c->ino = 0;
	c->off = 0;
	c->have = 0;
	c->name = "cpio archive";
}

static int cpio_flush(struct cpio *c, struct pool_err *e)
{
	if (c->have == 0)
		return 0;
	if (write_all(c->fd, c->buf, c->have) < 0)
		return pool_err_sys(e, "%s: write", c->name);
	c->have = 0;
	return 0;
}

static int cpio_write(struct cpio *c, const void *data, size_t len, struct pool_err *e)
{
	const uint8_t *p = data;

	while (len) {
		size_t n = sizeof c->buf - c->have;

		if (n == 0) {
			if (cpio_flush(c, e) < 0)
				return -1;
			continue;
		}
		if (n > len)
			n = len;
		memcpy(c->buf + c->have, p, n);
		c->have += n;
		c->off += n;
		p += n;
		len -= n;
	}
	return 0;
}

/* Zero bytes up to the next multiple of `align` of the archive offset. */
static int cpio_pad(struct cpio *c, unsigned align, struct pool_err *e)
{
	static const uint8_t zero[CPIO_BLOCK];
	size_t n = (size_t)((align - c->off % align) % align);

	return cpio_write(c, zero, n, e);
}

/* The archive path: a leading '/' dropped; no empty or ".." component. */
static int cpio_check_path(const struct cpio *c, const char **path, struct pool_err *e)
{
	const char *p = *path, *s;
	size_t len;

	while (*p == '/')
		p++;
	len = strlen(p);
	if (len == 0)
		return pool_err_fail(e, "%s: empty path", c->name);
	if (len > CPIO_PATH_MAX)
		return pool_err_fail(e, "%s: path longer than %d bytes", c->name, CPIO_PATH_MAX);
	for (s = p; ; ) {
		const char *end = strchr(s, '/');
		size_t n = end ? (size_t)(end - s) : strlen(s);

		if (n == 0)
			return pool_err_fail(e, "%s: %s: empty path component", c->name, p);
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return pool_err_fail(e, "%s: %s: '..' in path", c->name, p);
		if (!end)
			break;
		s = end + 1;
	}
	*path = p;
	return 0;
}

/* Header and name, padded to 4. `path` was checked by cpio_check_path. */
static int cpio_header(struct cpio *c, const char *path, uint32_t ino, uint32_t mode,
		       uint32_t nlink, uint64_t size, uint32_t rmaj, uint32_t rmin,
		       struct pool_err *e)
{
	char hdr[CPIO_HDR_LEN + 1];
	size_t namesize = strlen(path) + 1;
	int n;

	if (size > UINT32_MAX)
		return pool_err_fail(e, "%s: %s: 4 GiB or larger, too large for cpio",
				     c->name, path);
	n = snprintf(hdr, sizeof hdr,
		     "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		     ino, mode, 0u, 0u, nlink, 0u, (uint32_t)size,
		     0u, 0u, rmaj, rmin, (uint32_t)namesize, 0u);
	if (n != CPIO_HDR_LEN)
		return pool_err_fail(e, "%s: %s: bad header", c->name, path);
	if (cpio_write(c, hdr, CPIO_HDR_LEN, e) < 0 ||
	    cpio_write(c, path, namesize, e) < 0 ||
	    cpio_pad(c, 4, e) < 0)
		return -1;
	return 0;
}

static int cpio_next_ino(struct cpio *c, uint32_t *ino, struct pool_err *e)
{
	if (c->ino == UINT32_MAX)
		return pool_err_fail(e, "%s: too many entries", c->name);
	*ino = ++c->ino;
	return 0;
}

/* One entry with its data in memory. */
static int cpio_entry(struct cpio *c, const char *path, uint32_t mode, uint32_t nlink,
		      const void *data, size_t len, uint32_t rmaj, uint32_t rmin,
		      struct pool_err *e)
{
	uint32_t ino = 0;

	if (cpio_check_path(c, &path, e) < 0 || cpio_next_ino(c, &ino, e) < 0)
		return -1;
	if (cpio_header(c, path, ino, mode, nlink, len, rmaj, rmin, e) < 0 ||
	    cpio_write(c, data, len, e) < 0 ||
	    cpio_pad(c, 4, e) < 0)
		return -1;
	return 0;
}

int cpio_add_dir(struct cpio *c, const char *path, mode_t perm, struct pool_err *e)
{
	return cpio_entry(c, path, S_IFDIR | (perm & 07777), 2, NULL, 0, 0, 0, e);
}

int cpio_add_file(struct cpio *c, const char *path, mode_t perm,
		  const void *data, size_t len, struct pool_err *e)
{
	return cpio_entry(c, path, S_IFREG | (perm & 07777), 1, data, len, 0, 0, e);
}

int cpio_add_symlink(struct cpio *c, const char *path, const char *target, struct pool_err *e)
{
	size_t len = strlen(target);

	if (len == 0 || len > CPIO_PATH_MAX)
		return pool_err_fail(e, "%s: %s: symlink target empty or longer than %d bytes",
				     c->name, path, CPIO_PATH_MAX);
	return cpio_entry(c, path, S_IFLNK | 0777, 1, target, len, 0, 0, e);
}

int cpio_add_chardev(struct cpio *c, const char *path, mode_t perm,
		     unsigned maj, unsigned min, struct pool_err *e)
{
	return cpio_entry(c, path, S_IFCHR | (perm & 07777), 1, NULL, 0, maj, min, e);
}

int cpio_add_host_file(struct cpio *c, const char *path, mode_t perm,
		       const char *host_path, struct pool_err *e)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	uint64_t size, left;
	uint32_t ino = 0;

	if (cpio_check_path(c, &path, e) < 0)
		return -1;
	/* O_NONBLOCK: a FIFO must not hang the open; it is refused below. */
	fd = open(host_path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return pool_err_sys(e, "%s: %s", c->name, host_path);
	if (fstat(fd, &st) < 0)
		return pool_err_sys(e, "%s: %s", c->name, host_path);
	if (!S_ISREG(st.st_mode))
		return pool_err_fail(e, "%s: %s: not a regular file", c->name, host_path);
	if (fcntl(fd, F_SETFL, 0) < 0)
		return pool_err_sys(e, "%s: %s", c->name, host_path);
	size = (uint64_t)st.st_size;
	if (cpio_next_ino(c, &ino, e) < 0 ||
	    cpio_header(c, path, ino, S_IFREG | (perm & 07777), 1, size, 0, 0, e) < 0)
		return -1;
	/* Read straight into the archive buffer. */
	for (left = size; ; ) {
		size_t room = sizeof c->buf - c->have;
		ssize_t n;

		if (room == 0) {
			if (cpio_flush(c, e) < 0)
				return -1;
			continue;
		}
		if (left == 0) {
			/* One more byte must find the end of the file. */
			uint8_t extra;

			n = read(fd, &extra, 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return pool_err_sys(e, "%s: %s", c->name, host_path);
			if (n > 0)
				return pool_err_fail(e, "%s: %s: grew while being copied",
						     c->name, host_path);
			break;
		}
		if (room > left)
			room = (size_t)left;
		n = read(fd, c->buf + c->have, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return pool_err_sys(e, "%s: %s", c->name, host_path);
		}
		if (n == 0)
			return pool_err_fail(e, "%s: %s: shrank while being copied",
					     c->name, host_path);
		c->have += (size_t)n;
		c->off += (uint64_t)n;
		left -= (uint64_t)n;
	}
	return cpio_pad(c, 4, e);
}

int cpio_finish(struct cpio *c, struct pool_err *e)
{
	static const char trailer[] = "TRAILER!!!";

	if (cpio_header(c, trailer, 0, 0, 1, 0, 0, 0, e) < 0 ||
	    cpio_pad(c, CPIO_BLOCK, e) < 0 ||
	    cpio_flush(c, e) < 0)
		return -1;
	return 0;
}

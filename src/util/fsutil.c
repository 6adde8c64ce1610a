/* fsutil.c - small file helpers: read whole files, write atomically, paths. */
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int read_fd(int fd, const char *name, size_t max, char **out, size_t *len, struct pool_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t have = 0, cap = 0;

	for (;;) {
		ssize_t n;

		if (have + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *nb;

			if (ncap > max + 2)
				ncap = max + 2;
			if (ncap <= have + 1)
				return pool_err_fail(e, "%s: larger than %zu bytes", name, max);
			nb = realloc(buf, ncap);
			if (!nb)
				return pool_err_sys(e, "%s", name);
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + have, cap - have - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return pool_err_sys(e, "%s", name);
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have > max)
			return pool_err_fail(e, "%s: larger than %zu bytes", name, max);
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return pool_err_sys(e, "%s", name);
	}
	buf[have] = '\0';
	*out = steal_ptr(&buf);
	*len = have;
	return 0;
}

int read_file(const char *path, size_t max, char **out, size_t *len, struct pool_err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return pool_err_sys(e, "%s", path);
	return read_fd(fd, path, max, out, len, e);
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
		      struct pool_err *e)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;

	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0) {
		tmp = NULL;
		return pool_err_sys(e, "%s", path);
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return pool_err_sys(e, "%s", tmp);
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		int saved = errno;
		unlink(tmp);
		return pool_err_set(e, POOL_EXIT_FAIL, saved, "%s", tmp);
	}
	if (rename(tmp, path) < 0) {
		int saved = errno;
		unlink(tmp);
		return pool_err_set(e, POOL_EXIT_FAIL, saved, "%s", path);
	}
	return 0;
}

int mkdir_p(const char *path, mode_t mode, struct pool_err *e)
{
	_cleanup_free_ char *p = strdup(path);
	char *s;

	if (!p)
		return pool_err_sys(e, "%s", path);
	for (s = *p ? p + 1 : p; ; s++) {
		char c = *s;
		struct stat st;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0) {
			if (errno != EEXIST)
				return pool_err_sys(e, "mkdir %s", p);
			/* EEXIST also means a file is in the way */
			if (stat(p, &st) < 0)
				return pool_err_sys(e, "mkdir %s", p);
			if (!S_ISDIR(st.st_mode))
				return pool_err_set(e, POOL_EXIT_FAIL, ENOTDIR, "mkdir %s", p);
		}
		*s = c;
		if (c == '\0')
			break;
	}
	return 0;
}

static int rm_rf_at(int dfd, const char *name, struct pool_err *e)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : pool_err_sys(e, "stat %s", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			return pool_err_sys(e, "unlink %s", name);
		return 0;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return pool_err_sys(e, "open %s", name);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return pool_err_sys(e, "open %s", name);
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (rm_rf_at(dirfd(d), de->d_name, e) < 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return pool_err_sys(e, "rmdir %s", name);
	return 0;
}

int rm_rf(const char *path, struct pool_err *e)
{
	return rm_rf_at(AT_FDCWD, path, e);
}

char *path_resolve(const char *base, const char *rel)
{
	_cleanup_free_ char *joined = NULL;
	char *out, *o, *seg, *save = NULL;

	if (rel[0] == '/')
		joined = strdup(rel);
	else if (asprintf(&joined, "%s/%s", base, rel) < 0)
		joined = NULL;
	if (!joined)
		return NULL;
	out = malloc(strlen(joined) + 2);
	if (!out)
		return NULL;
	o = out;
	*o = '\0';
	for (seg = strtok_r(joined, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			char *slash = strrchr(out, '/');

			if (slash) {
				*slash = '\0';
				o = slash;
			}
			continue;
		}
		*o++ = '/';
		strcpy(o, seg);
		o += strlen(seg);
	}
	if (o == out) {
		out[0] = '/';
		out[1] = '\0';
	}
	return out;
}

static int private_path(const char *path, bool dir, struct pool_err *e)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return pool_err_sys(e, "%s", path);
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return pool_err_fail(e, "%s is not a %s (a symlink?): refusing to use it", path,
				     dir ? "folder" : "regular file");
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return pool_err_fail(e, "%s can be changed by others than its owner %u (mode %o): refusing to use it",
				     path, (unsigned)geteuid(), (unsigned)(st.st_mode & 07777));
	return 0;
}

int dir_private(const char *path, struct pool_err *e)
{
	return private_path(path, true, e);
}

int file_private(const char *path, struct pool_err *e)
{
	return private_path(path, false, e);
}

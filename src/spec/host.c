/* host.c - the spec's host-side checks: what its paths name on this host. */
#include "parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/beneath.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/user.h"

__attribute__((format(printf, 5, 6)))
static int host_fail(struct pool_err *e, const struct machine *m, const struct spec_pos *p,
		     const char *key, const char *fmt, ...)
{
	char what[800];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (p->line > 0)
		return pool_err_usage(e, "%s:%d:%d: %s: %s", m->file, p->line, p->col, key, what);
	return pool_err_usage(e, "%s: %s: %s", m->file, key, what);
}

int spec_path_open(const struct machine *m, const struct path_grants *g, const char *abs, int oflags,
		   mode_t mode, unsigned flags, const char **why)
{
	_cleanup_close_ int opened = -1;
	size_t n = strlen(m->dir);
	int dirfd;
	const char *rel;

	if (!spec_path_beneath(m->dir, abs)) {
		if (!g) {
			*why = "is outside the spec's folder";
			errno = EXDEV;
			return -1;
		}
		return open_allowed(g, abs, oflags, mode, flags, why);
	}
	rel = strcmp(m->dir, "/") == 0 ? abs + 1 : abs + n;
	while (*rel == '/')
		rel++;
	/* The folder the spec was read from, whatever is at its path now. */
	dirfd = m->has_dir_fd ? m->dir_fd : (opened = open(m->dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (dirfd < 0) {
		*why = "the spec's folder cannot be opened";
		return -1;
	}
	return open_beneath(dirfd, *rel ? rel : ".", oflags, mode, flags, why);
}

struct open_req {
	const struct machine *m;
	const struct path_grants *g;
	const char *abs, *key;
	const struct spec_pos *pos;
	int oflags;
	unsigned flags;
	bool folder_missing;	/* "folder PATH does not exist" */
};

static int open_in_child(void *arg, struct pool_err *e)
{
	const struct open_req *r = arg;
	const char *why = NULL;
	int fd = spec_path_open(r->m, r->g, r->abs, r->oflags, 0, r->flags, &why);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		return host_fail(e, r->m, r->pos, r->key, "%s%s does not exist",
				 r->folder_missing ? "folder " : "", r->abs);
	if (errno == ENOTDIR && (r->flags & BENEATH_DIR))
		return host_fail(e, r->m, r->pos, r->key, "%s is not a folder", r->abs);
	if ((errno == EISDIR || errno == ENXIO) && (r->flags & BENEATH_FILE))
		return host_fail(e, r->m, r->pos, r->key, "%s is not a regular file", r->abs);
	if (why)
		return host_fail(e, r->m, r->pos, r->key, "%s %s", r->abs, why);
	return host_fail(e, r->m, r->pos, r->key, "%s: %s", r->abs, strerror(errno));
}

static int open_as_user(struct open_req *r, struct pool_err *e)
{
	const struct pool_user *u;

	if (pool_user_get(&u, e) < 0)
		return -1;
	return run_as_user(u, open_in_child, r, e);
}

int spec_path_open_as_user(const struct machine *m, const struct path_grants *g, const char *abs,
			   int oflags, unsigned flags, const char *key, const struct spec_pos *pos,
			   struct pool_err *e)
{
	struct open_req r = { .m = m, .g = g, .abs = abs, .key = key, .pos = pos, .oflags = oflags,
			      .flags = flags };

	return open_as_user(&r, e);
}

/* Open, check, close: kind 'd' a folder, 'f' a regular file. */
static int check_path(const struct machine *m, const struct path_grants *g, const struct spec_pos *p,
		      const char *key, const char *path, char kind, struct pool_err *e)
{
	struct open_req r = { .m = m, .g = g, .abs = path, .key = key, .pos = p, .oflags = O_PATH,
			      .flags = kind == 'd' ? BENEATH_DIR : BENEATH_FILE };
	int fd = open_as_user(&r, e);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* A volume: its folder exists; the image, when it does, is a regular file. */
static int check_volume(const struct machine *m, const struct path_grants *g, const struct volume *v,
			const char *key, struct pool_err *e)
{
	_cleanup_free_ char *parent = path_resolve(v->path, "..");
	struct open_req r = { .m = m, .g = g, .abs = parent, .key = key, .pos = &v->path_pos,
			      .oflags = O_PATH, .flags = BENEATH_DIR, .folder_missing = true };
	struct pool_err ignore = { 0 };
	int fd;

	if (!parent)
		return pool_err_set(e, POOL_EXIT_FAIL, ENOMEM, "%s", m->file);
	fd = open_as_user(&r, e);
	if (fd < 0)
		return -1;
	close(fd);
	r = (struct open_req){ .m = m, .g = g, .abs = v->path, .key = key, .pos = &v->path_pos,
			       .oflags = O_PATH | O_NOFOLLOW, .flags = BENEATH_FILE };
	fd = open_as_user(&r, &ignore);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (strstr(ignore.msg, "does not exist"))
		return 0;	/* made at boot */
	if (strstr(ignore.msg, "is not a regular file") || strstr(ignore.msg, "is not a folder"))
		return host_fail(e, m, &v->path_pos, key, "%s exists and is not a regular file", v->path);
	*e = ignore;
	return -1;
}

int spec_check_host(const struct machine *m, const struct path_grants *g, struct pool_err *e)
{
	char key[64];
	size_t i;

	for (i = 0; i < m->nshares; i++) {
		snprintf(key, sizeof key, "shares[%zu].source", i);
		if (check_path(m, g, &m->shares[i].source_pos, key, m->shares[i].source, 'd', e) < 0)
			return -1;
	}
	for (i = 0; i < m->nvolumes; i++) {
		snprintf(key, sizeof key, "volumes[%zu].path", i);
		if (check_volume(m, g, &m->volumes[i], key, e) < 0)
			return -1;
	}
	if (m->image == IMAGE_DISK && check_path(m, g, &m->disk_pos, "image.disk", m->disk, 'f', e) < 0)
		return -1;
	if (m->image == IMAGE_NIXOS &&
	    (check_path(m, g, &m->nixos.kernel_pos, "image.nixos.kernel", m->nixos.kernel, 'f', e) < 0 ||
	     check_path(m, g, &m->nixos.initrd_pos, "image.nixos.initrd", m->nixos.initrd, 'f', e) < 0 ||
	     check_path(m, g, &m->nixos.store_pos, "image.nixos.store", m->nixos.store, 'd', e) < 0))
		return -1;
	if (m->kernel && check_path(m, g, &m->pos[KEY_KERNEL], "kernel", m->kernel, 'f', e) < 0)
		return -1;
	return 0;
}

/* host.c - the spec's host-side checks: what its paths name on this host. */
#include "parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/cleanup.h"
#include "util/fsutil.h"

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

/* kind: 'd' folder, 'f' regular file (or block device for disks) */
static int check_path(struct pool_err *e, const struct machine *m, const struct spec_pos *p,
		      const char *key, const char *path, char kind)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return host_fail(e, m, p, key, "%s does not exist", path);
		return host_fail(e, m, p, key, "%s: %s", path, strerror(errno));
	}
	if (kind == 'd' && !S_ISDIR(st.st_mode))
		return host_fail(e, m, p, key, "%s is not a folder", path);
	if (kind == 'f' && !S_ISREG(st.st_mode))
		return host_fail(e, m, p, key, "%s is not a regular file", path);
	if (kind == 'b' && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return host_fail(e, m, p, key, "%s is not a file or a block device", path);
	return 0;
}

int spec_check_host(const struct machine *m, struct pool_err *e)
{
	char key[64];
	size_t i;

	for (i = 0; i < m->nshares; i++) {
		snprintf(key, sizeof key, "shares[%zu].source", i);
		if (check_path(e, m, &m->shares[i].source_pos, key, m->shares[i].source, 'd') < 0)
			return -1;
	}
	for (i = 0; i < m->nvolumes; i++) {
		const struct volume *v = &m->volumes[i];
		_cleanup_free_ char *parent = path_resolve(v->path, "..");
		struct stat st;

		snprintf(key, sizeof key, "volumes[%zu].path", i);
		if (!parent)
			return pool_err_set(e, POOL_EXIT_FAIL, ENOMEM, "%s", m->file);
		if (stat(parent, &st) < 0 || !S_ISDIR(st.st_mode))
			return host_fail(e, m, &v->path_pos, key, "folder %s does not exist", parent);
		if (stat(v->path, &st) == 0 && !S_ISREG(st.st_mode))
			return host_fail(e, m, &v->path_pos, key,
					 "%s exists and is not a regular file", v->path);
	}
	if (m->image == IMAGE_DISK &&
	    check_path(e, m, &m->disk_pos, "image.disk", m->disk, 'b') < 0)
		return -1;
	if (m->image == IMAGE_NIXOS &&
	    (check_path(e, m, &m->nixos.kernel_pos, "image.nixos.kernel", m->nixos.kernel, 'f') < 0 ||
	     check_path(e, m, &m->nixos.initrd_pos, "image.nixos.initrd", m->nixos.initrd, 'f') < 0 ||
	     check_path(e, m, &m->nixos.store_pos, "image.nixos.store", m->nixos.store, 'd') < 0))
		return -1;
	if (m->kernel && check_path(e, m, &m->pos[KEY_KERNEL], "kernel", m->kernel, 'f') < 0)
		return -1;
	return 0;
}

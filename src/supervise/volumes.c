/* volume.c - open, make and lock a machine's volume images before it boots. */
#include "volumes.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/volume_image.h"
#include "util/cleanup.h"
#include "util/beneath.h"
#include "util/fsutil.h"
#include "util/user.h"
#include "supervise/state.h"
#include "vmm/vmm.h"

#define RECORD_MAX (64u << 10)

/* "pool.yaml:7:11: volumes[0].path" for messages about volume i. */
static void where(const struct plan *p, size_t i, char *out, size_t cap)
{
	const struct machine *m = p->m;
	const struct spec_pos *pos = i < m->nvolumes ? &m->volumes[i].path_pos : NULL;

	if (pos && pos->line)
		snprintf(out, cap, "%s:%d:%d: volumes[%zu].path", m->file, pos->line, pos->col, i);
	else
		snprintf(out, cap, "%s: volumes[%zu].path", m->file, i);
}

struct open_arg {
	const struct plan *p;
	const struct plan_volume *v;
	uid_t uid;
	gid_t gid;
};

/* Open, or make, one image: run as the invoking user (run_as_user), so a
 * spec's path reaches nothing that user could not reach. */
static int open_or_create(void *arg, struct pool_err *e)
{
	const struct open_arg *a = arg;
	_cleanup_free_ char *parent = path_resolve(a->v->path, "..");
	_cleanup_close_ int dirfd = -1;
	const char *name = strrchr(a->v->path, '/'), *why = NULL;
	int fd;

	if (!parent || !name || !name[1])
		return pool_err_usage(e, "volume %s: not a file path", a->v->path);
	/* Its folder beneath the spec's (or a grant), then the image in it. */
	dirfd = spec_path_open(a->p->m, a->p->grants, parent, O_PATH | O_DIRECTORY, 0, BENEATH_DIR, &why);
	if (dirfd < 0)
		return pool_err_fail(e, "volume %s: %s %s", a->v->path, parent, why ? why : strerror(errno));
	fd = volume_open_at(dirfd, name + 1, a->v->path, e);
	/* Twice at most: made by someone else between our look and our link. */
	for (int tries = 0; fd == VOLUME_MISSING && tries < 2; tries++) {
		fd = volume_create_at(dirfd, name + 1, a->v->path, a->v->size, a->uid, a->gid, e);
		if (fd == VOLUME_EXISTS)
			fd = volume_open_at(dirfd, name + 1, a->v->path, e);
	}
	return fd;
}

static int open_one(const struct plan *p, size_t i, const struct pool_user *u, struct pool_err *e)
{
	const struct plan_volume *v = &p->volumes[i];
	struct open_arg a = { .p = p, .v = v, .uid = u->uid, .gid = u->gid };
	int fd = run_as_user(u, open_or_create, &a, e);

	if (fd == VOLUME_MISSING || fd == VOLUME_EXISTS)
		return pool_err_fail(e, "volume %s keeps appearing and disappearing", v->path);
	if (fd == VOLUME_BUSY) {
		char holder[300];
		struct stat st;

		if (stat(v->path, &st) == 0 && state_volume_holder(p->paths.state, p->m->name, st.st_dev, st.st_ino, holder, sizeof holder))
			return pool_err_fail(e, "volume %s is in use by machine %s "
					     "(a volume is attached to one machine at a time)", v->path, holder);
		return pool_err_fail(e, "volume %s is in use by another machine or program "
				     "(a volume is attached to one machine at a time)", v->path);
	}
	return fd;
}

int volumes_open(const struct plan *p, struct volume_set *vs, struct pool_err *e)
{
	_cleanup_free_ char *record = NULL;
	size_t rlen = 0;
	char path[PATH_MAX + 16], at[PATH_MAX + 64];
	const struct pool_user *u;

	vs->n = 0;
	if (pool_user_get(&u, e) < 0)
		return -1;
	record = calloc(1, RECORD_MAX);
	if (!record)
		return pool_err_sys(e, "volumes");
	for (size_t i = 0; i < p->nvolumes; i++) {
		struct stat st, prev;
		int fd;

		where(p, i, at, sizeof at);
		/* The same image twice would wait on its own lock. */
		for (size_t j = 0; j < vs->n; j++) {
			if (stat(p->volumes[i].path, &st) == 0 && fstat(vs->fd[j], &prev) == 0 &&
			    st.st_dev == prev.st_dev && st.st_ino == prev.st_ino) {
				pool_err_usage(e, "%s: %s is the image of volumes[%zu] already", at,
					       p->volumes[i].path, j);
				goto fail;
			}
		}
		fd = open_one(p, i, u, e);
		if (fd < 0) {
			pool_err_wrap(e, "%s", at);
			goto fail;
		}
		vs->fd[vs->n++] = fd;
		if (fstat(fd, &st) < 0 ||
		    volume_record_line(record + rlen, RECORD_MAX - rlen, (uint64_t)st.st_dev,
				       (uint64_t)st.st_ino, p->volumes[i].path) < 0) {
			pool_err_fail(e, "%s: %s: cannot record it", at, p->volumes[i].path);
			goto fail;
		}
		rlen += strlen(record + rlen);
	}
	if (!vs->n)
		return 0;
	snprintf(path, sizeof path, "%s/volumes", p->state_dir);
	if (write_file_atomic(path, record, rlen, 0600, e) < 0) {
		pool_err_wrap(e, "recording the volumes");
		goto fail;
	}
	return 0;
fail:
	volumes_close(vs);
	return -1;
}

void volumes_fds(const struct plan *p, const struct volume_set *vs, struct vmm_fds *fds)
{
	for (size_t i = 0; i < vs->n && i < p->nvolumes; i++)
		fds->fd[vmm_volume_slot(p, i)] = vs->fd[i];
}

void volumes_close(struct volume_set *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		close(vs->fd[i]);
	vs->n = 0;
}

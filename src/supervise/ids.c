/* ids.c - the registry of the uids and gids machines run as (ids.h). */
#include "supervise/ids.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define IDS_TRIES 4096	/* ids looked at before giving up */

uid_t ids_first(const char *name)
{
	uint32_t h = 2166136261u;

	for (const char *s = name; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return (uid_t)(IDS_BASE + (h & (IDS_COUNT - 1)));
}

static bool nss_knows(uid_t id)
{
	return getpwuid(id) != NULL || getgrgid((gid_t)id) != NULL;
}

/* Take id when its lock file is free: 1 and *fd, 0 when someone holds it,
 * -1 with e. The file is checked to be the one that is linked after the
 * lock, so a holder that unlinked it as we opened it does not fool us. */
static int take_one(int dirfd, uid_t id, const char *name, int *fd, struct pool_err *e)
{
	char file[16];

	snprintf(file, sizeof file, "%u", (unsigned)id);
	for (int tries = 0; tries < 8; tries++) {
		struct stat a, b;
		int f = openat(dirfd, file, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (f < 0)
			return pool_err_sys(e, IDS_DIR "/%s", file);
		if (flock(f, LOCK_EX | LOCK_NB) < 0) {
			int err = errno;

			close(f);
			if (err == EWOULDBLOCK)
				return 0;
			errno = err;
			return pool_err_sys(e, IDS_DIR "/%s: lock", file);
		}
		if (fstat(f, &a) == 0 && fstatat(dirfd, file, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			if (ftruncate(f, 0) == 0)
				dprintf(f, "%s %d\n", name, (int)getpid());
			*fd = f;
			return 1;
		}
		close(f);	/* unlinked by its last holder meanwhile: again */
	}
	return 0;
}

int ids_take(const char *dir, const char *name, struct id_lease *l, size_t n, struct pool_err *e)
{
	uid_t id = ids_first(name);
	size_t got = 0;
	int dirfd, r = 0;

	for (size_t i = 0; i < n; i++)
		l[i] = (struct id_lease){ .id = 0, .fd = -1 };
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return pool_err_sys(e, "%s", dir);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return pool_err_sys(e, "%s", dir);
	for (unsigned tries = 0; got < n && tries < IDS_TRIES; tries++) {
		if (!nss_knows(id)) {
			r = take_one(dirfd, id, name, &l[got].fd, e);
			if (r < 0)
				break;
			if (r == 1)
				l[got++].id = id;
		}
		id = id + 1 < IDS_BASE + IDS_COUNT ? id + 1 : IDS_BASE;
	}
	close(dirfd);
	if (got == n)
		return 0;
	ids_give(dir, l, got);
	if (r >= 0)
		pool_err_fail(e, "no free machine uid in %u tries from %u (%s)", IDS_TRIES,
			      (unsigned)ids_first(name), dir);
	return -1;
}

void ids_give(const char *dir, struct id_lease *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char path[4096];

		if (l[i].fd < 0)
			continue;
		/* Unlinked while the lock is held: a taker that opened it just
		 * now sees the inode differ, and opens anew. */
		snprintf(path, sizeof path, "%s/%u", dir, (unsigned)l[i].id);
		unlink(path);
		close(l[i].fd);
		l[i].fd = -1;
	}
}

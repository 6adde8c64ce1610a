/* ids.c - the registry of the uids and gids machines run as (ids.h). */
#include "supervise/ids.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/parse.h"

#define IDS_TRIES 4096	/* ids looked at before giving up */

const struct id_range ids_machines = { IDS_DIR, IDS_BASE, IDS_COUNT };

uid_t ids_first(const struct id_range *r, const char *name)
{
	uint32_t h = 2166136261u;

	for (const char *s = name; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return (uid_t)(r->base + h % r->count);
}

/* Whether /proc/PID/status says a live process runs as id (its real or
 * saved uid: those a signal from id may reach). */
static bool runs_as(const char *pid, uid_t id)
{
	char path[64], buf[2048];
	unsigned long r, eff, saved;
	bool live = true, mine = false;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%s/status", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(buf, sizeof buf, f)) {
		if (strncmp(buf, "State:", 6) == 0)
			live = !strchr(buf, 'Z') && !strchr(buf, 'X');	/* a zombie is over */
		/* the kernel's own line: its ids fit */
		else if (sscanf(buf, "Uid: %lu %lu %lu", &r, &eff, &saved) == 3)	/* NOLINT(cert-err34-c) */
			mine = r == id || saved == id;
	}
	fclose(f);
	return live && mine;
}

/* The pid a /proc entry names, or 0 for the entries that are not one. */
static pid_t proc_pid(const char *name)
{
	const char *why;
	uint64_t v;

	if (name[0] < '1' || name[0] > '9' || parse_u64(name, 1, INT32_MAX, &v, &why) < 0)
		return 0;
	return (pid_t)v;
}

/* End every process that runs as id: only ours ever do (the registry
 * hands an id to one machine at a time), and one left by a machine that
 * ended (a fork of a compromised process, say) must not meet the next
 * machine given the id. A child that became id signals each process
 * /proc shows running as id (a pid reused meanwhile by another uid only
 * refuses the signal), until none is left. */
static void clear_id(uid_t id)
{
	pid_t pid = fork();

	if (pid < 0)
		return;
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid((gid_t)id, (gid_t)id, (gid_t)id) < 0 ||
		    setresuid(id, id, id) < 0)
			_exit(1);
		for (int round = 0; round < 100; round++) {
			DIR *d = opendir("/proc");
			struct dirent *de;
			int found = 0;

			if (!d)
				_exit(1);
			while ((de = readdir(d))) {
				pid_t p = proc_pid(de->d_name);

				if (!p || p == getpid() || !runs_as(de->d_name, id))
					continue;
				found++;
				kill(p, SIGKILL);
			}
			closedir(d);
			if (!found)
				_exit(0);
			usleep(10000);
		}
		_exit(1);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
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
			clear_id(id);	/* whatever a dead holder left running */
			*fd = f;
			return 1;
		}
		close(f);	/* unlinked by its last holder meanwhile: again */
	}
	return 0;
}

int ids_take(const struct id_range *r, const char *name, struct id_lease *l, size_t n,
	     struct pool_err *e)
{
	const char *dir = r->dir;
	uid_t id = ids_first(r, name);
	size_t got = 0;
	int dirfd, rc = 0;

	for (size_t i = 0; i < n; i++)
		l[i] = (struct id_lease){ .id = 0, .fd = -1 };
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return pool_err_sys(e, "%s", dir);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return pool_err_sys(e, "%s", dir);
	for (unsigned tries = 0; got < n && tries < IDS_TRIES; tries++) {
		if (!nss_knows(id)) {
			rc = take_one(dirfd, id, name, &l[got].fd, e);
			if (rc < 0)
				break;
			if (rc == 1)
				l[got++].id = id;
		}
		id = id + 1 < r->base + r->count ? id + 1 : r->base;
	}
	close(dirfd);
	if (got == n)
		return 0;
	ids_give(r, l, got);
	if (rc >= 0)
		pool_err_fail(e, "no free machine uid in %u tries from %u (%s)", IDS_TRIES,
			      (unsigned)ids_first(r, name), dir);
	return -1;
}

void ids_give(const struct id_range *r, struct id_lease *l, size_t n)
{
	const char *dir = r->dir;

	for (size_t i = 0; i < n; i++) {
		char path[4096];

		if (l[i].fd < 0)
			continue;
		clear_id(l[i].id);
		/* Unlinked while the lock is held: a taker that opened it just
		 * now sees the inode differ, and opens anew. */
		snprintf(path, sizeof path, "%s/%u", dir, (unsigned)l[i].id);
		unlink(path);
		close(l[i].fd);
		l[i].fd = -1;
	}
}

/* beneath.c - open what a spec names beneath the spec's folder, once, as the caller. */
#include "beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437	/* the same on every architecture */
#endif

#define TRIES 8	/* for lookups that a concurrent rename or create disturbed */

static const char why_outside_spec[] = "leads outside the spec's folder";
static const char why_outside_grant[] = "leads outside the folder granted with --allow-path";
static const char why_outside_store[] = "leads outside the Nix store";
static const char why_absolute[] = "is an absolute path, outside the spec's folder";

static int refuse(const char **why, int err, const char *msg)
{
	if (why)
		*why = msg;
	errno = err;
	return -1;
}

/* An absolute path where a relative one belongs: out, by definition. */
static int refuse_absolute(const char **why, const char *outside)
{
	return refuse(why, EXDEV, outside == why_outside_spec ? why_absolute : outside);
}

/* ---- the spec's text ---- */

static bool is_name(const char *s, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(s, name, n) == 0;
}

int path_rel_check_n(const char *rel, size_t len, char *norm, size_t cap, const char **why)
{
	size_t starts[BENEATH_MAX_COMPONENTS];	/* where each kept name begins in norm, its slash included */
	size_t i = 0, o = 0, ncomp = 0, depth = 0;

	if (cap == 0)
		return refuse(why, ENAMETOOLONG, "is too long");
	norm[0] = '\0';
	if (len == 0)
		return refuse(why, EINVAL, "is empty");
	if (len >= PATH_MAX)
		return refuse(why, ENAMETOOLONG, "is too long");
	for (size_t k = 0; k < len; k++)
		if ((unsigned char)rel[k] < 0x20 || rel[k] == 0x7f)
			return refuse(why, EINVAL, "contains a control character");
	if (rel[0] == '/')
		return refuse(why, EXDEV, why_absolute);
	while (i < len) {
		size_t s, n;

		while (i < len && rel[i] == '/')
			i++;
		if (i == len)
			break;
		s = i;
		while (i < len && rel[i] != '/')
			i++;
		n = i - s;
		if (++ncomp > BENEATH_MAX_COMPONENTS)
			goto refused_many;
		if (n > NAME_MAX) {
			norm[0] = '\0';
			return refuse(why, ENAMETOOLONG, "has a name longer than 255 bytes");
		}
		if (is_name(rel + s, n, "."))
			continue;
		if (is_name(rel + s, n, "..")) {
			if (depth == 0) {
				norm[0] = '\0';
				return refuse(why, EXDEV, "climbs out of the spec's folder with ..");
			}
			o = starts[--depth];
			continue;
		}
		if (o + (depth ? 1 : 0) + n + 1 > cap) {
			norm[0] = '\0';
			return refuse(why, ENAMETOOLONG, "is too long");
		}
		starts[depth++] = o;
		if (o)
			norm[o++] = '/';
		memcpy(norm + o, rel + s, n);
		o += n;
	}
	if (o == 0) {
		if (cap < 2)
			return refuse(why, ENAMETOOLONG, "is too long");
		norm[o++] = '.';
	}
	norm[o] = '\0';
	return 0;

refused_many:
	norm[0] = '\0';
	return refuse(why, ENAMETOOLONG, "has too many names (at most 128)");
}

int path_rel_check(const char *rel, char *norm, size_t cap, const char **why)
{
	return path_rel_check_n(rel, strlen(rel), norm, cap, why);
}

/* ---- lookup ---- */

/* openat2 is there until it says ENOSYS once. */
static int openat2_missing;

static int sys_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve)
{
	struct open_how how = { .flags = flags, .mode = mode, .resolve = resolve };
	long r;

	for (int t = 0; t < TRIES; t++) {
		r = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
		if (r >= 0 || errno != EAGAIN)
			break;
	}
	if (r < 0 && errno == ENOSYS)
		__atomic_store_n(&openat2_missing, 1, __ATOMIC_RELAXED);
	return (int)r;
}

static bool use_openat2(unsigned flags)
{
	return !(flags & BENEATH_WALK) && !__atomic_load_n(&openat2_missing, __ATOMIC_RELAXED);
}

static uint64_t resolve_flags(unsigned flags)
{
	return RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS |
	       ((flags & BENEATH_NO_SYMLINKS) ? RESOLVE_NO_SYMLINKS : 0);
}

/* A phrase for what a lookup failed with. */
static const char *why_errno(int err, unsigned flags, const char *outside)
{
	switch (err) {
	case EXDEV:
		return outside;
	case ELOOP:
		return (flags & BENEATH_NO_SYMLINKS) ? "is or passes through a symlink"
						     : "passes through a /proc magic link or more than 40 symlinks";
	case ENOENT:
		return "does not exist";
	case ENOTDIR:
		return "has a name on the way that is not a folder";
	case EACCES:
		return "is not accessible (permission denied)";
	case ENAMETOOLONG:
		return "is too long";
	case EAGAIN:
		return "kept changing while it was opened";
	default: {
		const char *d = strerrordesc_np(err);

		return d ? d : "cannot be opened";
	}
	}
}

static bool on_procfs(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) < 0 || sf.f_type == PROC_SUPER_MAGIC;	/* unknown counts as procfs */
}

/* If the absolute path p lies beneath the absolute folder root (as
 * names), what is left of p; otherwise NULL. */
static const char *under_prefix(const char *p, const char *root)
{
	for (;;) {
		size_t n;

		while (*root == '/')
			root++;
		while (*p == '/')
			p++;
		if (!*root)
			return p;
		n = strcspn(root, "/");
		if (strncmp(p, root, n) != 0 || (p[n] != '/' && p[n] != '\0'))
			return NULL;
		p += n;
		root += n;
	}
}

/* The walk's folders below its start: fd[depth - 1] is where it is. */
struct walk {
	int root;	/* not owned */
	int fd[BENEATH_MAX_COMPONENTS];
	int depth;
};

static int walk_at(const struct walk *w)
{
	return w->depth ? w->fd[w->depth - 1] : w->root;
}

static void walk_reset(struct walk *w)
{
	while (w->depth > 0)
		close(w->fd[--w->depth]);
}

/* Look rel up beneath root one name at a time; return an O_PATH fd of
 * what it names (of the symlink itself when nofollow and the last name is
 * one). self, when not NULL, is root's own absolute path: absolute
 * symlinks beneath it are followed from root (PATH_GRANT_SELF_LINKS). */
static int walk_lookup(int root, const char *rel, bool nofollow, unsigned flags, const char *self,
		       const char *outside, const char **why)
{
	struct walk w = { .root = root };
	char path[PATH_MAX], link[PATH_MAX], next[PATH_MAX], name[NAME_MAX + 1];
	size_t len = strlen(rel), pos = 0;
	int hops = 0, fd = -1, err;
	const char *msg;

	if (len >= sizeof path)
		return refuse(why, ENAMETOOLONG, "is too long");
	if (rel[0] == '/')
		return refuse_absolute(why, outside);
	memcpy(path, rel, len + 1);
	for (;;) {
		struct stat st;
		size_t start, n, rest;
		bool last, trailing;

		while (path[pos] == '/')
			pos++;
		if (!path[pos])
			break;
		start = pos;
		while (path[pos] && path[pos] != '/')
			pos++;
		n = pos - start;
		trailing = path[pos] == '/';
		for (rest = pos; path[rest] == '/'; rest++)
			;
		last = !path[rest];
		if (n > NAME_MAX) {
			err = ENAMETOOLONG, msg = "has a name longer than 255 bytes";
			goto fail;
		}
		memcpy(name, path + start, n);
		name[n] = '\0';
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			if (w.depth == 0) {
				err = EXDEV, msg = outside;
				goto fail;
			}
			close(w.fd[--w.depth]);
			continue;
		}
		fd = openat(walk_at(&w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			err = errno, msg = why_errno(errno, flags, outside);
			goto fail;
		}
		if (S_ISLNK(st.st_mode)) {
			const char *target = link, *tail = path + pos;
			ssize_t r;

			if (last && nofollow && !trailing)
				break;	/* the caller refuses it */
			if (flags & BENEATH_NO_SYMLINKS) {
				err = ELOOP, msg = "is or passes through a symlink";
				goto fail;
			}
			if (on_procfs(fd)) {
				err = ELOOP, msg = "passes through a /proc magic link";
				goto fail;
			}
			if (++hops > BENEATH_MAX_HOPS) {
				err = ELOOP, msg = "passes through more than 40 symlinks";
				goto fail;
			}
			r = readlinkat(fd, "", link, sizeof link);
			err = errno;
			close(fd);
			fd = -1;
			if (r < 0) {
				msg = why_errno(err, flags, outside);
				goto fail;
			}
			if ((size_t)r >= sizeof link) {
				err = ENAMETOOLONG, msg = "passes through a symlink that is too long";
				goto fail;
			}
			link[r] = '\0';
			if (r == 0) {
				err = ENOENT, msg = "passes through an empty symlink";
				goto fail;
			}
			if (link[0] == '/') {
				if (!self || !(target = under_prefix(link, self))) {
					err = EXDEV, msg = outside;
					goto fail;
				}
				walk_reset(&w);
			}
			/* the target takes the link's place in what is left */
			r = snprintf(next, sizeof next, "%s%s", target, tail);
			if (r < 0 || (size_t)r >= sizeof next) {
				err = ENAMETOOLONG, msg = "is too long once its symlinks are followed";
				goto fail;
			}
			memcpy(path, next, (size_t)r + 1);
			pos = 0;
			continue;
		}
		if (last && !trailing)
			break;
		if (!S_ISDIR(st.st_mode)) {
			err = ENOTDIR, msg = why_errno(ENOTDIR, flags, outside);
			goto fail;
		}
		if (w.depth == BENEATH_MAX_COMPONENTS) {
			err = ENAMETOOLONG, msg = "is more than 128 folders deep";
			goto fail;
		}
		w.fd[w.depth++] = fd;
		fd = -1;
	}
	if (fd < 0) {
		/* it ended on a folder: the one the walk is in */
		if (w.depth > 0)
			fd = w.fd[--w.depth];
		else if ((fd = openat(root, ".", O_PATH | O_CLOEXEC)) < 0) {
			err = errno, msg = why_errno(errno, flags, outside);
			goto fail;
		}
	}
	walk_reset(&w);
	return fd;

fail:
	if (fd >= 0)
		close(fd);
	walk_reset(&w);
	return refuse(why, err, msg);
}

/* An O_PATH fd of what rel names beneath dirfd. */
static int lookup(int dirfd, const char *rel, bool nofollow, unsigned flags, const char *self,
		  const char *outside, const char **why)
{
	if (rel[0] == '/')
		return refuse_absolute(why, outside);
	if (use_openat2(flags)) {
		int fd = sys_openat2(dirfd, rel, O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0), 0,
				     resolve_flags(flags));

		if (fd >= 0)
			return fd;
		if (errno != ENOSYS && !(errno == EXDEV && self))
			return refuse(why, errno, why_errno(errno, flags, outside));
	}
	return walk_lookup(dirfd, rel, nofollow, flags, self, outside, why);
}

/* ---- opening ---- */

#define ALLOWED_OFLAGS                                                                      \
	(O_ACCMODE | O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CREAT | O_EXCL | O_TRUNC |         \
	 O_APPEND | O_NONBLOCK | O_NOCTTY | O_NOATIME | O_SYNC | O_DSYNC | O_DIRECT |          \
	 O_LARGEFILE | O_CLOEXEC)

/* The flags for the real open, once the object is known. */
static int reopen_flags(int oflags)
{
	return (oflags & ~(O_CREAT | O_EXCL | O_NOFOLLOW | O_PATH)) | O_CLOEXEC | O_NOCTTY;
}

/* Reopen the regular file behind the O_PATH fd pfd through procfs, which
 * opens that inode itself, never a name. */
static int reopen_proc(int pfd, int oflags, const char **why)
{
	char num[16];
	int proc, fd;

	proc = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc < 0)
		return refuse(why, errno, "cannot be reopened: /proc/self/fd is missing");
	if (!on_procfs(proc)) {
		/* something mounted there that is not procfs could hand back anything */
		close(proc);
		return refuse(why, EPERM, "cannot be reopened: /proc is not procfs");
	}
	snprintf(num, sizeof num, "%d", pfd);
	fd = openat(proc, num, reopen_flags(oflags));
	close(proc);
	if (fd < 0)
		return refuse(why, errno, why_errno(errno, 0, why_outside_spec));
	return fd;
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* What is there: check its type, then open it for real. */
static int open_existing(int dirfd, const char *rel, int oflags, unsigned flags, const char *self,
			 const char *outside, const char **why)
{
	bool want_dir = (oflags & O_DIRECTORY) || (flags & BENEATH_DIR);
	bool want_file = flags & BENEATH_FILE;
	struct stat st, st2;
	int pfd, fd;

	pfd = lookup(dirfd, rel, oflags & O_NOFOLLOW, flags, self, outside, why);
	if (pfd < 0)
		return -1;
	if (fstat(pfd, &st) < 0) {
		fd = refuse(why, errno, why_errno(errno, flags, outside));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		if (want_file) {
			fd = refuse(why, EISDIR, "is a folder, not a file");
			goto out;
		}
	} else if (S_ISREG(st.st_mode)) {
		if (want_dir) {
			fd = refuse(why, ENOTDIR, "is a file, not a folder");
			goto out;
		}
	} else {
		fd = refuse(why, S_ISLNK(st.st_mode) ? ELOOP : ENXIO,
			    S_ISLNK(st.st_mode)   ? "is a symlink"
			    : S_ISFIFO(st.st_mode) ? "is a FIFO, not a file or folder"
			    : S_ISSOCK(st.st_mode) ? "is a socket, not a file or folder"
						   : "is a device, not a file or folder");
		goto out;
	}
	if (oflags & O_PATH)
		return pfd;
	if (S_ISDIR(st.st_mode)) {
		fd = openat(pfd, ".", reopen_flags(oflags) | O_DIRECTORY);
		if (fd < 0)
			fd = refuse(why, errno, why_errno(errno, flags, outside));
	} else {
		fd = reopen_proc(pfd, oflags, why);
	}
	if (fd >= 0 && (fstat(fd, &st2) < 0 || !same_inode(&st, &st2))) {
		close(fd);
		fd = refuse(why, EAGAIN, "kept changing while it was opened");
	}
out:
	close(pfd);
	return fd;
}

/* Make a new regular file; EEXIST when the name is taken (by anything). */
static int create_excl(int dirfd, const char *rel, int oflags, mode_t mode, unsigned flags,
		       const char *self, const char *outside, const char **why)
{
	int cflags = reopen_flags(oflags) | O_CREAT | O_EXCL | O_NOFOLLOW;
	char parent[PATH_MAX];
	const char *last;
	size_t len = strlen(rel);
	int pfd, fd;

	if (rel[0] == '/')
		return refuse_absolute(why, outside);
	if (use_openat2(flags)) {
		fd = sys_openat2(dirfd, rel, (uint64_t)cflags, mode, resolve_flags(flags));
		if (fd >= 0)
			return fd;
		if (errno != ENOSYS && !(errno == EXDEV && self))
			return refuse(why, errno,
				      errno == EEXIST ? "already exists" : why_errno(errno, flags, outside));
	}
	/* the walk: find the folder, then make the last name in it */
	if (len >= sizeof parent)
		return refuse(why, ENAMETOOLONG, "is too long");
	if (rel[len - 1] == '/')
		return refuse(why, EISDIR, "names a folder, not a file to make");
	memcpy(parent, rel, len + 1);
	last = strrchr(parent, '/');
	if (last) {
		parent[last - parent] = '\0';
		last = rel + (last - parent) + 1;
		if (!parent[0])
			return refuse(why, EXDEV, why_absolute);
	} else {
		last = rel;
		strcpy(parent, ".");
	}
	if (strcmp(last, ".") == 0 || strcmp(last, "..") == 0)
		return refuse(why, EISDIR, "names a folder, not a file to make");
	pfd = walk_lookup(dirfd, parent, false, flags, self, outside, why);
	if (pfd < 0)
		return -1;
	fd = openat(pfd, last, cflags, mode);
	close(pfd);
	if (fd < 0)
		return refuse(why, errno, errno == EEXIST ? "already exists" : why_errno(errno, flags, outside));
	return fd;
}

static int beneath_open(int dirfd, const char *rel, int oflags, mode_t mode, unsigned flags,
			const char *self, const char *outside, const char **why)
{
	if (!rel || !rel[0])
		return refuse(why, ENOENT, "is empty");
	if (strlen(rel) >= PATH_MAX)
		return refuse(why, ENAMETOOLONG, "is too long");
	if ((oflags & ~ALLOWED_OFLAGS) || (oflags & O_TMPFILE) == O_TMPFILE ||
	    ((oflags & O_CREAT) && ((oflags & (O_PATH | O_DIRECTORY)) || (flags & BENEATH_DIR))))
		return refuse(why, EINVAL, "cannot be opened with these flags");
	if (!(oflags & O_CREAT))
		return open_existing(dirfd, rel, oflags, flags, self, outside, why);
	/* create when missing: exclusively, so a name taken meanwhile (a
	 * FIFO, a symlink) is opened as an existing one, with its checks */
	for (int t = 0; t < TRIES; t++) {
		int fd = create_excl(dirfd, rel, oflags, mode, flags, self, outside, why);

		if (fd >= 0 || errno != EEXIST || (oflags & O_EXCL))
			return fd;
		fd = open_existing(dirfd, rel, oflags & ~O_CREAT, flags, self, outside, why);
		if (fd >= 0 || errno != ENOENT)
			return fd;
	}
	return refuse(why, ENOENT, "is a symlink to nothing, or keeps appearing and vanishing");
}

int open_beneath(int dirfd, const char *rel, int oflags, mode_t mode, unsigned flags,
		 const char **why)
{
	return beneath_open(dirfd, rel, oflags, mode, flags, NULL, why_outside_spec, why);
}

/* ---- granted folders ---- */

/* "/" + the lexical normalisation of an absolute path, into out. */
static int abs_norm(const char *p, char *out, size_t cap, const char **why)
{
	if (p[0] != '/')
		return refuse(why, EINVAL, "is not an absolute path");
	while (*p == '/')
		p++;
	if (!*p) {
		snprintf(out, cap, "/");
		return 0;
	}
	out[0] = '/';
	if (path_rel_check(p, out + 1, cap - 1, why) < 0) {
		if (errno == EXDEV && why)
			*why = "climbs above / with ..";
		return -1;
	}
	if (strcmp(out, "/.") == 0)
		out[1] = '\0';
	return 0;
}

int path_grants_add_fd(struct path_grants *g, int fd, const char *dir, unsigned gflags,
		       const char **why)
{
	char given[PATH_MAX], real[PATH_MAX], link[32];
	struct path_grant *v;
	ssize_t r;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	r = readlink(link, real, sizeof real);
	if (r <= 0 || (size_t)r >= sizeof real || real[0] != '/') {
		close(fd);
		return refuse(why, r < 0 ? errno : ENAMETOOLONG, "cannot be named through /proc/self/fd");
	}
	real[r] = '\0';
	if (dir[0] != '/' || abs_norm(dir, given, sizeof given, NULL) < 0)
		snprintf(given, sizeof given, "%s", real);
	v = realloc(g->v, (g->n + 1) * sizeof *v);
	if (!v) {
		close(fd);
		return refuse(why, ENOMEM, "out of memory");
	}
	g->v = v;
	v[g->n].path = strdup(given);
	v[g->n].real = strdup(real);
	if (!v[g->n].path || !v[g->n].real) {
		free(v[g->n].path);
		free(v[g->n].real);
		close(fd);
		return refuse(why, ENOMEM, "out of memory");
	}
	v[g->n].fd = fd;
	v[g->n].flags = gflags;
	g->n++;
	return 0;
}

int path_grants_add(struct path_grants *g, const char *dir, unsigned gflags, const char **why)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return refuse(why, errno, why_errno(errno, 0, why_outside_grant));
	return path_grants_add_fd(g, fd, dir, gflags, why);
}

void path_grants_free(struct path_grants *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->v[i].path);
		free(g->v[i].real);
		close(g->v[i].fd);
	}
	free(g->v);
	g->v = NULL;
	g->n = 0;
}

int open_allowed(const struct path_grants *g, const char *abs_path, int oflags, mode_t mode,
		 unsigned flags, const char **why)
{
	const struct path_grant *best = NULL;
	const char *rest = NULL;
	size_t best_len = 0;
	char norm[PATH_MAX];

	if (abs_norm(abs_path, norm, sizeof norm, why) < 0)
		return -1;
	for (size_t i = 0; i < g->n; i++) {
		const char *names[2] = { g->v[i].path, g->v[i].real };

		for (size_t k = 0; k < 2; k++) {
			const char *r = under_prefix(norm, names[k]);

			if (r && (!best || strlen(names[k]) < best_len)) {
				best = &g->v[i];
				best_len = strlen(names[k]);
				rest = r;
			}
		}
	}
	if (!best)
		return refuse(why, EXDEV, "is outside the spec's folder and every folder granted with --allow-path");
	return beneath_open(best->fd, *rest ? rest : ".", oflags, mode, flags,
			    (best->flags & PATH_GRANT_SELF_LINKS) ? best->real : NULL,
			    (best->flags & PATH_GRANT_SELF_LINKS) ? why_outside_store : why_outside_grant, why);
}

/* ---- the Nix store ---- */

static int check_root_folder(int fd, bool store, const char **why)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return refuse(why, errno, "cannot be checked");
	if (!S_ISDIR(st.st_mode))
		return refuse(why, ENOTDIR, store ? "is not a folder" : "has a name on the way that is not a folder");
	if (st.st_uid != 0)
		return refuse(why, EPERM, store ? "is not owned by root"
						: "has a folder on the way not owned by root");
	if (st.st_mode & S_IWOTH)
		return refuse(why, EPERM, store ? "is writable by others"
						: "has a folder on the way writable by others");
	if ((st.st_mode & S_IWGRP) && !(store && (st.st_mode & S_ISVTX)))
		return refuse(why, EPERM, store ? "is writable by its group without the sticky bit"
						: "has a folder on the way writable by its group");
	return 0;
}

int nix_store_open_at(int rootfd, const char *store, const char **why)
{
	const char *p = store;
	int fd;

	fd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return refuse(why, errno, why_errno(errno, 0, why_outside_store));
	while (*p == '/')
		p++;
	if (check_root_folder(fd, !*p, why) < 0)
		goto fail;
	while (*p) {
		char name[NAME_MAX + 1];
		size_t n = strcspn(p, "/");
		struct stat st;
		int next;

		if (n > NAME_MAX) {
			refuse(why, ENAMETOOLONG, "has a name longer than 255 bytes");
			goto fail;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		p += n;
		while (*p == '/')
			p++;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			refuse(why, EINVAL, "has a . or .. name");
			goto fail;
		}
		next = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			refuse(why, errno, why_errno(errno, 0, why_outside_store));
			goto fail;
		}
		close(fd);
		fd = next;
		if (fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
			refuse(why, ELOOP, "is or passes through a symlink");
			goto fail;
		}
		if (check_root_folder(fd, !*p, why) < 0)
			goto fail;
	}
	return fd;

fail:
	{
		int err = errno;

		close(fd);
		errno = err;
	}
	return -1;
}

int nix_store_open(const char *store, const char **why)
{
	int root;
	int fd;

	if (store[0] != '/')
		return refuse(why, EINVAL, "is not an absolute path");
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return refuse(why, errno, "cannot open /");
	fd = nix_store_open_at(root, store, why);
	{
		int err = errno;

		close(root);
		errno = err;
	}
	return fd;
}

bool nix_store_trusted(const char *store)
{
	int fd = nix_store_open(store, NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

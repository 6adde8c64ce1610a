/* beneath.h - open a host path that a spec names beneath the spec's own
 * folder (or a folder the command line granted), resolved once, by the
 * caller's credentials, and hand on the fd.
 *
 * A pool.yaml comes with a codebase and is hostile; so are the files
 * beside it, which the machine can rewrite through a share. A path from a
 * spec is therefore (1) checked as text by path_rel_check() when the spec
 * is read, then (2) opened with open_beneath() from an fd of the spec's
 * folder, in a process that already runs as the invoking user (see
 * run_as_user() in src/util/user.c), so every permission check
 * is the kernel's for that user. The fd that comes back is what the
 * supervisor uses: nothing is looked up again by name, as root or not.
 *
 * How a lookup stays beneath its folder:
 * - openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS (Linux 5.6):
 *   ".." past the folder, absolute paths, and symlinks that lead out
 *   (absolute, or ".." past the folder) fail with EXDEV; /proc magic
 *   links fail with ELOOP. Symlinks that stay inside are followed. The
 *   kernel also catches a folder renamed away during the lookup (EAGAIN,
 *   retried).
 * - Without openat2 (ENOSYS: an older kernel, or a seccomp filter that
 *   says so), or with BENEATH_WALK: a walk one name at a time, each an
 *   openat(O_PATH | O_NOFOLLOW) from an fd the walk holds. Symlinks are
 *   resolved by the walk itself, with the same rules as openat2: ".." pops
 *   the walk's own stack of folder fds (never the kernel's ".."), and one
 *   that would pop the start fails with EXDEV; an absolute target fails
 *   with EXDEV; a symlink on procfs is taken as a magic link (ELOOP); at
 *   most BENEATH_MAX_HOPS symlinks (ELOOP). So both ways accept and refuse
 *   the same paths, and the tests run every case both ways. What the walk
 *   cannot see is a folder on its stack being renamed out of the tree
 *   while it works beneath it; that takes write access outside the tree
 *   (the machine, writing through a share, has none).
 * - The object found is opened O_PATH first, checked with fstat (a FIFO,
 *   socket, device or, with O_NOFOLLOW, a symlink is refused; so is a
 *   folder where a file was asked for and the reverse), and only then
 *   reopened with the flags asked for: a folder through openat(fd, "."),
 *   a file through /proc/self/fd/N (checked to be procfs), which reopens
 *   that very inode, so nothing swapped in meanwhile is opened and a FIFO
 *   never blocks the open.
 *
 * Functions return an fd (or 0) on success; on failure -1 with errno set
 * and *why (when why is not NULL) a short phrase that follows the path in
 * a message: "\"../x\" climbs out of the spec's folder with ..". */
#ifndef POOL_BENEATH_H
#define POOL_BENEATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define BENEATH_MAX_COMPONENTS 128	/* names in one path, and folders deep */
#define BENEATH_MAX_HOPS 40		/* symlinks followed in one lookup (the kernel's limit) */

/* ---- the spec's text ---- */

/* Check and normalise a path the spec gives relative to its folder: refuse
 * an empty path, an absolute one (outside the folder by definition: the
 * caller's message names --allow-path; errno EXDEV), one with a control
 * byte (below 0x20, or 0x7f; NUL included for the _n form), a ".." that
 * climbs above the start (EXDEV; "a/../b" is "b"), one of PATH_MAX bytes
 * or more, with a name longer than NAME_MAX, or with more than
 * BENEATH_MAX_COMPONENTS names ("." and ".." count). "." and repeated or
 * trailing slashes are dropped. norm gets the result: names joined by
 * single slashes, never starting with '/', with no "." or ".." name, or
 * exactly "." for the folder itself. Checking norm again gives norm. cap
 * should be PATH_MAX: the text is built in place, and a step longer than
 * cap is refused as too long (ENAMETOOLONG). ".." is undone lexically:
 * open norm, not the original text. Pure: no system call. */
int path_rel_check(const char *rel, char *norm, size_t cap, const char **why);
int path_rel_check_n(const char *rel, size_t len, char *norm, size_t cap, const char **why);

/* ---- opening ---- */

enum beneath_flags {
	BENEATH_NO_SYMLINKS = 1u << 0,	/* refuse every symlink, even one that stays inside (ELOOP) */
	BENEATH_WALK = 1u << 1,		/* the component walk, even where openat2 exists */
	BENEATH_FILE = 1u << 2,		/* the result must be a regular file (else EISDIR/ENXIO) */
	BENEATH_DIR = 1u << 3,		/* the result must be a folder (else ENOTDIR); O_DIRECTORY implies it */
};

/* Open rel beneath the folder dirfd (any fd of a folder; O_PATH will do).
 * Without BENEATH_FILE or BENEATH_DIR the result may be a regular file or
 * a folder, never anything else. oflags are open(2)'s, of:
 * O_RDONLY/O_WRONLY/O_RDWR, O_PATH (the checked O_PATH fd itself),
 * O_DIRECTORY, O_NOFOLLOW (a symlink as the last name is refused, ELOOP),
 * O_CREAT (a regular file with mode, umask applied, when missing; the
 * folders on the way must exist), O_EXCL (with O_CREAT: an existing name,
 * symlink included, is EEXIST), O_TRUNC, O_APPEND, O_NONBLOCK, O_NOCTTY,
 * O_NOATIME, O_SYNC, O_DSYNC, O_DIRECT, O_LARGEFILE, O_CLOEXEC; the result
 * is always O_CLOEXEC and O_NOCTTY. Anything else, O_TMPFILE, and O_CREAT
 * with O_PATH, O_DIRECTORY or BENEATH_DIR are EINVAL. rel should be a
 * norm from path_rel_check(), but any text is safe. */
int open_beneath(int dirfd, const char *rel, int oflags, mode_t mode, unsigned flags,
		 const char **why);

/* ---- folders the command line grants (--allow-path DIR) ---- */

enum path_grant_flags {
	/* Absolute symlinks whose target lies beneath the granted folder's own
	 * path are followed from the folder's fd (by the walk): what the Nix
	 * store is full of (a system's kernel -> /nix/store/...-linux/bzImage).
	 * Only for a folder whose contents nobody but root can change. */
	PATH_GRANT_SELF_LINKS = 1u << 0,
};

struct path_grant {
	char *path;	/* as granted, normalised lexically (absolute) */
	char *real;	/* where it resolved, from the fd (/proc/self/fd) */
	int fd;		/* O_PATH, O_DIRECTORY */
	unsigned flags;	/* PATH_GRANT_* */
};

struct path_grants {
	struct path_grant *v;
	size_t n;
};

/* Resolve a granted folder once (the command line is trusted: symlinks
 * in it are followed) with O_PATH | O_DIRECTORY and keep its fd. A
 * relative dir is taken from the working folder. */
int path_grants_add(struct path_grants *g, const char *dir, unsigned gflags, const char **why);

/* The same for a folder already open (an fd from nix_store_open()); the
 * fd is taken over, and closed on failure too. */
int path_grants_add_fd(struct path_grants *g, int fd, const char *dir, unsigned gflags,
		       const char **why);

void path_grants_free(struct path_grants *g);

/* Open an absolute path from a spec that is outside the spec's folder:
 * after lexical normalisation it must name a granted folder (as granted
 * or as resolved) or something under one; the rest is opened with
 * open_beneath() from that folder's fd (the widest grant that matches).
 * No grant matching is EXDEV, "is outside the spec's folder and every
 * folder granted with --allow-path". */
int open_allowed(const struct path_grants *g, const char *abs_path, int oflags, mode_t mode,
		 unsigned flags, const char **why);

/* ---- the Nix store ---- */

/* Whether store (normally "/nix/store") is a folder only root can change:
 * "/" and every folder down to it are real folders (no symlink on the
 * way) owned by root, and none is writable by group or others; except
 * the store itself, which may be group-writable when its sticky bit is
 * set. That is the multi-user store, 1775 root:nixbld: the daemon's build
 * users (group nixbld) may add a name but, with the sticky bit, never
 * rename or remove one they do not own, and every finished store path is
 * owned by root and read-only (the daemon canonicalises it). A store that
 * Nix made without build users (as root, no nixbld group: what nix-bin's
 * `nix-store --init` makes here) is 0755 root:root and passes too. An
 * fd of a trusted store can be granted with PATH_GRANT_SELF_LINKS. */
bool nix_store_trusted(const char *store);

/* The same, returning an O_PATH fd of the checked store (each folder is
 * opened from its parent's fd and checked by fstat, so what was checked
 * is what is returned). */
int nix_store_open(const char *store, const char **why);

/* The same from rootfd standing in for "/" (rootfd itself is checked
 * too); store is then taken relative to it. For tests. */
int nix_store_open_at(int rootfd, const char *store, const char **why);

#endif

/* volume.c - volume images on the host: probe, create sparse + mkfs.ext4, open and lock. */
#include "volume_image.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/proc.h"
#include "common/parse.h"

#define EXT_MAGIC_OFF 1080	/* superblock at 1024, s_magic at 56 in it */
#define MKFS_ERR_MAX 1024

void volume_serial(size_t i, char *out, size_t cap)
{
	snprintf(out, cap, "vol%zu", i);
}

bool volume_is_ext(const uint8_t *buf, size_t len)
{
	if (len < EXT_MAGIC_OFF + 2)
		return false;
	return buf[EXT_MAGIC_OFF] == 0x53 && buf[EXT_MAGIC_OFF + 1] == 0xef;
}

int volume_record_line(char *out, size_t cap, uint64_t dev, uint64_t ino, const char *path)
{
	int n;

	if (strchr(path, '\n'))
		return -1;
	n = snprintf(out, cap, "%" PRIu64 " %" PRIu64 " %s\n", dev, ino, path);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* The next space-separated number of a line: [*pos, end). */
static int next_u64(const char *text, size_t end, size_t *pos, uint64_t *v)
{
	char tok[24];
	size_t start = *pos, n;
	const char *why;

	while (*pos < end && text[*pos] != ' ')
		(*pos)++;
	n = *pos - start;
	if (n == 0 || n >= sizeof tok)
		return -1;
	memcpy(tok, text + start, n);
	tok[n] = '\0';
	if (*pos < end)
		(*pos)++;	/* the space */
	return parse_u64(tok, 0, UINT64_MAX, v, &why);
}

bool volume_record_has(const char *text, size_t len, uint64_t dev, uint64_t ino)
{
	size_t line = 0;

	while (line < len) {
		size_t end = line, pos = line;
		uint64_t d, i;

		while (end < len && text[end] != '\n')
			end++;
		if (next_u64(text, end, &pos, &d) == 0 && next_u64(text, end, &pos, &i) == 0 &&
		    d == dev && i == ino)
			return true;
		line = end + 1;
	}
	return false;
}

/* The lock and the file system check, on an fd of a regular file. */
static int lock_and_probe(int fd, const char *path, bool probe, struct pool_err *e)
{
	uint8_t sb[VOLUME_PROBE_LEN];
	ssize_t n;

	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			pool_err_fail(e, "volume %s is in use by another machine", path);
			return VOLUME_BUSY;
		}
		return pool_err_sys(e, "volume %s: lock", path);
	}
	if (!probe)
		return 0;
	n = pread(fd, sb, sizeof sb, 0);
	if (n < 0)
		return pool_err_sys(e, "volume %s", path);
	if (!volume_is_ext(sb, (size_t)n))
		return pool_err_fail(e, "volume %s holds no ext4 file system (pool formats only "
				     "the images it creates; remove it to have a new one made)", path);
	return 0;
}

int volume_open_at(int dirfd, const char *name, const char *path, struct pool_err *e)
{
	_cleanup_close_ int fd = -1;
	struct stat st, fst;
	int r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return VOLUME_MISSING;
		return pool_err_sys(e, "volume %s", path);
	}
	if (S_ISLNK(st.st_mode))
		return pool_err_usage(e, "volume %s is a symlink; give the image's own path", path);
	if (S_ISDIR(st.st_mode))
		return pool_err_usage(e, "volume %s is a folder, not an image file", path);
	if (!S_ISREG(st.st_mode))
		return pool_err_usage(e, "volume %s is not a regular file", path);
	/* O_NONBLOCK: should the path have been swapped for a FIFO or a
	 * device, opening it does not wait; fstat then refuses it. */
	fd = openat(dirfd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP)
			return pool_err_usage(e, "volume %s is a symlink; give the image's own path", path);
		return pool_err_sys(e, "volume %s", path);
	}
	if (fstat(fd, &fst) < 0)
		return pool_err_sys(e, "volume %s", path);
	if (!S_ISREG(fst.st_mode) || fst.st_dev != st.st_dev || fst.st_ino != st.st_ino)
		return pool_err_usage(e, "volume %s changed while it was being opened", path);
	if (fcntl(fd, F_SETFL, 0) < 0)
		return pool_err_sys(e, "volume %s", path);
	r = lock_and_probe(fd, path, true, e);
	if (r < 0)
		return r;
	return steal_fd(&fd);
}

int volume_open(const char *path, struct pool_err *e)
{
	return volume_open_at(AT_FDCWD, path, path, e);
}

static const char *mkfs_program(void)
{
	static const char *const known[] = { "/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4" };
	const char *env = getenv("POOL_MKFS");

	if (env && *env)
		return env;
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (access(known[i], X_OK) == 0)
			return known[i];
	return NULL;
}

/* mkfs.ext4 on the open image, reached as /dev/fd/3 so that no path is
 * opened twice. Its first error line goes into e.
 * -m 0: a data volume keeps no blocks back for root; root_owner: the
 * guest's root owns the top folder; lazy_journal_init: the new file reads
 * as zeros already, so the journal is not written out and the image stays
 * sparse. */
static int run_mkfs(int fd, const char *path, struct pool_err *e)
{
	const char *mkfs = mkfs_program();
	const char *argv[] = { mkfs, "-q", "-F", "-m", "0", "-E", "root_owner=0:0,lazy_journal_init=1",
			       "/dev/fd/3", NULL };
	struct proc_opts o = { .argv = argv, .fd3 = fd, .capture_stderr = true, .max = MKFS_ERR_MAX };
	_cleanup_free_ char *out = NULL;
	size_t len;
	int st;

	if (!mkfs)
		return pool_err_fail(e, "volume %s: mkfs.ext4 not found (install e2fsprogs, or set POOL_MKFS)",
				     path);
	st = proc_run(&o, &out, &len, e);
	if (st < 0)
		return pool_err_wrap(e, "volume %s", path);
	out[strcspn(out, "\n")] = '\0';
	if (st != 0)
		return pool_err_fail(e, "volume %s: %s failed%s%s", path, mkfs, out[0] ? ": " : "", out);
	return 0;
}

int volume_create_at(int dirfd, const char *name, const char *path, uint64_t size, uid_t uid, gid_t gid,
		     struct pool_err *e)
{
	_cleanup_close_ int fd = -1, dfd = -1;
	char tmp[NAME_MAX + 1];
	int r;

	if (!*name || strchr(name, '/'))
		return pool_err_usage(e, "volume %s: not a file name", path);
	if ((size_t)snprintf(tmp, sizeof tmp, ".%s.pool-%d.tmp", name, (int)getpid()) >= sizeof tmp)
		return pool_err_usage(e, "volume %s: name too long", path);
	if (size > (uint64_t)INT64_MAX)
		return pool_err_usage(e, "volume %s: size too large", path);

	fd = openat(dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return pool_err_sys(e, "volume %s: creating %s", path, tmp);
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, 0600) < 0 || ftruncate(fd, (off_t)size) < 0) {
		pool_err_sys(e, "volume %s: creating %s", path, tmp);
		goto fail;
	}
	r = lock_and_probe(fd, path, false, e);
	if (r < 0)
		goto fail;
	if (run_mkfs(fd, path, e) < 0 || lock_and_probe(fd, path, true, e) < 0)
		goto fail;
	if (fsync(fd) < 0) {
		pool_err_sys(e, "volume %s", path);
		goto fail;
	}
	/* linkat(2) never replaces: an image made meanwhile by someone else wins. */
	if (linkat(dirfd, tmp, dirfd, name, 0) < 0) {
		int err = errno;

		unlinkat(dirfd, tmp, 0);
		if (err == EEXIST)
			return VOLUME_EXISTS;
		errno = err;
		return pool_err_sys(e, "volume %s", path);
	}
	unlinkat(dirfd, tmp, 0);
	dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	return steal_fd(&fd);
fail:
	unlinkat(dirfd, tmp, 0);
	return -1;
}

int volume_create(const char *path, uint64_t size, uid_t uid, gid_t gid, struct pool_err *e)
{
	const char *slash = strrchr(path, '/');
	_cleanup_close_ int dirfd = -1;
	char dir[PATH_MAX];

	if (!slash || !slash[1])
		return pool_err_usage(e, "volume %s: not a file path", path);
	snprintf(dir, sizeof dir, "%.*s", slash > path ? (int)(slash - path) : 1, path);
	dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return pool_err_sys(e, "volume %s", path);
	return volume_create_at(dirfd, slash + 1, path, size, uid, gid, e);
}

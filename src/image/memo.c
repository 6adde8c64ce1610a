/* memo.c - what pool learnt about a host file, kept while the file stays
 * as it was: input digests and busybox's applets (memo.h). */
#include "image/memo.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/sha256.h"

#define MEMO_MAX (1u << 20)

void memo_key(const char *kind, const char *path, const struct stat *st, char hex[65])
{
	struct sha256 s;
	uint8_t out[32];
	char id[160];
	int n;

	n = snprintf(id, sizeof id, "%ju %ju %jd %jd.%09ld %jd.%09ld", (uintmax_t)st->st_dev,
		     (uintmax_t)st->st_ino, (intmax_t)st->st_size, (intmax_t)st->st_mtim.tv_sec,
		     st->st_mtim.tv_nsec, (intmax_t)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
	sha256_init(&s);
	sha256_update(&s, "pool-memo-v1", 13);
	sha256_update(&s, kind, strlen(kind) + 1);
	sha256_update(&s, path, strlen(path) + 1);
	sha256_update(&s, id, (size_t)n);
	sha256_final(&s, out);
	sha256_hex(out, hex);
}

/* CACHE/memo/KEY, when the folder is one pool may trust. */
static int entry_path(const char *cache, const char *kind, const char *path, const struct stat *st,
		      bool create, char *out, size_t cap)
{
	struct pool_err ignore = { 0 };
	char dir[PATH_MAX], key[65];

	if (!cache || (size_t)snprintf(dir, sizeof dir, "%s/memo", cache) >= sizeof dir)
		return -1;
	if (create && mkdir_p(dir, 0755, &ignore) < 0)
		return -1;
	if (dir_private(dir, &ignore) < 0)
		return -1;
	memo_key(kind, path, st, key);
	return (size_t)snprintf(out, cap, "%s/%s", dir, key) < cap ? 0 : -1;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static bool settled(const struct stat *st)
{
	time_t now = time(NULL), last = st->st_mtim.tv_sec > st->st_ctim.tv_sec ? st->st_mtim.tv_sec
										 : st->st_ctim.tv_sec;

	return now - last >= MEMO_SETTLE_S;
}

int memo_get(const char *cache, const char *kind, const char *path, const struct stat *st,
	     char **val, size_t *len)
{
	struct pool_err ignore = { 0 };
	char entry[PATH_MAX + 80];

	*val = NULL;
	*len = 0;
	if (entry_path(cache, kind, path, st, false, entry, sizeof entry) < 0)
		return 0;
	if (read_file(entry, MEMO_MAX, val, len, &ignore) < 0) {
		*val = NULL;
		*len = 0;
		return 0;
	}
	return 1;
}

void memo_put(const char *cache, const char *kind, const char *path, const struct stat *st,
	      const char *val, size_t len)
{
	struct pool_err ignore = { 0 };
	char entry[PATH_MAX + 80];
	struct stat now;

	if (geteuid() != 0 || !settled(st) || stat(path, &now) < 0 || !same_file(st, &now))
		return;
	if (entry_path(cache, kind, path, st, true, entry, sizeof entry) < 0)
		return;
	write_file_atomic(entry, val, len, 0644, &ignore);
}

static int nibble(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 2n lowercase hex digits into n bytes. */
static int unhex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int memo_digest(const char *cache, const char *path, uint8_t out[32], struct pool_err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *memo = NULL;
	struct stat before, after;
	struct sha256 s;
	uint8_t buf[65536];
	size_t len;
	ssize_t n;

	if (fd < 0 || fstat(fd, &before) < 0)
		return pool_err_sys(e, "%s", path);
	if (memo_get(cache, "sha256", path, &before, &memo, &len) == 1 && len == 64 &&
	    unhex(memo, out, 32) == 0)
		return 0;
	sha256_init(&s);
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return pool_err_sys(e, "%s", path);
		}
		sha256_update(&s, buf, (size_t)n);
	}
	sha256_final(&s, out);
	if (fstat(fd, &after) == 0 && same_file(&before, &after)) {
		char hex[65];

		sha256_hex(out, hex);
		memo_put(cache, "sha256", path, &before, hex, 64);
	}
	return 0;
}

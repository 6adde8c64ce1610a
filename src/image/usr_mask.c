/* usr_mask.c - what of the host's /usr others may not read, scanned and
 * remembered (usr_mask.h). */
#include "image/usr_mask.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fsutil.h"

#define DEPTH_MAX 64

static int scan_at(int dfd, dev_t dev, char *rel, size_t len, int depth, struct strv *out,
		   struct pool_err *e)
{
	DIR *d;
	struct dirent *de;
	int fd, r = 0;

	if (depth > DEPTH_MAX)
		return 0;
	fd = openat(dfd, len ? rel : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while (r == 0 && (de = readdir(d))) {
		struct stat st;
		size_t n = strlen(de->d_name);

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || len + n + 2 > PATH_MAX)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
			continue;
		snprintf(rel + len, PATH_MAX - len, "%s%s", len ? "/" : "", de->d_name);
		if ((S_ISREG(st.st_mode) && !(st.st_mode & S_IROTH)) ||
		    (S_ISDIR(st.st_mode) && (st.st_mode & (S_IROTH | S_IXOTH)) != (S_IROTH | S_IXOTH))) {
			if (out->n >= USR_MASK_MAX)
				r = pool_err_fail(e, "/usr has more than %d entries others may not read", USR_MASK_MAX);
			else if (strv_add(out, rel) < 0)
				r = pool_err_sys(e, "/usr");
		} else if (S_ISDIR(st.st_mode)) {
			r = scan_at(dfd, dev, rel, strlen(rel), depth + 1, out, e);
		}
		rel[len] = '\0';
	}
	closedir(d);
	return r;
}

int usr_mask_scan(const char *root, struct strv *out, struct pool_err *e)
{
	_cleanup_close_ int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char rel[PATH_MAX] = "";
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return pool_err_sys(e, "%s", root);
	return scan_at(fd, st.st_dev, rel, 0, 0, out, e);
}

/* What the remembered scan is good for: this boot of the host, its
 * packages, the tops of /usr and /usr/local. */
static void stamp(char *out, size_t cap)
{
	static const char *const files[] = { "/var/lib/dpkg/status", "/usr", "/usr/local", "/usr/local/bin",
					     "/usr/local/lib", "/usr/local/share" };
	char boot[64] = "";
	size_t o;
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	if (f) {
		if (!fgets(boot, sizeof boot, f))
			boot[0] = '\0';
		fclose(f);
	}
	boot[strcspn(boot, "\n")] = '\0';
	o = (size_t)snprintf(out, cap, "pool-usr-mask-v1 %s", boot);
	for (size_t i = 0; i < sizeof files / sizeof files[0] && o < cap; i++) {
		struct stat st;

		if (stat(files[i], &st) == 0)
			o += (size_t)snprintf(out + o, cap - o, " %lld.%09ld:%lld:%llu",
					      (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
					      (long long)st.st_size, (unsigned long long)st.st_ino);
	}
}

int usr_mask_load(const char *cache_dir, struct strv *out, struct pool_err *e)
{
	_cleanup_free_ char *text = NULL, *saved = NULL;
	char path[PATH_MAX], key[512];
	struct pool_err ignore = { 0 };
	size_t len = 0, slen = 0;
	FILE *f;

	stamp(key, sizeof key);
	snprintf(path, sizeof path, "%s/usr-mask", cache_dir);
	if (file_private(path, &ignore) == 0 && read_file(path, 4u << 20, &text, &len, &ignore) == 0 &&
	    strncmp(text, key, strlen(key)) == 0 && text[strlen(key)] == '\n') {
		for (char *p = text + strlen(key) + 1, *l; (l = strsep(&p, "\n"));)
			if (*l && strv_add(out, l) < 0)
				return pool_err_sys(e, "usr mask");
		return 0;
	}
	if (usr_mask_scan("/usr", out, e) < 0)
		return -1;
	f = open_memstream(&saved, &slen);
	if (!f)
		return 0;
	fprintf(f, "%s\n", key);
	for (size_t i = 0; i < out->n; i++)
		if (!strchr(out->v[i], '\n'))
			fprintf(f, "%s\n", out->v[i]);
	if (fclose(f) == 0 && mkdir_p(cache_dir, 0755, &ignore) == 0 && dir_private(cache_dir, &ignore) == 0)
		write_file_atomic(path, saved, slen, 0600, &ignore);
	return 0;
}

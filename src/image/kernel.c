/* kernel.c - find the guest kernel and read its version from the bzImage setup header. */
#include "kernel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

/* Linux x86 boot protocol (Documentation/x86/boot.rst), offsets in the file. */
#define BZ_BOOT_FLAG	0x1fe	/* u16 0xAA55 */
#define BZ_HEADER	0x202	/* "HdrS" */
#define BZ_VERSION	0x206	/* u16 protocol version */
#define BZ_KVER		0x20e	/* u16 kernel_version: string at 0x200 + value */
#define BZ_KVER_BASE	0x200
#define BZ_HEAD_READ	65536	/* kernel_version reads no more of the file */

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

int bzimage_version(const uint8_t *buf, size_t n, char *out, size_t cap, const char **why)
{
	size_t at, i, len;
	uint16_t proto, kver;

	if (n < BZ_KVER + 2) {
		*why = "too short for a setup header";
		return -1;
	}
	if (le16(buf + BZ_BOOT_FLAG) != 0xAA55) {
		*why = "no boot flag 0xAA55";
		return -1;
	}
	if (memcmp(buf + BZ_HEADER, "HdrS", 4) != 0) {
		*why = "no \"HdrS\" setup header magic";
		return -1;
	}
	proto = le16(buf + BZ_VERSION);
	if (proto < 0x0200) {
		*why = "boot protocol older than 2.00";
		return -1;
	}
	kver = le16(buf + BZ_KVER);
	if (kver == 0) {
		*why = "no kernel_version string";
		return -1;
	}
	at = (size_t)BZ_KVER_BASE + kver;
	if (at >= n) {
		*why = "kernel_version points past the end";
		return -1;
	}
	/* The string must end inside the buffer; its first word is the version. */
	if (!memchr(buf + at, '\0', n - at)) {
		*why = "kernel_version string is not terminated";
		return -1;
	}
	for (len = 0; buf[at + len] != '\0' && buf[at + len] != ' '; len++)
		;
	if (len == 0) {
		*why = "empty kernel version";
		return -1;
	}
	for (i = 0; i < len; i++) {
		uint8_t ch = buf[at + i];

		/* It names the folder /lib/modules/VERSION: no '/' either. */
		if (ch < 0x21 || ch > 0x7e || ch == '/') {
			*why = "kernel version has a character that is not printable";
			return -1;
		}
	}
	if ((len == 1 && buf[at] == '.') || (len == 2 && buf[at] == '.' && buf[at + 1] == '.')) {
		*why = "kernel version is \".\" or \"..\"";
		return -1;
	}
	if (len >= cap) {
		*why = "kernel version too long";
		return -1;
	}
	memcpy(out, buf + at, len);
	out[len] = '\0';
	return 0;
}

int kernel_version_fd(int fd, const char *path, char *out, size_t cap, struct pool_err *e)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t have = 0;
	const char *why = NULL;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return pool_err_sys(e, "kernel %s", path);
	if (!S_ISREG(st.st_mode))
		return pool_err_fail(e, "kernel %s: not a regular file", path);
	buf = malloc(BZ_HEAD_READ);
	if (!buf)
		return pool_err_sys(e, "kernel %s", path);
	while (have < BZ_HEAD_READ) {
		ssize_t r = pread(fd, buf + have, BZ_HEAD_READ - have, (off_t)have);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return pool_err_sys(e, "kernel %s", path);
		}
		if (r == 0)
			break;
		have += (size_t)r;
	}
	if (bzimage_version(buf, have, out, cap, &why) < 0)
		return pool_err_fail(e, "kernel %s: not a usable bzImage: %s", path, why);
	return 0;
}

int kernel_version(const char *path, char *out, size_t cap, struct pool_err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return pool_err_sys(e, "kernel %s", path);
	return kernel_version_fd(fd, path, out, cap, e);
}

int kernel_auto(const char *bootdir, const char *moddir, char *path, size_t pathcap,
		char *version, size_t vercap, struct pool_err *e)
{
	static const char prefix[] = "vmlinuz-";
	_cleanup_free_ char *best = NULL;
	struct dirent *de;
	DIR *d;
	int w;

	d = opendir(bootdir);
	if (!d)
		return pool_err_sys(e, "kernel auto: %s", bootdir);
	for (;;) {
		const char *ver;
		char buf[4096];
		struct stat st;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				int saved = errno;

				closedir(d);
				return pool_err_set(e, POOL_EXIT_FAIL, saved, "kernel auto: %s", bootdir);
			}
			break;
		}
		if (strncmp(de->d_name, prefix, sizeof prefix - 1) != 0)
			continue;
		ver = de->d_name + sizeof prefix - 1;
		if (ver[0] == '\0' || strcmp(ver, ".") == 0 || strcmp(ver, "..") == 0)
			continue;
		if (best && strverscmp(ver, best) <= 0)
			continue;
		w = snprintf(buf, sizeof buf, "%s/%s", moddir, ver);
		if (w < 0 || (size_t)w >= sizeof buf)
			continue;
		if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		w = snprintf(buf, sizeof buf, "%s/%s", bootdir, de->d_name);
		if (w < 0 || (size_t)w >= sizeof buf)
			continue;
		if (stat(buf, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		free(best);
		best = strdup(ver);
		if (!best) {
			closedir(d);
			return pool_err_sys(e, "kernel auto");
		}
	}
	closedir(d);
	if (!best)
		return pool_err_fail(e, "no kernel in %s with modules in %s: "
				     "install linux-image-cloud-amd64", bootdir, moddir);
	if (strlen(best) >= vercap)
		return pool_err_fail(e, "kernel auto: version %s too long", best);
	w = snprintf(path, pathcap, "%s/%s%s", bootdir, prefix, best);
	if (w < 0 || (size_t)w >= pathcap)
		return pool_err_fail(e, "kernel auto: path %s/%s%s too long", bootdir, prefix, best);
	strcpy(version, best);
	return 0;
}

/* users.c - the roles in the guest: login shells resolved into /etc/passwd,
 * homes, and authorized_keys (from /etc/pool/keys/NAME) with sshd's modes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"
#include "login.h"
#include "util/cleanup.h"

#define PASSWD_MAX (1u << 20)
#define KEYS_MAX (256u << 10)

/* A file written whole, then renamed over path: never half there. */
static int write_file(const char *path, const char *data, size_t len, mode_t mode,
		      uid_t uid, gid_t gid)
{
	char tmp[LOGIN_PATH_MAX + 16];
	_cleanup_close_ int fd = -1;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.new", path) >= sizeof tmp)
		return -1;
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode & 0600);
	if (fd < 0)
		return -1;
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			unlink(tmp);
			return -1;
		}
		off += (size_t)n;
	}
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* A folder of the user's own: made when missing, then owner and mode set
 * (never through a symlink). */
static int own_dir(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st;

	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -1;
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return -1;
	if (lchown(path, uid, gid) < 0 || chmod(path, mode) < 0)
		return -1;
	return 0;
}

/* HOME/.ssh (0700) and HOME/.ssh/authorized_keys (0600), the user's own. */
static int install_keys(const struct login_user *u, bool *had_keys)
{
	char src[LOGIN_PATH_MAX], dir[LOGIN_PATH_MAX + 8], dst[LOGIN_PATH_MAX + 32];
	_cleanup_free_ char *keys = NULL;
	size_t len = 0;

	snprintf(src, sizeof src, "/etc/pool/keys/%s", u->name);
	if (access(src, F_OK) < 0)
		return 0;
	keys = read_small_file(src, KEYS_MAX, &len);
	if (!keys)
		return -1;
	snprintf(dir, sizeof dir, "%s/.ssh", u->home);
	snprintf(dst, sizeof dst, "%s/authorized_keys", dir);
	if (own_dir(dir, 0700, u->uid, u->gid) < 0 ||
	    write_file(dst, keys, len, 0600, u->uid, u->gid) < 0)
		return -1;
	*had_keys = true;
	return 0;
}

/* nu's files, when the role's shell is nu: a fresh home would make nu
 * print "Config file created" and its welcome banner on every boot. */
static int quiet_nu(const struct login_user *u)
{
	static const char config[] = "$env.config.show_banner = false\n";
	char dir[LOGIN_PATH_MAX + 32], file[LOGIN_PATH_MAX + 48];
	const char *base = strrchr(u->shell, '/');

	if (strcmp(base ? base + 1 : u->shell, "nu") != 0)
		return 0;
	snprintf(dir, sizeof dir, "%s/.config", u->home);
	if (own_dir(dir, 0755, u->uid, u->gid) < 0)
		return -1;
	snprintf(dir, sizeof dir, "%s/.config/nushell", u->home);
	if (own_dir(dir, 0755, u->uid, u->gid) < 0)
		return -1;
	snprintf(file, sizeof file, "%s/config.nu", dir);
	if (access(file, F_OK) < 0 && write_file(file, config, sizeof config - 1, 0644, u->uid, u->gid) < 0)
		return -1;
	snprintf(file, sizeof file, "%s/env.nu", dir);
	if (access(file, F_OK) < 0 && write_file(file, "", 0, 0644, u->uid, u->gid) < 0)
		return -1;
	return 0;
}

int users_setup(bool *any_keys)
{
	_cleanup_free_ char *passwd = NULL, *out = NULL;
	size_t len = 0, olen = 0, cur = 0;
	struct login_user u;
	FILE *f;
	int r, failed = 0;

	*any_keys = false;
	passwd = read_small_file("/etc/passwd", PASSWD_MAX, &len);
	if (!passwd) {
		glog("users: /etc/passwd: %s", strerror(errno));
		return 1;
	}
	f = open_memstream(&out, &olen);
	if (!f)
		return 1;
	while ((r = login_passwd_next(passwd, len, &cur, &u)) != 0) {
		char shell[LOGIN_PATH_MAX];

		if (r < 0) {
			glog("users: skipping a malformed /etc/passwd line");
			failed++;
			continue;
		}
		if (login_shell_resolve(u.shell, guest_exists, NULL, shell, sizeof shell) ==
		    LOGIN_SHELL_FALLBACK)
			glog("users: %s: shell %s not found; using %s", u.name, u.shell, shell);
		snprintf(u.shell, sizeof u.shell, "%s", shell);
		fprintf(f, "%s:x:%u:%u::%s:%s\n", u.name, u.uid, u.gid, u.home, u.shell);
		if (own_dir(u.home, 0700, u.uid, u.gid) < 0) {
			glog("users: %s: home %s: %s", u.name, u.home, strerror(errno));
			failed++;
			continue;
		}
		if (install_keys(&u, any_keys) < 0) {
			glog("users: %s: authorized_keys: %s", u.name, strerror(errno));
			failed++;
		}
		if (quiet_nu(&u) < 0) {
			glog("users: %s: nu's config: %s", u.name, strerror(errno));
			failed++;
		}
	}
	/* sshd's privilege separation user, when sshd will run. */
	if (*any_keys)
		fprintf(f, "sshd:x:%u:65534::/run/sshd:/usr/sbin/nologin\n", SSHD_UID);
	if (fclose(f) != 0 || !out) {
		glog("users: /etc/passwd: out of memory");
		return failed + 1;
	}
	if (write_file("/etc/passwd", out, olen, 0644, 0, 0) < 0) {
		glog("users: writing /etc/passwd: %s", strerror(errno));
		failed++;
	}
	return failed;
}

/* initramfs.c - the boot image: pool-init, busybox, modules; cached by hash. */
#include "initramfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpio.h"
#include "kmod.h"
#include "memo.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/proc.h"
#include "util/sha256.h"
#include "volume_image.h"

size_t image_modules(const struct image_devices *d, const char *out[IMAGE_MODULES_MAX])
{
	size_t n = 0;

	out[n++] = "virtio_mmio";	/* every device of a microvm */
	out[n++] = "virtio_console";	/* the agent's port */
	if (d->nic)
		out[n++] = "virtio_net";
	if (d->shares)
		out[n++] = "virtiofs";
	if (d->volumes) {
		out[n++] = "virtio_blk";
		out[n++] = "ext4";
	}
	if (d->mesh)
		out[n++] = "tun";	/* nebula's */
	return n;
}

/* Names pool-init answers to itself; busybox's applets of these names are
 * left out. */
static const char *const own_applets[] = { "shutdown", "poweroff", "halt", "reboot", "init" };

int busybox_applets(const char *busybox, const char *memo, struct strv *out, struct pool_err *e)
{
	const char *argv[] = { "busybox", "--list-full", NULL };
	struct proc_opts o = { .path = busybox, .argv = argv, .fd3 = -1, .max = 1u << 20 };
	_cleanup_free_ char *list = NULL;
	char *line, *save = NULL;
	struct stat sb;
	bool have_sb = stat(busybox, &sb) == 0;
	size_t len;
	int st = 0;

	if (!have_sb || memo_get(memo, "applets", busybox, &sb, &list, &len) != 1) {
		st = proc_run(&o, &list, &len, e);
		if (st < 0)
			return -1;
		if (st == 0 && have_sb && len)
			memo_put(memo, "applets", busybox, &sb, list, len);
	}
	for (line = strtok_r(list, "\n", &save); st == 0 && line; line = strtok_r(NULL, "\n", &save)) {
		const char *base;
		bool skip = false;

		if (strstr(line, "..") || line[0] == '/')
			continue;
		base = strrchr(line, '/') ? strrchr(line, '/') + 1 : line;
		for (size_t i = 0; i < ARRAY_SIZE(own_applets); i++)
			if (strcmp(base, own_applets[i]) == 0)
				skip = true;
		if (!skip && strcmp(line, "bin/busybox") != 0 && strv_add(out, line) < 0)
			return pool_err_sys(e, "applets");
	}
	if (st != 0 || out->n == 0)
		return pool_err_fail(e, "%s --list-full failed: is it busybox (busybox-static)?", busybox);
	return 0;
}

static int hash_file(struct sha256 *s, const char *memo, const char *path, struct pool_err *e)
{
	uint8_t d[32];

	if (memo_digest(memo, path, d, e) < 0)
		return -1;
	sha256_update(s, d, sizeof d);
	return 0;
}

static void hash_str(struct sha256 *s, const char *str)
{
	sha256_update(s, str, strlen(str) + 1);
}

int image_hash(const struct image_inputs *in, char hex[65], struct pool_err *e)
{
	struct sha256 s;
	uint8_t out[32];
	char path[4096];

	sha256_init(&s);
	hash_str(&s, "pool-image-v2");
	hash_str(&s, "init");
	if (hash_file(&s, in->memo, in->init, e) < 0)
		return -1;
	hash_str(&s, "busybox");
	if (hash_file(&s, in->memo, in->busybox, e) < 0)
		return -1;
	for (size_t i = 0; i < in->applets->n; i++)
		hash_str(&s, in->applets->v[i]);
	if (in->nebula) {
		hash_str(&s, "nebula");
		if (hash_file(&s, in->memo, in->nebula, e) < 0)
			return -1;
		for (size_t i = 0; in->nebula_libs && i < in->nebula_libs->n; i++) {
			hash_str(&s, in->nebula_libs->v[i]);
			if (hash_file(&s, in->memo, in->nebula_libs->v[i], e) < 0)
				return -1;
		}
	}
	hash_str(&s, in->moddir);
	for (size_t i = 0; i < in->modules->n; i++) {
		hash_str(&s, in->modules->v[i]);
		snprintf(path, sizeof path, "%s/%s", in->moddir, in->modules->v[i]);
		if (hash_file(&s, in->memo, path, e) < 0)
			return -1;
	}
	sha256_final(&s, out);
	sha256_hex(out, hex);
	return 0;
}

static const char *const image_dirs[] = {
	"bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "etc/pool", "dev", "proc",
	"sys", "run", "tmp", "root", "lib", "lib/modules", "mnt", "var", "var/tmp", "home",
};

static int add_parents(struct cpio *c, struct strv *made, const char *path, struct pool_err *e)
{
	char dir[4096];

	snprintf(dir, sizeof dir, "%s", path);
	for (char *s = dir; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (!strv_contains(made, dir)) {
			if (cpio_add_dir(c, dir, 0755, e) < 0 || strv_add(made, dir) < 0)
				return -1;
		}
		*s = '/';
	}
	return 0;
}

/* A module without its signature (kmod_unsigned_len). */
static int add_module(struct cpio *c, const char *arch, const char *host, struct pool_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (read_file(host, 256u << 20, &buf, &len, e) < 0)
		return -1;
	return cpio_add_file(c, arch, 0644, buf, kmod_unsigned_len((const uint8_t *)buf, len), e);
}

static int build(const struct image_inputs *in, int fd, struct pool_err *e)
{
	static struct cpio c;	/* 64 KiB buffer: not on the stack */
	struct strv made = { 0 };
	_cleanup_free_ char *list = NULL;
	size_t listlen = 0;
	int r = -1;

	cpio_init(&c, fd);
	for (size_t i = 0; i < ARRAY_SIZE(image_dirs); i++) {
		if (cpio_add_dir(&c, image_dirs[i], strcmp(image_dirs[i], "root") == 0 ? 0700 :
				 strcmp(image_dirs[i], "tmp") == 0 ? 01777 : 0755, e) < 0)
			goto out;
		strv_add(&made, image_dirs[i]);
	}
	if (cpio_add_chardev(&c, "dev/console", 0600, 5, 1, e) < 0 ||
	    cpio_add_chardev(&c, "dev/null", 0666, 1, 3, e) < 0 ||
	    cpio_add_host_file(&c, "init", 0755, in->init, e) < 0 ||
	    cpio_add_host_file(&c, "bin/busybox", 0755, in->busybox, e) < 0)
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(own_applets); i++) {
		char p[64];

		snprintf(p, sizeof p, "sbin/%s", own_applets[i]);
		if (cpio_add_symlink(&c, p, "/init", e) < 0)
			goto out;
	}
	for (size_t i = 0; i < in->applets->n; i++) {
		if (add_parents(&c, &made, in->applets->v[i], e) < 0 ||
		    cpio_add_symlink(&c, in->applets->v[i], "/bin/busybox", e) < 0)
			goto out;
	}
	if (in->nebula && cpio_add_host_file(&c, "usr/bin/nebula", 0755, in->nebula, e) < 0)
		goto out;
	for (size_t i = 0; in->nebula && in->nebula_libs && i < in->nebula_libs->n; i++) {
		const char *lib = in->nebula_libs->v[i];

		if (lib[0] != '/' || add_parents(&c, &made, lib + 1, e) < 0 ||
		    cpio_add_host_file(&c, lib + 1, 0755, lib, e) < 0)
			goto out;
	}
	for (size_t i = 0; i < in->modules->n; i++) {
		char host[4096], arch[4096];

		snprintf(host, sizeof host, "%s/%s", in->moddir, in->modules->v[i]);
		snprintf(arch, sizeof arch, "lib/modules/%s", in->modules->v[i]);
		if (add_parents(&c, &made, arch, e) < 0 || add_module(&c, arch, host, e) < 0)
			goto out;
		if (strlen(in->modules->v[i]) + 2 + listlen > 65536) {
			pool_err_fail(e, "module list too long");
			goto out;
		}
		char *nl = realloc(list, listlen + strlen(in->modules->v[i]) + 2);
		if (!nl) {
			pool_err_sys(e, "module list");
			goto out;
		}
		list = nl;
		listlen += (size_t)sprintf(list + listlen, "%s\n", in->modules->v[i]);
	}
	if (cpio_add_file(&c, "lib/modules/pool.list", 0644, list ? list : "", listlen, e) < 0 ||
	    cpio_finish(&c, e) < 0)
		goto out;
	r = 0;
out:
	strv_free(&made);
	return r;
}

int image_ensure(const char *cache_dir, const struct image_inputs *in, const char *hash,
		 char *path, size_t cap, bool *built, struct pool_err *e)
{
	char dir[4096], tmp[4200];
	_cleanup_close_ int fd = -1;
	struct stat st;

	*built = false;
	snprintf(dir, sizeof dir, "%s/images", cache_dir);
	if ((size_t)snprintf(path, cap, "%s/%s.cpio", dir, hash) >= cap)
		return pool_err_fail(e, "cache path too long");
	if (mkdir_p(dir, 0755, e) < 0)
		return pool_err_wrap(e, "image cache");
	/* A cached image is booted as is: only root may have put it there. */
	if (dir_private(cache_dir, e) < 0 || dir_private(dir, e) < 0)
		return pool_err_wrap(e, "image cache");
	if (lstat(path, &st) == 0)
		return file_private(path, e) < 0 ? pool_err_wrap(e, "image cache") : 0;
	snprintf(tmp, sizeof tmp, "%s/.%s.%d.tmp", dir, hash, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return pool_err_sys(e, "%s", tmp);
	if (build(in, fd, e) < 0) {
		unlink(tmp);
		return pool_err_wrap(e, "building the boot image");
	}
	if (fsync(fd) < 0 || rename(tmp, path) < 0) {
		pool_err_sys(e, "%s", path);
		unlink(tmp);
		return -1;
	}
	*built = true;
	return 0;
}

/* Host files the guest's /etc gets, read-only copies. The system CA
 * store is /etc/ssl/certs (the bundle and the hashed links into
 * /usr/share/ca-certificates, which the guest sees through /usr) and
 * openssl.cnf; never /etc/ssl/private, the host's keys. Nothing that
 * tends to hold credentials (npmrc, gitconfig, environment, profile.d). */
const char *const host_etc_allow[] = {
	"/etc/alternatives", "/etc/ssl/certs", "/etc/ssl/openssl.cnf", "/etc/ca-certificates.conf",
	"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
	"/etc/nsswitch.conf", "/etc/protocols", "/etc/services", "/etc/ethertypes",
	"/etc/os-release", "/etc/debian_version", "/etc/issue",
	"/etc/profile", "/etc/bash.bashrc", "/etc/inputrc",
	"/etc/localtime", "/etc/timezone", "/etc/mime.types", "/etc/magic",
	"/etc/login.defs", "/etc/shells", "/etc/skel",
	"/etc/python3", "/etc/perl", "/etc/vim",
	NULL,
};

/* Copy a host path (file, symlink or folder tree) into the archive at the
 * same place. Only folders, symlinks and regular files up to 8 MiB; the
 * rest is skipped. Depth-bounded. */
static int add_host_tree(struct cpio *c, const char *path, int depth, struct pool_err *e)
{
	struct stat st;

	if (depth > 8 || lstat(path, &st) < 0)
		return 0;
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlink(path, target, sizeof target - 1);

		if (n <= 0)
			return 0;
		target[n] = '\0';
		return cpio_add_symlink(c, path + 1, target, e);
	}
	if (S_ISREG(st.st_mode)) {
		/* Only what every user of the host may read: pool runs as
		 * root, and a root-only file there (a token) is no guest's. */
		if (st.st_size > (8 << 20) || !(st.st_mode & S_IROTH) || access(path, R_OK) != 0)
			return 0;
		return cpio_add_host_file(c, path + 1, st.st_mode & 0755, path, e);
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;
		int r = 0;

		if (!d)
			return 0;
		if (cpio_add_dir(c, path + 1, 0755, e) < 0) {
			closedir(d);
			return -1;
		}
		while (r == 0 && (de = readdir(d))) {
			char sub[4096];

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if ((size_t)snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) >= sizeof sub)
				continue;
			r = add_host_tree(c, sub, depth + 1, e);
		}
		closedir(d);
		return r;
	}
	return 0;
}

/* One allowlist entry with the folders above it (the kernel's unpacker
 * skips an entry whose parent folder is not in the archive). etc itself
 * is already there. */
static int add_host_entry(struct cpio *c, struct strv *made, const char *path, struct pool_err *e)
{
	struct stat st;

	if (lstat(path, &st) < 0 || strlen(path) < 2)
		return 0;
	if (add_parents(c, made, path + 1, e) < 0)
		return -1;
	return add_host_tree(c, path, 0, e);
}

/* etc/pool/volumes: "SERIAL TARGET" for each volume the guest mounts. */
static int add_volumes_file(const struct machine *m, struct cpio *c, struct pool_err *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return pool_err_sys(e, "volumes");
	for (size_t i = 0; i < m->nvolumes; i++) {
		char serial[16];

		volume_serial(i, serial, sizeof serial);
		if (m->volumes[i].target)
			fprintf(f, "%s %s\n", serial, m->volumes[i].target);
	}
	if (fclose(f) != 0)
		return pool_err_sys(e, "volumes");
	return cpio_add_file(c, "etc/pool/volumes", 0644, text, len, e);
}

/* The shell a role asked for ("" for the default), as the passwd field. */
static const char *role_shell(const struct machine *m, const char *name)
{
	for (size_t i = 0; i < m->nusers; i++)
		if (strcmp(m->users[i].name, name) == 0 && m->users[i].shell &&
		    !strpbrk(m->users[i].shell, ":\n"))
			return m->users[i].shell;
	return "";
}

/* etc/pool/keys/NAME for each role with ssh keys (guest/users.c installs
 * them as authorized_keys) and the machine's ssh host key, which the
 * supervisor made in its state folder (src/supervise/sshkeys.c). */
static int add_ssh_files(const struct machine *m, const char *host_key, struct cpio *c,
			 struct pool_err *e)
{
	bool any = false;

	for (size_t i = 0; i < m->nusers; i++) {
		const struct role *ro = &m->users[i];
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		char path[128];
		FILE *f;

		if (!ro->nkeys)
			continue;
		if (!any && cpio_add_dir(c, "etc/pool/keys", 0700, e) < 0)
			return -1;
		any = true;
		f = open_memstream(&text, &len);
		if (!f)
			return pool_err_sys(e, "keys");
		for (size_t k = 0; k < ro->nkeys; k++) {
			if (strpbrk(ro->keys[k], "\r\n")) {
				fclose(f);
				return pool_err_usage(e, "%s: users: %s: an ssh key holds a line break",
						      m->file, ro->name);
			}
			fprintf(f, "%s\n", ro->keys[k]);
		}
		if (fclose(f) != 0)
			return pool_err_sys(e, "keys");
		snprintf(path, sizeof path, "etc/pool/keys/%s", ro->name);
		if (cpio_add_file(c, path, 0600, text, len, e) < 0)
			return -1;
	}
	if (!any || !host_key)
		return 0;
	if (cpio_add_dir(c, "etc/ssh", 0755, e) < 0)
		return -1;
	return cpio_add_host_file(c, "etc/ssh/ssh_host_ed25519_key", 0600, host_key, e);
}

/* The machine's own files. For now the roles' passwd/shadow/group and
 * pool's guest settings. */
static int machine_archive(const struct machine *m, const char *mounts, bool host_etc,
			   const char *ssh_host_key, const struct image_secret *mesh, size_t nmesh,
			   struct cpio *c, struct pool_err *e)
{
	_cleanup_free_ char *passwd = NULL, *shadow = NULL, *group = NULL, *env = NULL;
	struct strv made = { 0 };	/* folders already in the archive */
	size_t plen = 0, slen = 0;
	FILE *pf, *sf;
	int r;

	pf = open_memstream(&passwd, &plen);
	sf = open_memstream(&shadow, &slen);
	if (!pf || !sf) {
		if (pf)
			fclose(pf);
		if (sf)
			fclose(sf);
		return pool_err_sys(e, "memstream");
	}
	/* root first, always, with uid 0; others from 1000 on. The shell
	 * field is the role's wish (empty: the default); pool-init resolves it
	 * (guest/users.c). No hash: "*", no password login but not locked
	 * (sshd refuses keys to a "!" account). */
	fprintf(pf, "root:x:0:0:root:/root:%s\n", role_shell(m, "root"));
	for (size_t i = 0; i < m->nusers; i++) {
		const struct role *ro = &m->users[i];
		long uid = machine_role_uid(m, ro->name);

		if (strcmp(ro->name, "root") == 0) {
			fprintf(sf, "root:%s:0::::::\n", ro->hash ? ro->hash : "");
			continue;
		}
		fprintf(pf, "%s:x:%ld:%ld::/home/%s:%s\n", ro->name, uid, uid, ro->name,
			role_shell(m, ro->name));
		fprintf(sf, "%s:%s:0::::::\n", ro->name, ro->hash ? ro->hash : "*");
	}
	fclose(pf);
	fclose(sf);
	if (asprintf(&group, "root:x:0:\ntty:x:5:\nusers:x:100:\n") < 0) {
		group = NULL;
		return pool_err_sys(e, "group");
	}
	if (asprintf(&env, "POOL_WORKDIR=%s\nPOOL_IMAGE=%s\n", m->workdir ? m->workdir : "",
		     image_kind_str(m->image)) < 0) {
		env = NULL;
		return pool_err_sys(e, "env");
	}
	r = cpio_add_dir(c, "etc", 0755, e);
	if (!r)
		r = cpio_add_dir(c, "etc/pool", 0755, e);
	if (!r)
		r = cpio_add_file(c, "etc/passwd", 0644, passwd, plen, e);
	if (!r)
		r = cpio_add_file(c, "etc/shadow", 0600, shadow, slen, e);
	if (!r)
		r = cpio_add_file(c, "etc/group", 0644, group, strlen(group), e);
	if (!r)
		r = cpio_add_file(c, "etc/pool/env", 0644, env, strlen(env), e);
	if (!r)
		r = cpio_add_file(c, "etc/pool/mounts", 0644, mounts ? mounts : "",
				  mounts ? strlen(mounts) : 0, e);
	if (!r && m->nvolumes)
		r = add_volumes_file(m, c, e);
	if (!r)
		r = add_ssh_files(m, ssh_host_key, c, e);
	if (!r && nmesh)
		r = cpio_add_dir(c, "etc/pool/mesh", 0700, e);
	for (size_t i = 0; !r && i < nmesh; i++) {
		char path[128];

		if (strchr(mesh[i].name, '/') || (size_t)snprintf(path, sizeof path, "etc/pool/mesh/%s",
								  mesh[i].name) >= sizeof path)
			r = pool_err_fail(e, "mesh file %s", mesh[i].name);
		else
			r = cpio_add_file(c, path, 0600, mesh[i].data, mesh[i].len, e);
	}
	if (!r && (strv_add(&made, "etc") < 0 || strv_add(&made, "etc/pool") < 0))
		r = pool_err_sys(e, "archive");
	for (size_t i = 0; host_etc && !r && host_etc_allow[i]; i++)
		r = add_host_entry(c, &made, host_etc_allow[i], e);
	strv_free(&made);
	explicit_bzero(shadow, slen);
	return r;
}

int image_machine_initrd(const char *base, const struct machine *m, const char *mounts,
			 bool host_etc, const char *ssh_host_key, const struct image_secret *mesh,
			 size_t nmesh, struct pool_err *e)
{
	static struct cpio c;
	_cleanup_close_ int in = -1, fd = -1;
	struct stat st;
	off_t off = 0;

	in = open(base, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0)
		return pool_err_sys(e, "%s", base);
	/* In memory, never on a disk: the archive holds the machine's
	 * secrets, and the state and cache folders may be on different
	 * file systems (copy_file_range fails across them). */
	fd = memfd_create("pool-initrd", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return pool_err_sys(e, "memfd for the machine's initrd");
	while (off < st.st_size) {
		ssize_t n = sendfile(fd, in, &off, (size_t)(st.st_size - off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? pool_err_sys(e, "copying %s", base)
				     : pool_err_fail(e, "copying %s: it shrank", base);
	}
	cpio_init(&c, fd);
	c.name = "the machine's initrd";
	if (machine_archive(m, mounts, host_etc, ssh_host_key, mesh, nmesh, &c, e) < 0 ||
	    cpio_finish(&c, e) < 0) {
		explicit_bzero(&c, sizeof c);
		return -1;
	}
	explicit_bzero(&c, sizeof c);	/* the buffer held secrets */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return pool_err_sys(e, "sealing the machine's initrd");
	return steal_fd(&fd);
}

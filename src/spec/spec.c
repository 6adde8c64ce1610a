/* spec.c - parse and validate a machine spec (YAML 1.2 or JSON) into a
 * struct machine; the embedded default spec; freeing a machine. */
#include "parse.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/names.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/sha256.h"
#include "util/user.h"
#include "common/parse.h"

int spec_parse(const char *text, size_t len, const char *file, const char *dir,
	       const struct spec_env *env, struct machine *m, struct pool_err *e)
{
	struct ydoc d = { 0 };
	struct ctx c;
	size_t i;
	int r;

	memset(m, 0, sizeof *m);
	memset(&c, 0, sizeof c);
	c.file = file ? file : "<spec>";
	c.dir = dir ? dir : "/";
	c.env = env;
	c.e = e;
	c.d = &d;
	c.m = m;
	for (i = 0; i < SPEC_USERS_MAX; i++)
		c.pass_node[i] = -1;

	if (set_defaults(m) < 0 || !(m->file = strdup(c.file)) || !(m->dir = strdup(c.dir))) {
		r = fail_oom(&c);
		goto out;
	}
	m->allow_lan = env && env->allow_lan;
	r = build_tree(&c, text ? text : "", text ? len : 0);
	if (r == 0)
		r = validate(&c);
out:
	ydoc_free(&d);
	if (r < 0) {
		machine_free(m);
		return -1;
	}
	return 0;
}

/* The spec file is the codebase's: opened as the invoking user, never
 * through a symlink, never blocking (a FIFO), and only a regular file. */
struct spec_file_req {
	const char *dir;	/* its folder, to open (O_PATH) */
	int dirfd;		/* or, that folder open: the file in it */
	const char *base;
};

static int open_spec_part(void *arg, struct pool_err *e)
{
	const struct spec_file_req *r = arg;
	struct stat st;
	int fd;

	if (r->dir) {
		fd = open(r->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		return fd < 0 ? pool_err_set(e, POOL_EXIT_USAGE, errno, "%s", r->dir) : fd;
	}
	fd = openat(r->dirfd, r->base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? pool_err_usage(e, "%s: a symlink; give the spec's own path", r->base)
				      : pool_err_set(e, POOL_EXIT_USAGE, errno, "%s", r->base);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pool_err_usage(e, "%s: not a regular file", r->base);
	}
	return fd;
}

int spec_load(const char *path, const struct spec_env *env, struct machine *m,
	      struct pool_err *e)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int dirfd = -1, fd = -1;
	struct spec_file_req r = { 0 };
	const struct pool_user *u;
	const char *slash = strrchr(path, '/');
	char folder[PATH_MAX], real[PATH_MAX], link[64];
	size_t len = 0;
	ssize_t n;
	int rc;

	memset(m, 0, sizeof *m);
	if (pool_user_get(&u, e) < 0)
		return -1;
	r.dir = !slash ? "." : "/";
	r.base = slash ? slash + 1 : path;
	if (slash && slash != path) {
		size_t flen = (size_t)(slash - path);

		/* longer, open() would refuse it the same way */
		if (flen >= sizeof folder)
			return pool_err_set(e, POOL_EXIT_USAGE, ENAMETOOLONG, "%s", path);
		memcpy(folder, path, flen);
		folder[flen] = '\0';
		r.dir = folder;
	}
	dirfd = run_as_user(u, open_spec_part, &r, e);
	if (dirfd < 0)
		return pool_err_wrap(e, "%s", path);
	snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
	n = readlink(link, real, sizeof real - 1);
	if (n <= 0)
		return pool_err_sys(e, "%s: cannot resolve its folder", path);
	real[n] = '\0';
	r.dir = NULL;
	r.dirfd = dirfd;
	fd = run_as_user(u, open_spec_part, &r, e);
	if (fd < 0)
		return pool_err_wrap(e, "%s", path);
	fcntl(fd, F_SETFL, 0);
	if (read_fd(fd, path, SPEC_FILE_MAX, &buf, &len, e) < 0) {
		e->status = POOL_EXIT_USAGE;
		return -1;
	}
	rc = spec_parse(buf, len, path, real, env, m, e);
	explicit_bzero(buf, len);	/* may hold a `pass:` */
	if (rc == 0 && asprintf(&m->file_path, "%s/%s", strcmp(real, "/") ? real : "", r.base) < 0) {
		m->file_path = NULL;
		machine_free(m);
		return pool_err_sys(e, "%s", path);
	}
	if (rc == 0) {	/* the folder the spec was read from, not one renamed there since */
		m->dir_fd = steal_fd(&dirfd);
		m->has_dir_fd = true;
	}
	return rc;
}

static const char *const kept_default[] = { "/proc", "/sys", "/dev", "/run" };

#define DEFAULT_NAME_HASH 6	/* hex digits of the folder's path in a default name */

int spec_default(const char *cwd, const struct spec_env *env, struct machine *m,
		 struct pool_err *e)
{
	const char *base, *end;
	size_t n = 0, i;

	memset(m, 0, sizeof *m);
	if (!cwd || cwd[0] != '/')
		return pool_err_usage(e, "<default>: the current folder %s is not an absolute path",
				      cwd ? cwd : "(null)");
	if (set_defaults(m) < 0)
		goto oom;
	m->allow_lan = env && env->allow_lan;

	/* name: the folder's base name, made to fit [a-z][a-z0-9-]{0,31},
	 * then "-" and a short hash of the whole path, so that two folders
	 * of one name (two clones of a project) get two machines */
	end = cwd + strlen(cwd);
	while (end > cwd + 1 && end[-1] == '/')
		end--;
	base = end;
	while (base > cwd && base[-1] != '/')
		base--;
	/* a leading non-letter, or lh- (a lighthouse's), gets "m-" before it */
	if (base < end && ((!(*base >= 'a' && *base <= 'z') && !(*base >= 'A' && *base <= 'Z')) ||
			   (end - base >= 3 && strncasecmp(base, "lh-", 3) == 0))) {
		memcpy(m->name, "m-", 2);
		n = 2;
	}
	for (i = 0; base + i < end && n < POOL_NAME_MAX - DEFAULT_NAME_HASH - 1; i++) {
		char ch = base[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
			ch = '-';
		m->name[n++] = ch;
	}
	if (n == 0) {
		memcpy(m->name, "pool", 4);
		n = 4;
	}
	{
		struct sha256 h;
		uint8_t d[32];

		sha256_init(&h);
		sha256_update(&h, cwd, (size_t)(end - cwd));
		sha256_final(&h, d);
		m->name[n++] = '-';
		for (i = 0; i < DEFAULT_NAME_HASH; i++)
			m->name[n++] = "0123456789abcdef"[(d[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
	}
	m->name[n] = '\0';

	for (i = 0; i < ARRAY_SIZE(kept_default); i++) {
		size_t l = strlen(kept_default[i]);

		if (strcmp(cwd, "/") == 0 ||
		    (strncmp(cwd, kept_default[i], l) == 0 && (cwd[l] == '\0' || cwd[l] == '/'))) {
			machine_free(m);
			return pool_err_usage(e, "<default>: cannot share %s with the guest; run pool in a project folder or write a pool.yaml",
					      cwd);
		}
	}

	if (!(m->file = strdup("<default>")) || !(m->dir = path_resolve("/", cwd)) ||
	    default_users(m) < 0 || !(m->shares = calloc(1, sizeof *m->shares)))
		goto oom;
	m->nshares = 1;
	m->shares[0].readonly = false;
	if (!(m->shares[0].source = strdup(m->dir)) || !(m->shares[0].target = strdup(m->dir)) ||
	    !(m->workdir = strdup(m->dir)))
		goto oom;
	return 0;
oom:
	machine_free(m);
	return pool_err_set(e, POOL_EXIT_FAIL, ENOMEM, "<default>");
}

long machine_role_uid(const struct machine *m, const char *name)
{
	long uid = 1000;

	if (strcmp(name, "root") == 0)
		return 0;
	for (size_t i = 0; i < m->nusers; i++) {
		if (strcmp(m->users[i].name, "root") == 0)
			continue;
		if (strcmp(m->users[i].name, name) == 0)
			return uid;
		uid++;
	}
	return -1;
}

void machine_free(struct machine *m)
{
	size_t i, j;

	if (!m)
		return;
	free(m->file);
	free(m->dir);
	if (m->has_dir_fd)
		close(m->dir_fd);
	m->has_dir_fd = false;
	free(m->file_path);
	free(m->disk);
	free(m->nixos.kernel);
	free(m->nixos.initrd);
	free(m->nixos.init);
	free(m->nixos.store);
	free(m->kernel);
	free(m->cmdline);
	for (i = 0; m->allow && i < m->nallow; i++)
		free(m->allow[i].name);
	free(m->allow);
	free(m->ports);
	for (i = 0; m->users && i < m->nusers; i++) {
		struct role *r = &m->users[i];

		free(r->name);
		if (r->hash) {
			explicit_bzero(r->hash, strlen(r->hash));
			free(r->hash);
		}
		for (j = 0; r->keys && j < r->nkeys; j++)
			free(r->keys[j]);
		free(r->keys);
		free(r->shell);
	}
	free(m->users);
	for (i = 0; m->shares && i < m->nshares; i++) {
		free(m->shares[i].source);
		free(m->shares[i].target);
		free(m->shares[i].owner);
		for (j = 0; m->shares[i].protect && j < m->shares[i].nprotect; j++)
			free(m->shares[i].protect[j]);
		free(m->shares[i].protect);
	}
	free(m->shares);
	for (i = 0; m->volumes && i < m->nvolumes; i++) {
		free(m->volumes[i].path);
		free(m->volumes[i].target);
	}
	free(m->volumes);
	free(m->workdir);
	free(m->mesh.network);
	for (i = 0; m->mesh.groups && i < m->mesh.ngroups; i++)
		free(m->mesh.groups[i]);
	free(m->mesh.groups);
	free(m->mesh.lighthouses);
	for (i = 0; m->mesh.inbound && i < m->mesh.ninbound; i++) {
		struct mesh_rule *r = &m->mesh.inbound[i];

		for (size_t g = 0; r->groups && g < r->ngroups; g++)
			free(r->groups[g]);
		free(r->groups);
		free(r->host);
	}
	free(m->mesh.inbound);
	memset(m, 0, sizeof *m);
}

const char *image_kind_str(enum image_kind k)
{
	switch (k) {
	case IMAGE_MINIMAL: return "minimal";
	case IMAGE_HOST: return "host";
	case IMAGE_DISK: return "disk";
	case IMAGE_NIXOS: return "nixos";
	}
	return "?";
}

const char *net_mode_str(enum net_mode n)
{
	switch (n) {
	case NET_NAT: return "nat";
	case NET_ISOLATED: return "isolated";
	case NET_NONE: return "none";
	}
	return "?";
}

const char *accel_mode_str(enum accel_mode a)
{
	switch (a) {
	case ACCEL_AUTO: return "auto";
	case ACCEL_KVM: return "kvm";
	case ACCEL_TCG: return "tcg";
	}
	return "?";
}

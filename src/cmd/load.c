/* load.c - which spec a command means: a file named on the command line,
 * the nearest pool.yaml (or pool.yml) up to the repository's root, or the
 * embedded default; and the folders the command line grants beyond it. */
#include "cmd/load.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/parse.h"
#include "net/channel.h"
#include "supervise/state.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/user.h"

#define NIX_STORE "/nix/store"

bool names_spec_file(const char *arg)
{
	size_t n = strlen(arg);

	return (n > 5 && strcmp(arg + n - 5, ".yaml") == 0) || (n > 4 && strcmp(arg + n - 4, ".yml") == 0) ||
	       (n > 5 && strcmp(arg + n - 5, ".json") == 0);
}

static bool exists(const char *dir, const char *name)
{
	char p[PATH_MAX + 16];
	struct stat st;

	return (size_t)snprintf(p, sizeof p, "%s/%s", dir, name) < sizeof p && lstat(p, &st) == 0;
}

/* The nearest folder from cwd up with a pool.yaml or pool.yml, no higher
 * than the repository's root (the first folder up with .git); without a
 * repository, cwd alone. 1 and *out, 0 when there is none, -1 with e. */
static int find_spec(const char *cwd, char *out, size_t cap, struct pool_err *e)
{
	char dir[PATH_MAX], top[PATH_MAX];
	bool repo = false;

	snprintf(dir, sizeof dir, "%s", cwd);
	snprintf(top, sizeof top, "%s", cwd);
	/* Where the search may go: up to the repository's root. */
	for (;;) {
		char *slash;

		if (exists(top, ".git")) {
			repo = true;
			break;
		}
		slash = strrchr(top, '/');
		if (!slash || slash == top)
			break;
		*slash = '\0';
	}
	for (;;) {
		bool yaml = exists(dir, "pool.yaml"), yml = exists(dir, "pool.yml");
		char *slash;

		if (yaml && yml)
			return pool_err_usage(e, "%s holds both pool.yaml and pool.yml: keep one, or name it", dir);
		if (yaml || yml) {
			if ((size_t)snprintf(out, cap, "%s/%s", dir, yaml ? "pool.yaml" : "pool.yml") >= cap)
				return pool_err_usage(e, "%s: the path is too long", dir);
			return 1;
		}
		if (!repo || strcmp(dir, top) == 0)
			return 0;
		slash = strrchr(dir, '/');
		if (!slash)
			return 0;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

/* Folders that hold what a user keeps from every program: a default spec
 * shares a project, not these. */
static const char *const private_marks[] = { ".ssh", ".gnupg", ".aws", ".kube", ".docker", ".netrc" };

static int refuse_default_here(const char *cwd, const struct pool_user *u, struct pool_err *e)
{
	struct passwd *pw = getpwuid(u->uid);
	char home[PATH_MAX];

	if (pw && realpath(pw->pw_dir, home) && strcmp(home, cwd) == 0)
		return pool_err_usage(e, "<default>: %s is your home folder; the default spec shares the folder it runs in: run pool in the project's folder, or write a pool.yaml",
				      cwd);
	for (size_t i = 0; i < sizeof private_marks / sizeof private_marks[0]; i++)
		if (exists(cwd, private_marks[i]))
			return pool_err_usage(e, "<default>: %s holds %s; the default spec would share it with the machine: run pool in the project's folder, or write a pool.yaml",
					      cwd, private_marks[i]);
	return 0;
}

static int subnet_of(const char *channel, uint32_t *net, unsigned *prefix, void *ctx)
{
	(void)ctx;
	return channel_subnet(channel, net, prefix);
}

/* The embedded default has no address: take the first free one of the
 * channel's subnet from .2 on. */
static int assign_address(struct machine *m, struct pool_err *e)
{
	const char *state = state_root();
	uint32_t net = POOL_DEFAULT_SUBNET;
	unsigned prefix = POOL_DEFAULT_PREFIX;

	channel_subnet(m->channel, &net, &prefix);
	for (uint32_t a = net + 2; a < net + (uint32_t)(1u << (32 - prefix)) - 1; a++) {
		if (!state_address_taken(state, a)) {
			m->address = a;
			m->has_address = true;
			return 0;
		}
	}
	return pool_err_fail(e, "channel %s: no free address left for %s", m->channel, m->name);
}

static int open_grant(void *arg, struct pool_err *e)
{
	int fd = open(arg, O_PATH | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? pool_err_set(e, POOL_EXIT_USAGE, errno, "--allow-path %s", (const char *)arg) : fd;
}

int load_grants(const char *const *dirs, size_t n, struct load_grants *lg, struct pool_err *e)
{
	const struct pool_user *u;
	const char *why;
	char cwd[PATH_MAX];
	int fd;

	memset(lg, 0, sizeof *lg);
	if (pool_user_get(&u, e) < 0)
		return -1;
	if (n > LOAD_GRANTS_MAX)
		return pool_err_usage(e, "--allow-path: at most %d", LOAD_GRANTS_MAX);
	if (!getcwd(cwd, sizeof cwd))
		return pool_err_sys(e, "getcwd");
	for (size_t i = 0; i < n; i++) {
		/* The command line is trusted, but it grants only what its user
		 * may reach: the folder is opened as that user. */
		fd = run_as_user(u, open_grant, (void *)dirs[i], e);
		if (fd < 0)
			return -1;
		if (path_grants_add_fd(&lg->g, fd, dirs[i], 0, &why) < 0)
			return pool_err_usage(e, "--allow-path %s: %s", dirs[i], why);
		lg->allow[lg->n++] = lg->g.v[lg->g.n - 1].path;
		if (strcmp(lg->g.v[lg->g.n - 1].real, lg->g.v[lg->g.n - 1].path) != 0)
			lg->allow[lg->n++] = lg->g.v[lg->g.n - 1].real;
	}
	/* The Nix store, when nobody but root can change it: a Nix spec lives
	 * there and names kernel and initrd in other store paths. */
	fd = nix_store_trusted(NIX_STORE) ? nix_store_open(NIX_STORE, &why) : -1;
	if (fd >= 0 && path_grants_add_fd(&lg->g, fd, NIX_STORE, PATH_GRANT_SELF_LINKS, &why) == 0)
		lg->allow[lg->n++] = NIX_STORE;
	return 0;
}

void load_grants_free(struct load_grants *lg)
{
	path_grants_free(&lg->g);
	lg->n = 0;
}

/* A spec found in a folder above cwd: when a share holds cwd, the guest's
 * working folder is cwd's place in it (the share with the longest
 * source wins), so pool run in a project's subfolder works there. */
static int workdir_here(struct machine *m, const char *cwd, struct pool_err *e)
{
	const struct share *best = NULL;
	size_t blen = 0;
	char *w;

	if (strcmp(m->dir, cwd) == 0)
		return 0;
	for (size_t i = 0; i < m->nshares; i++) {
		const char *src = m->shares[i].source;
		size_t n = strcmp(src, "/") == 0 ? 0 : strlen(src);

		if (strncmp(cwd, src, n) == 0 && (cwd[n] == '/' || cwd[n] == '\0') && (!best || n > blen)) {
			best = &m->shares[i];
			blen = n;
		}
	}
	if (!best)
		return 0;
	/* cwd + blen is "" or "/sub..."; a target of "/" adds nothing */
	if (asprintf(&w, "%s%s", strcmp(best->target, "/") == 0 && cwd[blen] ? "" : best->target,
		     cwd + blen) < 0) {
		machine_free(m);
		return pool_err_sys(e, "workdir");
	}
	free(m->workdir);
	m->workdir = w;
	return 0;
}

int machine_load(const char *spec, const struct load_grants *lg, struct machine *m, struct pool_err *e)
{
	struct spec_env env = { .subnet_of = subnet_of, .allow = lg->allow, .nallow = lg->n,
				.allow_lan = lg->allow_lan };
	_cleanup_free_ struct reach_range *hostnets = NULL;
	const struct pool_user *u;
	char cwd[PATH_MAX], found[PATH_MAX + 16];
	struct stat st;
	int r;

	/* Only for a clearer error: the channel's rules drop these anyway. */
	if (channel_host_subnets(&hostnets, &env.nhostnets, &(struct pool_err){ 0 }) == 0)
		env.hostnets = hostnets;
	if (spec) {
		if (stat(spec, &st) < 0 && errno == ENOENT)
			return pool_err_usage(e, "%s: no such spec file", spec);
		return spec_load(spec, &env, m, e);
	}
	if (!getcwd(cwd, sizeof cwd))
		return pool_err_sys(e, "getcwd");
	r = find_spec(cwd, found, sizeof found, e);
	if (r < 0)
		return -1;
	if (r == 1) {
		if (spec_load(found, &env, m, e) < 0)
			return -1;
		return workdir_here(m, cwd, e);
	}
	if (pool_user_get(&u, e) < 0 || refuse_default_here(cwd, u, e) < 0)
		return -1;
	if (spec_default(cwd, &env, m, e) < 0)
		return -1;
	if (m->network != NET_NONE && !m->has_address && assign_address(m, e) < 0) {
		machine_free(m);
		return -1;
	}
	log_info("no pool.yaml here: the embedded default (image host, %s shared read-write, network %s)",
		 cwd, net_mode_str(m->network));
	return 0;
}

static int refuse(const struct machine *m, enum spec_key k, const char *key,
		  const char *what, struct pool_err *e)
{
	const struct spec_pos *pos = &m->pos[k];

	if (pos->line)
		return pool_err_usage(e, "%s:%d:%d: %s: %s is not supported yet", m->file,
				      pos->line, pos->col, key, what);
	return pool_err_usage(e, "%s: %s: %s is not supported yet", m->file, key, what);
}

int machine_refuse_unsupported(const struct machine *m, struct pool_err *e)
{
	if (m->image != IMAGE_MINIMAL && m->image != IMAGE_HOST && m->image != IMAGE_NIXOS)
		return refuse(m, KEY_IMAGE, "image", image_kind_str(m->image), e);
	if (!m->ephemeral)
		return refuse(m, KEY_EPHEMERAL, "ephemeral", "a persistent root", e);
	return 0;
}

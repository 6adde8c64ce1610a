/* plan.c - resolve a machine into a plan: kernel, modules, image, accel, argv. */
#include "plan.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "config.h"
#include "guest/login.h"
#include "image/initramfs.h"
#include "image/kernel.h"
#include "image/elf.h"
#include "image/kmod.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/sha256.h"
#include "common/parse.h"
#include "image/volume_image.h"
#include "supervise/state.h"

static int env_path(char *out, size_t cap, const char *var, const char *def)
{
	const char *v = getenv(var);

	if (!v || !*v)
		v = def;
	return (size_t)snprintf(out, cap, "%s", v) < cap ? 0 : -1;
}

static int find_in_path(const char *name, char *out, size_t cap)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy = strdup(path && *path ? path : "/usr/bin:/bin");
	char *dir, *save = NULL;

	if (!copy)
		return -1;
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if ((size_t)snprintf(out, cap, "%s/%s", dir, name) < cap && access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

/* pool-init where this pool's own tree has it, found from the binary's
 * real path so that an installed tree works from any prefix and after a
 * move: beside the binary (the build tree), then POOL_LIBEXEC_REL from
 * its folder (../libexec/pool from bin/), then the configured libexecdir.
 * The last is the answer when none is there (the error names it). */
static void find_pool_init(char *out, size_t cap)
{
	/* "": beside; POOL_LIBEXEC_REL is "" when the build could not make
	 * libexecdir relative to bindir (one of them absolute). */
	static const char *const rel[] = { "", POOL_LIBEXEC_REL };
	char self[PATH_MAX], found[PATH_MAX], *slash = NULL;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
	}
	for (size_t i = 0; slash && i < sizeof rel / sizeof rel[0]; i++) {
		if (i > 0 && !rel[i][0])
			continue;
		if ((size_t)snprintf(out, cap, "%s%s%s/pool-init", self, rel[i][0] ? "/" : "", rel[i]) >= cap ||
		    access(out, R_OK) != 0)
			continue;
		/* "/opt/pool/libexec/pool/pool-init", not ".../bin/../libexec/..." */
		if (realpath(out, found) && strlen(found) < cap)
			memcpy(out, found, strlen(found) + 1);
		return;
	}
	snprintf(out, cap, "%s/pool-init", POOL_LIBEXECDIR);
}

int paths_from_env(struct pool_paths *p, struct pool_err *e)
{
	const char *v;

	memset(p, 0, sizeof *p);
	if ((size_t)snprintf(p->state, sizeof p->state, "%s", state_root()) >= sizeof p->state ||
	    env_path(p->cache, sizeof p->cache, "POOL_CACHE_DIR", "/var/cache/pool") < 0 ||
	    env_path(p->busybox, sizeof p->busybox, "POOL_BUSYBOX", "/bin/busybox") < 0)
		return pool_err_usage(e, "a POOL_* path in the environment is too long");
	if (p->state[0] != '/' || p->cache[0] != '/')
		return pool_err_usage(e, "POOL_STATE_DIR and POOL_CACHE_DIR must be absolute paths");

	v = getenv("POOL_INIT");
	if (v && *v)
		snprintf(p->init, sizeof p->init, "%s", v);
	else
		find_pool_init(p->init, sizeof p->init);
	v = getenv("POOL_QEMU");
	if (v && *v)
		snprintf(p->qemu, sizeof p->qemu, "%s", v);
	else if (find_in_path("qemu-system-x86_64", p->qemu, sizeof p->qemu) < 0)
		snprintf(p->qemu, sizeof p->qemu, "/usr/bin/qemu-system-x86_64");
	v = getenv("POOL_VIRTIOFSD");
	if (v && *v)
		snprintf(p->virtiofsd, sizeof p->virtiofsd, "%s", v);
	else if (access("/usr/lib/qemu/virtiofsd", X_OK) == 0)	/* Debian 12 */
		snprintf(p->virtiofsd, sizeof p->virtiofsd, "/usr/lib/qemu/virtiofsd");	/* NOLINT(bugprone-branch-clone): the fallback, last, is the same path */
	else if (access("/usr/libexec/virtiofsd", X_OK) == 0)	/* Fedora, Debian 13 */
		snprintf(p->virtiofsd, sizeof p->virtiofsd, "/usr/libexec/virtiofsd");
	else if (find_in_path("virtiofsd", p->virtiofsd, sizeof p->virtiofsd) < 0)	/* none: the Debian path, which pool doctor names */
		snprintf(p->virtiofsd, sizeof p->virtiofsd, "/usr/lib/qemu/virtiofsd");
	return 0;
}

unsigned plan_cpus(unsigned spec, long host_cpus)
{
	if (spec != POOL_CPUS_AUTO)
		return spec;
	if (host_cpus < 1)
		return 1;
	return host_cpus > PLAN_CPUS_AUTO_MAX ? PLAN_CPUS_AUTO_MAX : (unsigned)host_cpus;
}

unsigned plan_tb_mib(uint64_t ram_mib)
{
	uint64_t t = ram_mib / 8;

	if (t >= 1024)
		return 1024;
	return t < 128 ? 128 : (unsigned)t;
}

/* The cores this process may run on (its affinity: a cpuset narrows it). */
static long host_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof set, &set) == 0)
		return CPU_COUNT(&set);
	return sysconf(_SC_NPROCESSORS_ONLN);
}

static int resolve_kernel(struct plan *p, struct pool_err *e)
{
	const struct machine *m = p->m;
	const char *env = getenv("POOL_KERNEL");
	struct stat st;

	if (m->kernel) {
		/* the spec's: opened once, as the invoking user, beneath its folder */
		snprintf(p->kernel, sizeof p->kernel, "%s", m->kernel);
		p->kernel_fd = spec_path_open_as_user(m, p->grants, m->kernel, O_RDONLY | O_NONBLOCK,
						      BENEATH_FILE, "kernel", &m->pos[KEY_KERNEL], e);
		if (p->kernel_fd < 0 ||
		    kernel_version_fd(p->kernel_fd, p->kernel, p->kernel_version, sizeof p->kernel_version, e) < 0)
			return -1;
	} else if (env && *env) {
		snprintf(p->kernel, sizeof p->kernel, "%s", env);
		if (kernel_version(p->kernel, p->kernel_version, sizeof p->kernel_version, e) < 0)
			return -1;
	} else if (kernel_auto("/boot", "/lib/modules", p->kernel, sizeof p->kernel,
			       p->kernel_version, sizeof p->kernel_version, e) < 0) {
		return -1;
	}
	snprintf(p->moddir, sizeof p->moddir, "/lib/modules/%s", p->kernel_version);
	if (stat(p->moddir, &st) < 0 || !S_ISDIR(st.st_mode))
		return pool_err_fail(e, "kernel %s: no modules in %s", p->kernel, p->moddir);
	return 0;
}

static int resolve_modules(struct plan *p, struct pool_err *e)
{
	_cleanup_free_ char *dep = NULL, *builtin = NULL;
	size_t deplen, builtinlen = 0;
	const struct machine *m = p->m;
	const struct image_devices dev = {
		.nic = m->network != NET_NONE,
		.shares = m->image == IMAGE_HOST || m->nshares > 0,
		.volumes = m->nvolumes > 0,
		.mesh = m->mesh.set,
	};
	const char *all[IMAGE_MODULES_MAX], *want[IMAGE_MODULES_MAX];
	size_t nall = image_modules(&dev, all), nwant = 0;
	char path[PATH_MAX + 32];
	struct pool_err ignore = { 0 };

	snprintf(path, sizeof path, "%s/modules.dep", p->moddir);
	if (read_file(path, 64u << 20, &dep, &deplen, e) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/modules.builtin", p->moddir);
	if (read_file(path, 64u << 20, &builtin, &builtinlen, &ignore) < 0)
		builtin = NULL;
	for (size_t i = 0; i < nall; i++)
		if (!builtin || !kmod_builtin(builtin, builtinlen, all[i]))
			want[nwant++] = all[i];
	return kmod_closure(dep, deplen, want, nwant, &p->modules, e);
}

/* A mesh runs the host's nebula: image host sees it through /usr; image
 * minimal carries it, with its interpreter and libraries (read from its
 * ELF). POOL_NEBULA names another binary for minimal. */
static int resolve_nebula(struct plan *p, struct pool_err *e)
{
	const char *v = getenv("POOL_NEBULA");

	if (p->m->image == IMAGE_HOST) {
		if (access("/usr/bin/nebula", X_OK) < 0)
			return pool_err_sys(e, "%s: mesh: /usr/bin/nebula (image host runs the host's; install Debian's nebula)",
					    p->m->file);
		return 0;
	}
	snprintf(p->nebula, sizeof p->nebula, "%s", v && *v ? v : "/usr/bin/nebula");
	if (access(p->nebula, X_OK) < 0)
		return pool_err_sys(e, "%s: mesh: %s (install Debian's nebula, or set POOL_NEBULA)",
				    p->m->file, p->nebula);
	return elf_closure(p->nebula, &p->nebula_libs, e) < 0 ? pool_err_wrap(e, "mesh") : 0;
}

/* pool's own boot image: kernel, module closure, pool-init, busybox, hash. */
static int resolve_image(struct plan *p, struct pool_err *e)
{
	const struct machine *m = p->m;
	struct image_inputs in;

	if (resolve_kernel(p, e) < 0 || resolve_modules(p, e) < 0)
		return pool_err_wrap(e, "%s", m->file);
	if (access(p->paths.init, R_OK) != 0)
		return pool_err_sys(e, "pool-init %s (set POOL_INIT, or install pool)", p->paths.init);
	if (busybox_applets(p->paths.busybox, p->paths.cache, &p->applets, e) < 0)
		return -1;
	if (m->mesh.set && resolve_nebula(p, e) < 0)
		return -1;
	in = (struct image_inputs){
		.init = p->paths.init, .busybox = p->paths.busybox, .moddir = p->moddir,
		.modules = &p->modules, .applets = &p->applets, .memo = p->paths.cache,
		.nebula = p->nebula[0] ? p->nebula : NULL, .nebula_libs = &p->nebula_libs,
	};
	if (image_hash(&in, p->image_hash, e) < 0)
		return pool_err_wrap(e, "image");
	snprintf(p->image_path, sizeof p->image_path, "%s/images/%s.cpio", p->paths.cache, p->image_hash);
	return 0;
}

#define NIX_STORE "/nix/store"	/* where a NixOS guest mounts the tag `store` */

/* "FILE:LINE:COL: KEY: [PATH ]WHAT", as the spec's own errors read. */
static int nixos_fail(struct pool_err *e, const struct machine *m, const struct spec_pos *pos,
		      const char *key, const char *path, const char *what)
{
	return pool_err_usage(e, "%s:%d:%d: %s: %s%s%s", m->file, pos->line, pos->col, key, path,
			      *path ? " " : "", what);
}

/* Image nixos (nix/modules/guest.nix): the spec's kernel and initrd as they
 * are (no modules, no image of pool's), init= on the command line, and the
 * store shared read-only with the tag `store`, which the guest's stage 1
 * mounts on /nix/store. spec_check_host() has made sure the kernel and
 * initrd are regular files and the store a folder. The init is a guest
 * path: it must lie under /nix/store; whether it is there is the guest's
 * to find (a store path's own links point into /nix/store, not into the
 * store folder on this host). A kernel whose version cannot be read is
 * still booted (its version shows as unknown): QEMU is the judge. */
static int resolve_nixos(struct plan *p, struct pool_err *e)
{
	const struct machine *m = p->m;
	const char *init = m->nixos.init, *s;
	struct pool_err ignore = { 0 };

	if (m->kernel)
		return nixos_fail(e, m, &m->pos[KEY_KERNEL], "kernel", m->kernel,
				  "is not used with image nixos (the kernel is image.nixos.kernel)");
	/* the spec's: opened once, as the invoking user, beneath its folder or a grant */
	p->kernel_fd = spec_path_open_as_user(m, p->grants, m->nixos.kernel, O_RDONLY | O_NONBLOCK,
					      BENEATH_FILE, "image.nixos.kernel", &m->nixos.kernel_pos, e);
	if (p->kernel_fd < 0)
		return -1;
	p->initrd_fd = spec_path_open_as_user(m, p->grants, m->nixos.initrd, O_RDONLY | O_NONBLOCK,
					      BENEATH_FILE, "image.nixos.initrd", &m->nixos.initrd_pos, e);
	if (p->initrd_fd < 0)
		return -1;
	if ((size_t)snprintf(p->kernel, sizeof p->kernel, "%s", m->nixos.kernel) >= sizeof p->kernel)
		return nixos_fail(e, m, &m->nixos.kernel_pos, "image.nixos.kernel", m->nixos.kernel, "is too long");
	if (kernel_version_fd(p->kernel_fd, p->kernel, p->kernel_version, sizeof p->kernel_version,
			      &ignore) < 0)
		snprintf(p->kernel_version, sizeof p->kernel_version, "unknown (not a bzImage pool can read)");
	if ((size_t)snprintf(p->initrd, sizeof p->initrd, "%s", m->nixos.initrd) >= sizeof p->initrd)
		return nixos_fail(e, m, &m->nixos.initrd_pos, "image.nixos.initrd", m->nixos.initrd, "is too long");

	if (strncmp(init, NIX_STORE "/", strlen(NIX_STORE) + 1) != 0 || !init[strlen(NIX_STORE) + 1])
		return nixos_fail(e, m, &m->nixos.init_pos, "image.nixos.init", init,
				  "is not inside the store (the guest mounts the store on " NIX_STORE ")");
	for (s = init; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f || *s == '"' || *s == '\\')
			return nixos_fail(e, m, &m->nixos.init_pos, "image.nixos.init", "",
					  "has a character the kernel command line cannot carry (a space, quote or control character)");

	p->shares[p->nshares++] = (struct plan_share){
		.source = m->nixos.store, .target = NIX_STORE, .readonly = true, .tag = "store",
		.host = strcmp(m->nixos.store, NIX_STORE) == 0, .pos = &m->nixos.store_pos,
	};
	return 0;
}

/* What the host runs later from a share, or reads as the next spec:
 * served read-only unless the share says otherwise (protect:). */
static const char *const protect_default[] = {
	".git", ".hg", ".envrc", ".vscode", ".idea", ".husky", "flake.nix", "flake.lock",
	"pool.yaml", "pool.yml",
};

static int protect_list(const struct machine *m, const struct share *sh, struct strv *out)
{
	if (sh->has_protect) {
		for (size_t i = 0; i < sh->nprotect; i++)
			if (strv_add(out, sh->protect[i]) < 0)
				return -1;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(protect_default); i++)
		if (strv_add(out, protect_default[i]) < 0)
			return -1;
	/* the machine's own spec, when the share holds it */
	if (m->file[0] != '<' && m->file_path && spec_path_beneath(sh->source, m->file_path) &&
	    strcmp(m->file_path, sh->source) != 0) {
		const char *rel = m->file_path + strlen(sh->source);

		while (*rel == '/')
			rel++;
		if (!strv_contains(out, rel) && strv_add(out, rel) < 0)
			return -1;
	}
	return 0;
}

static int build_cmdline(struct plan *p, struct pool_err *e)
{
	const struct machine *m = p->m;

	char tsc[48] = "";

	char net[64] = "";

	if (p->accel.mode == ACCEL_TCG && p->tsc_khz)
		snprintf(tsc, sizeof tsc, " tsc_early_khz=%lu", p->tsc_khz);
	if (p->has_net) {
		const uint8_t *a = p->net.mac;

		snprintf(net, sizeof net, " pool.net=%02x:%02x:%02x:%02x:%02x:%02x,%s",
			 a[0], a[1], a[2], a[3], a[4], a[5], m->interface);
	}
	if (asprintf(&p->cmdline,
		     "console=ttyS0 reboot=t panic=-1 quiet%s pool.name=%s%s pool.console=%d%s%s%s%s",
		     tsc, m->name, net, p->mode == PLAN_UP ? 1 : 0,
		     m->image == IMAGE_NIXOS ? " init=" : "", m->image == IMAGE_NIXOS ? m->nixos.init : "",
		     m->cmdline && *m->cmdline ? " " : "", m->cmdline ? m->cmdline : "") < 0) {
		p->cmdline = NULL;
		return pool_err_sys(e, "cmdline");
	}
	return 0;
}

int plan_build(const struct machine *m, enum plan_mode mode, const struct path_grants *grants,
	       struct plan *p, struct pool_err *e)
{
	struct accel_host host;

	memset(p, 0, sizeof *p);
	p->m = m;
	p->mode = mode;
	p->grants = grants;
	p->kernel_fd = p->initrd_fd = -1;
	if (paths_from_env(&p->paths, e) < 0)
		return -1;
	/* image nixos gets its mesh's files over the agent at READY (its
	 * initramfs is gone at switch_root) and runs its own nebula */
	if ((m->image == IMAGE_NIXOS ? resolve_nixos(p, e) : resolve_image(p, e)) < 0)
		return -1;

	accel_probe(&host);
	if (accel_choose(m->accel, getenv("POOL_ACCEL"), &host, &p->accel, e) < 0)
		return -1;
	p->cpus = plan_cpus(m->cpus, host_cpus());
	if (p->accel.mode == ACCEL_TCG) {
		struct sysinfo si;

		p->tsc_khz = host_tsc_khz_cached(p->paths.cache);
		p->tb_mib = plan_tb_mib(sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit >> 20 : 0);
	}
	if (m->image == IMAGE_HOST) {
		struct plan_share *sh = &p->shares[p->nshares++];

		*sh = (struct plan_share){ .source = "/usr", .target = "/usr", .readonly = true, .host = true };
		snprintf(sh->tag, sizeof sh->tag, "usr");
	}
	for (size_t i = 0; i < m->nshares; i++) {
		struct plan_share *sh;

		if (p->nshares >= PLAN_SHARES_MAX)
			return pool_err_usage(e, "%s: shares: at most %d", m->file, PLAN_SHARES_MAX - 1);
		sh = &p->shares[p->nshares++];
		*sh = (struct plan_share){ .source = m->shares[i].source, .target = m->shares[i].target,
					   .readonly = m->shares[i].readonly, .pos = &m->shares[i].source_pos };
		if (m->shares[i].owner) {
			long uid = machine_role_uid(m, m->shares[i].owner);

			if (uid < 0)
				return pool_err_usage(e, "%s: shares: owner %s is not one of users:", m->file,
						      m->shares[i].owner);
			sh->owner = (uid_t)uid;
		}
		snprintf(sh->tag, sizeof sh->tag, "share%zu", i);
		if (protect_list(m, &m->shares[i], &sh->protect) < 0)
			return pool_err_sys(e, "protect");
	}
	if (m->nvolumes > PLAN_VOLUMES_MAX)
		return pool_err_usage(e, "%s: volumes: at most %d", m->file, PLAN_VOLUMES_MAX);
	for (size_t i = 0; i < m->nvolumes; i++) {
		struct plan_volume *v = &p->volumes[p->nvolumes++];

		*v = (struct plan_volume){ .path = m->volumes[i].path, .target = m->volumes[i].target,
					   .size = m->volumes[i].size };
		volume_serial(i, v->serial, sizeof v->serial);
	}
	if (m->network != NET_NONE) {
		if (machine_net_init(&p->net, m->name, m->address) < 0)
			return pool_err_usage(e, "%s: name %s: no TAP name for it", m->file, m->name);
		p->has_net = true;
		p->net.mode = m->network;
		p->net.has_allow = m->has_allow;
		p->net.allow = m->allow;
		p->net.nallow = m->nallow;
		p->net.allow_lan = m->allow_lan;
		if (channel_subnet(m->channel, &p->subnet, &p->prefix) < 0) {
			p->subnet = POOL_DEFAULT_SUBNET;	/* brought up with the default at boot */
			p->prefix = POOL_DEFAULT_PREFIX;
		}
	}
	if ((size_t)snprintf(p->state_dir, sizeof p->state_dir, "%s/%s", p->paths.state, m->name) >= sizeof p->state_dir)
		return pool_err_usage(e, "POOL_STATE_DIR is too long");
	snprintf(p->console_log, sizeof p->console_log, "%s/console.log", p->state_dir);
	if (build_cmdline(p, e) < 0)
		return -1;
	return 0;
}

/* --- the plan's identity (plan_hash) --- */

static void hash_s(struct sha256 *h, const char *tag, const char *v)
{
	sha256_update(h, tag, strlen(tag) + 1);
	sha256_update(h, v ? v : "", v ? strlen(v) + 1 : 1);
}

static void hash_u(struct sha256 *h, const char *tag, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof b, "%llu", (unsigned long long)v);
	hash_s(h, tag, b);
}

/* Which file: device and inode; with content, also size and times (a
 * binary replaced in place). Missing is an identity too. */
static void hash_st(struct sha256 *h, const char *tag, int r, const struct stat *st, bool content)
{
	char b[160];

	if (r < 0)
		snprintf(b, sizeof b, "missing");
	else if (content)
		snprintf(b, sizeof b, "%ju %ju %jd %jd.%09ld %jd.%09ld", (uintmax_t)st->st_dev,
			 (uintmax_t)st->st_ino, (intmax_t)st->st_size, (intmax_t)st->st_mtim.tv_sec,
			 st->st_mtim.tv_nsec, (intmax_t)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
	else
		snprintf(b, sizeof b, "%ju %ju", (uintmax_t)st->st_dev, (uintmax_t)st->st_ino);
	hash_s(h, tag, b);
}

static void hash_path(struct sha256 *h, const char *tag, const char *path, bool content)
{
	struct stat st;

	hash_s(h, tag, path);
	hash_st(h, tag, stat(path, &st), &st, content);
}

static void hash_fd(struct sha256 *h, const char *tag, int fd, const char *path, bool content)
{
	struct stat st;

	if (fd < 0) {
		hash_path(h, tag, path, content);
		return;
	}
	hash_s(h, tag, path);
	hash_st(h, tag, fstat(fd, &st), &st, content);
}

int plan_hash(const struct plan *p, uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups,
	      char hex[65], struct pool_err *e)
{
	const struct machine *m = p->m;
	struct sha256 h;
	uint8_t out[32];

	(void)e;
	sha256_init(&h);
	hash_s(&h, "plan", "pool-plan-v1");
	hash_u(&h, "mode", p->mode);
	hash_s(&h, "name", m->name);
	hash_u(&h, "image", m->image);
	hash_u(&h, "cpus", p->cpus);
	hash_u(&h, "memory", m->memory);
	hash_u(&h, "accel", p->accel.mode);
	hash_u(&h, "tb", p->tb_mib);
	hash_u(&h, "ephemeral", m->ephemeral);
	hash_s(&h, "workdir", m->workdir);
	hash_s(&h, "interface", m->interface);
	hash_s(&h, "cmdline", p->cmdline);
	hash_fd(&h, "kernel", p->kernel_fd, p->kernel, true);
	hash_s(&h, "version", p->kernel_version);
	if (m->image == IMAGE_NIXOS) {
		hash_fd(&h, "initrd", p->initrd_fd, p->initrd, true);
		hash_s(&h, "init", m->nixos.init);
	} else {
		hash_s(&h, "image-hash", p->image_hash);	/* pool-init, busybox, modules: by content */
	}
	hash_path(&h, "qemu", p->paths.qemu, true);
	if (p->nshares)
		hash_path(&h, "virtiofsd", p->paths.virtiofsd, true);
	for (size_t i = 0; i < p->nshares; i++) {
		const struct plan_share *sh = &p->shares[i];

		hash_path(&h, "share", sh->source, false);
		hash_s(&h, "target", sh->target);
		hash_s(&h, "tag", sh->tag);
		hash_u(&h, "ro", sh->readonly);
		hash_u(&h, "host", sh->host);
		hash_u(&h, "owner", sh->owner);
		for (size_t k = 0; k < sh->protect.n; k++)
			hash_s(&h, "protect", sh->protect.v[k]);
	}
	for (size_t i = 0; i < p->nvolumes; i++) {
		hash_path(&h, "volume", p->volumes[i].path, false);
		hash_s(&h, "target", p->volumes[i].target);
		hash_u(&h, "size", p->volumes[i].size);
	}
	for (size_t i = 0; i < m->nusers; i++) {
		const struct role *r = &m->users[i];

		hash_s(&h, "user", r->name);
		hash_s(&h, "shell", r->shell);
		if (r->has_pass_id)
			sha256_update(&h, r->pass_id, sizeof r->pass_id);
		else
			hash_s(&h, "hash", r->hash);
		for (size_t k = 0; k < r->nkeys; k++)
			hash_s(&h, "key", r->keys[k]);
	}
	hash_u(&h, "net", p->has_net);
	if (p->has_net) {
		char ip[16];

		hash_u(&h, "mode", m->network);
		hash_s(&h, "channel", m->channel);
		hash_s(&h, "address", ipv4_str(m->address, ip));
		hash_s(&h, "tap", p->net.tap);
		hash_u(&h, "subnet", p->subnet);
		hash_u(&h, "prefix", p->prefix);
		hash_u(&h, "allow-lan", m->allow_lan);
		for (size_t i = 0; i < m->nallow; i++) {
			const struct allow_rule *r = &m->allow[i];

			hash_u(&h, "allow", (uint64_t)r->net << 32 | (uint64_t)r->prefix << 24 |
						    (uint64_t)r->port << 8 | r->proto);
			hash_s(&h, "allow-name", r->name);	/* a name's rule is its name */
		}
		for (size_t i = 0; i < m->nports; i++) {
			const struct port_map *pm = &m->ports[i];

			hash_u(&h, "port", (uint64_t)pm->host_ip << 32 | (uint64_t)pm->host_port << 16 |
						   pm->guest_port);
			hash_u(&h, "proto", pm->proto);
		}
	}
	if (m->mesh.set) {
		char ip[16];

		/* the certificate's name, address and groups, its firewall,
		 * and the lighthouses the host's grant gave it (cmd/boot.c) */
		hash_s(&h, "mesh", m->mesh.network);
		hash_s(&h, "mesh-ip", ipv4_str(m->mesh.ip, ip));
		hash_u(&h, "mesh-prefix", m->mesh.prefix);
		for (size_t i = 0; i < m->mesh.ngroups; i++)
			hash_s(&h, "mesh-group", m->mesh.groups[i]);
		for (size_t i = 0; i < m->mesh.nlighthouses; i++) {
			const struct mesh_lighthouse *l = &m->mesh.lighthouses[i];

			hash_u(&h, "lighthouse", (uint64_t)l->overlay << 32 | l->host);
			hash_u(&h, "lighthouse-port", l->port);
		}
		hash_u(&h, "inbound", m->mesh.has_inbound ? m->mesh.ninbound + 1 : 0);
		for (size_t i = 0; i < m->mesh.ninbound; i++) {
			const struct mesh_rule *r = &m->mesh.inbound[i];

			hash_u(&h, "rule", (uint64_t)r->port_lo << 32 | (uint64_t)r->port_hi << 16 | r->proto);
			for (size_t k = 0; k < r->ngroups; k++)
				hash_s(&h, "rule-group", r->groups[k]);
			hash_s(&h, "rule-host", r->host);
			hash_u(&h, "rule-cidr", r->has_cidr ? (uint64_t)r->cidr << 8 | r->cidr_prefix : UINT64_MAX);
		}
	}
	hash_u(&h, "uid", uid);
	hash_u(&h, "gid", gid);
	for (size_t i = 0; i < ngroups; i++)
		hash_u(&h, "group", groups[i]);
	for (size_t i = 0; p->grants && i < p->grants->n; i++) {
		const struct path_grant *g = &p->grants->v[i];

		hash_s(&h, "grant", g->path);
		hash_fd(&h, "real", g->fd, g->real, false);
	}
	if (m->image == IMAGE_HOST) {
		char path[PATH_MAX + 16];

		for (size_t i = 0; host_etc_allow[i]; i++) {
			struct stat st;

			hash_s(&h, "etc", host_etc_allow[i]);
			hash_st(&h, "etc", lstat(host_etc_allow[i], &st), &st, true);
		}
		snprintf(path, sizeof path, "%s/usr-mask", p->paths.cache);
		hash_path(&h, "usr-mask", path, true);
	}
	sha256_final(&h, out);
	sha256_hex(out, hex);
	return 0;
}

/* Whether a path is an executable in the guest: the host's own for image
 * host (its /usr is the guest's), a busybox applet for minimal. */
static bool guest_has(const char *path, void *ctx)
{
	const struct plan *p = ctx;

	if (p->m->image == IMAGE_HOST)
		return access(path, X_OK) == 0;
	return path[0] == '/' && strv_contains(&p->applets, path + 1);
}

/* One line per role: the shell pool-init will pick (guest/login.h), how
 * the console logs in, and its ssh keys. */
static void print_users(const struct plan *p, FILE *out)
{
	const struct machine *m = p->m;

	for (size_t i = 0; i < m->nusers; i++) {
		const struct role *r = &m->users[i];
		char sh[LOGIN_PATH_MAX];
		int how = LOGIN_SHELL_WANTED;

		if (m->image == IMAGE_HOST || m->image == IMAGE_MINIMAL)
			how = login_shell_resolve(r->shell, guest_has, (void *)p, sh, sizeof sh);
		else
			snprintf(sh, sizeof sh, "chosen at boot");
		fprintf(out, "user        %s: shell %s%s%s%s, %s, %zu ssh key%s\n", r->name, sh,
			how == LOGIN_SHELL_FALLBACK ? " (" : "",
			how == LOGIN_SHELL_FALLBACK ? r->shell : "",
			how == LOGIN_SHELL_FALLBACK ? " is missing)" : "",
			r->hash ? "password" : strcmp(r->name, "root") == 0 ? "console autologin" : "no password login",
			r->nkeys, r->nkeys == 1 ? "" : "s");
	}
}

void plan_print(const struct plan *p, FILE *out)
{
	const struct machine *m = p->m;
	char ip[16];

	fprintf(out, "machine     %s\n", m->name);
	fprintf(out, "spec        %s\n", m->file);
	fprintf(out, "image       %s\n", image_kind_str(m->image));
	if (m->cpus == POOL_CPUS_AUTO)
		fprintf(out, "cpus        %u (auto: the host's cores, at most %d)\n", p->cpus, PLAN_CPUS_AUTO_MAX);
	else
		fprintf(out, "cpus        %u\n", p->cpus);
	fprintf(out, "memory      %lluM\n", (unsigned long long)(m->memory >> 20));
	fprintf(out, "network     %s\n", net_mode_str(m->network));
	if (m->has_address)
		fprintf(out, "address     %s\n", ipv4_str(m->address, ip));
	fprintf(out, "kernel      %s\n", p->kernel);
	fprintf(out, "version     %s\n", p->kernel_version);
	if (m->image == IMAGE_NIXOS) {
		fprintf(out, "initrd      %s (image.nixos.initrd, as is)\n", p->initrd);
		fprintf(out, "init        %s (init= on the command line)\n", m->nixos.init);
	} else {
		fprintf(out, "modules     %zu from %s\n", p->modules.n, p->moddir);
		for (size_t i = 0; i < p->modules.n; i++)
			fprintf(out, "            %s\n", p->modules.v[i]);
		fprintf(out, "pool-init   %s\n", p->paths.init);
		fprintf(out, "busybox     %s (%zu applets)\n", p->paths.busybox, p->applets.n);
		fprintf(out, "image hash  %s\n", p->image_hash);
		fprintf(out, "image       %s%s\n", p->image_path,
			access(p->image_path, R_OK) == 0 ? " (cached)" : " (to be built)");
	}
	if (p->has_net) {
		const uint8_t *a = p->net.mac;

		fprintf(out, "channel     %s (%s/%u)\n", m->channel, ipv4_str(p->subnet, ip), p->prefix);
		fprintf(out, "tap         %s\n", p->net.tap);
		fprintf(out, "mac         %02x:%02x:%02x:%02x:%02x:%02x\n", a[0], a[1], a[2], a[3], a[4], a[5]);
		fprintf(out, "interface   %s (renamed by MAC in the guest)\n", m->interface);
		fprintf(out, "nft         chain bridge pool %s_m_%s (anti-spoofing on %s), %s\n",
			m->channel, m->name, p->net.tap,
			m->network == NET_ISOLATED ? "no forwarding (isolated)" :
			m->has_allow ? "forwarding to the allow list only" : "forwarding to the uplink (nat)");
		if (m->network == NET_NAT)
			fprintf(out, "reach       %s\n", m->allow_lan ?
				"the internet and the LAN (--allow-lan)" :
				"the internet only: not the LAN, link-local, CGNAT or the host's subnets (--allow-lan opens them)");
		for (size_t i = 0; i < m->nallow; i++) {
			const struct allow_rule *r = &m->allow[i];

			const char *proto = r->proto == 6 ? "tcp" : r->proto == 17 ? "udp" : "tcp and udp";

			if (r->name && r->port)
				fprintf(out, "allow       %s (by name) port %u %s\n", r->name, r->port, proto);
			else if (r->name)
				fprintf(out, "allow       %s (by name) any port\n", r->name);
			else if (r->port)
				fprintf(out, "allow       %s/%u port %u %s\n", ipv4_str(r->net, ip), r->prefix,
					r->port, proto);
			else
				fprintf(out, "allow       %s/%u any port\n", ipv4_str(r->net, ip), r->prefix);
		}
		for (size_t i = 0; i < m->nports; i++) {
			char pm[PORT_MAP_STR_MAX];

			fprintf(out, "publish     %s (bound before boot; a taken port is refused)\n",
				port_map_str(&m->ports[i], pm));
		}
	}
	if (m->mesh.set) {
		fprintf(out, "mesh        %s as %s/%u, %zu group%s, %zu lighthouse%s, nebula %s\n",
			m->mesh.network, ipv4_str(m->mesh.ip, ip), m->mesh.prefix, m->mesh.ngroups,
			m->mesh.ngroups == 1 ? "" : "s", m->mesh.nlighthouses,
			m->mesh.nlighthouses == 1 ? "" : "s",
			p->nebula[0] ? p->nebula : "/usr/bin/nebula (the host's /usr)");
		for (size_t i = 0; i < p->nebula_libs.n; i++)
			fprintf(out, "            %s\n", p->nebula_libs.v[i]);
		/* where the host said they are (pool mesh grant, this host's own) */
		for (size_t i = 0; i < m->mesh.nlighthouses; i++) {
			const struct mesh_lighthouse *l = &m->mesh.lighthouses[i];

			if (l->host) {
				char h[16];

				fprintf(out, "lighthouse  %s at %s:%u/udp\n", ipv4_str(l->overlay, ip),
					ipv4_str(l->host, h), l->port);
			} else {
				fprintf(out, "lighthouse  %s at this host's port %u/udp\n", ipv4_str(l->overlay, ip),
					l->port);
			}
		}
	}
	for (size_t i = 0; i < p->nshares; i++) {
		const struct plan_share *sh = &p->shares[i];

		fprintf(out, "share       %s -> %s (%s, virtiofs tag %s", sh->source, sh->target,
			sh->readonly ? "read-only" : "read-write", sh->tag);
		if (sh->owner)
			fprintf(out, ", owner uid %u in the guest", (unsigned)sh->owner);
		fprintf(out, ")\n");
		if (!sh->readonly && !sh->host) {
			fprintf(out, "protect     %s:", sh->tag);
			for (size_t k = 0; k < sh->protect.n; k++)
				fprintf(out, " %s", sh->protect.v[k]);
			fprintf(out, "%s\n", sh->protect.n ? "" : " (none)");
		}
	}
	if (p->nshares)
		fprintf(out, "virtiofsd   %s\n", p->paths.virtiofsd);
	for (size_t i = 0; i < p->nvolumes; i++) {
		const struct plan_volume *v = &p->volumes[i];
		struct stat st;

		fprintf(out, "volume      %s -> %s (virtio-blk serial %s; ", v->path,
			v->target ? v->target : "not mounted", v->serial);
		if (lstat(v->path, &st) == 0)
			fprintf(out, "exists: used as is)\n");
		else
			fprintf(out, "missing: created sparse, %lluM, ext4)\n",
				(unsigned long long)(v->size >> 20));
	}
	print_users(p, out);
	fprintf(out, "accel       %s\n", p->accel.why);
	fprintf(out, "runs as     uids of its own, taken when it starts\n");
	fprintf(out, "state       %s\n", p->state_dir);
	fprintf(out, "cmdline     %s\n", p->cmdline);
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->nshares; i++)
		strv_free(&p->shares[i].protect);
	if (p->kernel_fd >= 0)
		close(p->kernel_fd);
	if (p->initrd_fd >= 0)
		close(p->initrd_fd);
	p->kernel_fd = p->initrd_fd = -1;
	strv_free(&p->modules);
	strv_free(&p->applets);
	strv_free(&p->nebula_libs);
	strv_free(&p->argv);
	free(p->cmdline);
	p->cmdline = NULL;
}

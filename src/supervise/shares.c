/* shares.c - a machine's shares: one virtiofsd each. Owner mapping and read-only are
 * enforced on the host side: a user namespace maps the guest's root to the
 * invoking user, and a read-only share is a read-only bind mount made (as
 * real root) before the user namespace, so it is locked read-only there.
 * No set-id bit and no file capability crosses a share (nosetid.h): a
 * seccomp filter installed right before exec, and virtiofsd's xattr map. */
#include "supervise/shares.h"

#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plan.h"
#include "common/log.h"
#include "util/beneath.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "common/parse.h"
#include "supervise/nosetid.h"

/* Whether the user can enter (and, for a read-write share, write) the
 * folder: checked on its fd in a child that becomes that user as
 * virtiofsd will be on the host (uid and primary gid, no supplementary
 * groups). */
static int user_can_use(int src_fd, bool readonly, const struct pool_user *u)
{
	struct pool_user as_served = *u;
	pid_t pid;
	int st;

	as_served.ngroups = 0;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (user_become(&as_served) < 0)
			_exit(2);
		_exit(faccessat(src_fd, ".", readonly ? R_OK | X_OK : R_OK | W_OK | X_OK, 0) == 0 ? 0 : 1);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = write_all(fd, s, strlen(s));
	close(fd);
	return r;
}

static __attribute__((noreturn)) void child_fail(int log_fd, const char *what, const char *path)
{
	dprintf(log_fd, "pool: virtiofsd: %s%s%s: %s\n", what, path ? " " : "", path ? path : "",
		strerror(errno));
	_exit(127);
}

/* A detached copy of the mount at fd (with what lies below it),
 * read-only when asked: -1 or its fd. */
static int copy_tree(int fd, bool readonly)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					       (readonly ? MOUNT_ATTR_RDONLY : 0) };
	int tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);

	if (tree < 0)
		return -1;
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
		close(tree);
		return -1;
	}
	return tree;
}

/* A copy of the mount at fd, read-only when asked, put over target_fd. */
static int graft(int fd, bool readonly, int target_fd)
{
	_cleanup_close_ int tree = copy_tree(fd, readonly);

	if (tree < 0)
		return -1;
	return move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

/* In virtiofsd's mount namespace, as real root, before the user
 * namespace: a private tmpfs over the machine's state folder (hidden in
 * there, and a place pool owns), the share (its fd, opened by the
 * invoking user: no path of the spec is looked up again) grafted at
 * MNT/src, each protected path served read-only in it, each masked one
 * covered by an empty file or folder. */
static void mount_share(const struct share_serve *sv, int tree, int log_fd)
{
	char src[PATH_MAX + 8], empty_dir[PATH_MAX + 8], empty_file[PATH_MAX + 8];
	_cleanup_close_ int mfd = -1, ed = -1, ef = -1;

	if (mount("pool-share", sv->mnt, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") < 0)
		child_fail(log_fd, "tmpfs on", sv->mnt);
	snprintf(src, sizeof src, "%s/src", sv->mnt);
	snprintf(empty_dir, sizeof empty_dir, "%s/empty", sv->mnt);
	snprintf(empty_file, sizeof empty_file, "%s/empty-file", sv->mnt);
	if (mkdir(src, 0755) < 0 || mkdir(empty_dir, 0) < 0)
		child_fail(log_fd, "mkdir in", sv->mnt);
	ef = open(empty_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (ef < 0)
		child_fail(log_fd, "empty file in", sv->mnt);
	if (move_mount(tree, "", AT_FDCWD, src, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		child_fail(log_fd, "mounting the share on", src);
	mfd = open(src, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ed = open(empty_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0 || ed < 0)
		child_fail(log_fd, "opening", src);
	for (size_t i = 0; !sv->readonly && i < sv->nprotect; i++) {
		const char *why;
		_cleanup_close_ int t = open_beneath(mfd, sv->protect[i], O_PATH | O_NOFOLLOW, 0,
						      BENEATH_NO_SYMLINKS, &why);

		if (t < 0 && errno == ENOENT)
			continue;	/* missing: quarantined after the machine, if made */
		if (t < 0) {
			dprintf(log_fd, "pool: virtiofsd: protected path %s: %s\n", sv->protect[i],
				why ? why : strerror(errno));
			_exit(127);
		}
		if (graft(t, true, t) < 0)
			child_fail(log_fd, "read-only bind of", sv->protect[i]);
	}
	for (size_t i = 0; i < sv->nmask; i++) {
		struct stat st;
		const char *why;
		_cleanup_close_ int t = open_beneath(mfd, sv->mask[i], O_PATH | O_NOFOLLOW, 0,
						      BENEATH_NO_SYMLINKS, &why);

		if (t < 0 || fstat(t, &st) < 0)
			continue;	/* gone, or changed into a link: nothing of it is served */
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
			continue;
		if (graft(S_ISDIR(st.st_mode) ? ed : ef, true, t) < 0)
			child_fail(log_fd, "masking", sv->mask[i]);
	}
}

/* virtiofsd's whole environment: none of root's. */
static char *const virtiofsd_env[] = { (char *)"PATH=/usr/bin:/bin", (char *)"LC_ALL=C", NULL };

/* A share with an owner: virtiofsd is that uid in its namespace, and a
 * uid other than the namespace's 0 keeps no capability across exec, so
 * what it holds there (all of them: it made the namespace, and 0 is not
 * mapped, so the change of uid cleared nothing) becomes ambient. They
 * count in that namespace only; virtiofsd drops what it does not need. */
static int keep_caps_across_exec(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	d[0].inheritable = d[0].permitted;
	d[1].inheritable = d[1].permitted;
	if (syscall(SYS_capset, &h, d) < 0)
		return -1;
	for (int cap = 0; cap < 64; cap++) {
		bool held = (cap < 32 ? d[0].permitted >> cap : d[1].permitted >> (cap - 32)) & 1;

		if (held && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return -1;
	}
	return 0;
}

static __attribute__((noreturn)) void child(const char *bin, const struct share_serve *sv, int ready_w,
					   int go_r, int listen_fd, int log_fd)
{
	char opt[PATH_MAX + 128], fdarg[32];
	int tree;
	char c;

	/* Its own session: the terminal's signals are the supervisor's, which
	 * powers the machine off cleanly (virtiofsd ends after it). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || setsid() < 0)
		_exit(127);
	/* The share's folder, copied while it is still in our mount
	 * namespace (a copy can be attached anywhere, the folder cannot). */
	tree = copy_tree(sv->src_fd, sv->readonly);
	if (tree < 0)
		child_fail(log_fd, "copying the mount of", sv->source);
	/* As real root: our own mount namespace, the share laid out there. */
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
		dprintf(log_fd, "pool: virtiofsd: mount namespace: %s\n", strerror(errno));
		_exit(127);
	}
	mount_share(sv, tree, log_fd);
	close(tree);
	/* No supplementary groups: virtiofsd 7.2 drops them itself when it has
	 * any (its fix for CVE-2022-0358), which fails in a user namespace
	 * whose setgroups is denied: root's own (under sudo: group 0) would
	 * stop every share. So a share is served as the user's uid and
	 * primary gid alone, for user shares and root's alike. */
	if (setgroups(0, NULL) < 0) {
		dprintf(log_fd, "pool: virtiofsd: setgroups: %s\n", strerror(errno));
		_exit(127);
	}
	/* Then a user namespace: the parent writes our uid and gid maps. */
	if (unshare(CLONE_NEWUSER) < 0) {
		dprintf(log_fd, "pool: virtiofsd: user namespace: %s\n", strerror(errno));
		_exit(127);
	}
	if (write(ready_w, "r", 1) != 1 || read(go_r, &c, 1) != 1 || c != 'g')
		_exit(127);
	if (setresgid(sv->guest_uid, sv->guest_uid, sv->guest_uid) < 0 ||
	    setresuid(sv->guest_uid, sv->guest_uid, sv->guest_uid) < 0) {
		dprintf(log_fd, "pool: virtiofsd: setresuid in the namespace: %s\n", strerror(errno));
		_exit(127);
	}
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)	/* the uid change cleared it */
		_exit(127);
	if (sv->guest_uid != 0 && keep_caps_across_exec() < 0) {
		dprintf(log_fd, "pool: virtiofsd: ambient capabilities: %s\n", strerror(errno));
		_exit(127);
	}
	if (dup2(listen_fd, 3) < 0 || dup2(log_fd, 2) < 0)
		_exit(127);
	{
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
	}
	close_range(4, ~0U, 0);
	{
		/* The supervisor blocks and ignores signals it handles itself;
		 * virtiofsd must see SIGTERM when it is stopped. */
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
	}
	snprintf(fdarg, sizeof fdarg, "--fd=3");
	snprintf(opt, sizeof opt, "source=%s/src,sandbox=namespace,cache=auto,xattr", sv->mnt);
	/* Last: from here on no mode with a set-id bit reaches the kernel. */
	if (nosetid_install() < 0) {
		dprintf(2, "pool: virtiofsd: set-id filter: %s\n", strerror(errno));
		_exit(127);
	}
	execle(bin, "virtiofsd", fdarg, "-o", opt, "-o", NOSETID_VIRTIOFSD_OPTS, "--rlimit-nofile=65536",
	       (char *)NULL, virtiofsd_env);
	dprintf(2, "pool: exec %s: %s\n", bin, strerror(errno));
	_exit(127);
}

int virtiofsd_start(struct virtiofsd *v, const char *bin, const struct share_serve *sv,
		    const struct pool_user *as, const char *sock_path, int log_fd, struct pool_err *e)
{
	uid_t owner = as ? as->uid : 0;
	gid_t group = as ? as->gid : 0;
	unsigned inside = (unsigned)sv->guest_uid;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int lfd = -1, cfd = -1;
	int ready[2] = { -1, -1 }, go[2] = { -1, -1 };
	char path[64], map[64], c;
	pid_t pid;

	v->pid = -1;
	v->qemu_fd = -1;
	if (as && user_can_use(sv->src_fd, sv->readonly, as) < 0)
		return pool_err_usage(e, "uid %u cannot %s it (a share is served as the user who ran pool)",
				      (unsigned)owner, sv->readonly ? "read" : "read and write");
	if (strlen(sock_path) >= sizeof sa.sun_path)
		return pool_err_fail(e, "%s: socket path too long", sock_path);
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);	/* length checked above */
	unlink(sock_path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 1) < 0)
		return pool_err_sys(e, "virtiofsd socket %s", sock_path);
	/* QEMU's end: connected now, while we can; virtiofsd accepts it. */
	cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&sa, sizeof sa) < 0)
		return pool_err_sys(e, "virtiofsd socket %s", sock_path);
	unlink(sock_path);
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
		pool_err_sys(e, "pipe");
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		pool_err_sys(e, "fork");
		goto fail;
	}
	if (pid == 0)
		child(bin, sv, ready[1], go[0], lfd, log_fd);
	close(ready[1]);
	close(go[0]);
	ready[1] = go[0] = -1;
	v->pid = pid;
	if (read(ready[0], &c, 1) != 1) {
		pool_err_fail(e, "virtiofsd for %s did not start (see qemu.log)", sv->source);
		goto fail;
	}
	snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
	write_str(path, "deny");
	snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
	snprintf(map, sizeof map, "%u %u 1\n", inside, (unsigned)owner);
	if (write_str(path, map) < 0) {
		pool_err_sys(e, "virtiofsd uid_map");
		goto fail;
	}
	snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
	snprintf(map, sizeof map, "%u %u 1\n", inside, (unsigned)group);
	if (write_str(path, map) < 0) {
		pool_err_sys(e, "virtiofsd gid_map");
		goto fail;
	}
	if (write(go[1], "g", 1) != 1) {
		pool_err_sys(e, "virtiofsd");
		goto fail;
	}
	close(ready[0]);
	close(go[1]);
	v->qemu_fd = steal_fd(&cfd);
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (ready[i] >= 0)
			close(ready[i]);
		if (go[i] >= 0)
			close(go[i]);
	}
	virtiofsd_stop(v);
	return -1;
}

void virtiofsd_stop(struct virtiofsd *v)
{
	if (v->qemu_fd >= 0)
		close(v->qemu_fd);
	v->qemu_fd = -1;
	if (v->pid > 0) {
		kill(v->pid, SIGTERM);
		for (int i = 0; i < 50; i++) {
			if (waitpid(v->pid, NULL, WNOHANG) == v->pid) {
				v->pid = -1;
				return;
			}
			usleep(20000);
		}
		kill(v->pid, SIGKILL);
		waitpid(v->pid, NULL, 0);
	}
	v->pid = -1;
}

void shares_init(struct shares *sh)
{
	memset(sh, 0, sizeof *sh);
	for (size_t i = 0; i < PLAN_SHARES_MAX; i++) {
		sh->fs[i] = (struct virtiofsd){ .pid = -1, .qemu_fd = -1 };
		sh->src_fd[i] = -1;
	}
}

/* Each share's folder, once: the host's own as root, a spec's as the
 * invoking user beneath its folder (or a grant); and which protected
 * paths it lacks now, to see after the machine whether it made them. */
static int shares_open(const struct plan *p, struct shares *sh, struct pool_err *e)
{
	for (size_t i = 0; i < p->nshares; i++) {
		const struct plan_share *s = &p->shares[i];
		char key[32];

		snprintf(key, sizeof key, "shares[%zu].source", i - (p->shares[0].host ? 1 : 0));
		if (s->host)
			sh->src_fd[i] = open(s->source, O_PATH | O_DIRECTORY | O_CLOEXEC);
		else
			sh->src_fd[i] = spec_path_open_as_user(p->m, p->grants, s->source, O_PATH | O_DIRECTORY,
							       BENEATH_DIR, strcmp(s->tag, "store") ? key :
							       "image.nixos.store", s->pos, e);
		if (sh->src_fd[i] < 0)
			return s->host ? pool_err_sys(e, "%s", s->source) : -1;
		for (size_t k = 0; !s->readonly && k < s->protect.n; k++) {
			const char *why;
			int t = open_beneath(sh->src_fd[i], s->protect.v[k], O_PATH | O_NOFOLLOW, 0,
					     BENEATH_NO_SYMLINKS, &why);

			struct stat st;

			/* A protected file with another name would be written
			 * through that one: refused (a checkout never has one). */
			if (t >= 0 && fstat(t, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink > 1) {
				close(t);
				return pool_err_usage(e, "%s/%s is protected but has %ju names (hard links): the machine could change it through another; give it one",
						      s->source, s->protect.v[k], (uintmax_t)st.st_nlink);
			}
			if (t >= 0)
				close(t);
			else if (errno == ENOENT && strv_add(&sh->missing[i], s->protect.v[k]) < 0)
				return pool_err_sys(e, "protect");
		}
	}
	sh->opened = true;
	sh->started = time(NULL);
	return 0;
}

/* Where the share is laid out in virtiofsd's own mount namespace: an
 * existing folder that tmpfs may cover there, and not the one virtiofsd
 * itself (a wrapper, say) is run from. */
static const char *layout_dir(const char *virtiofsd)
{
	static const char *const dirs[] = { "/tmp", "/mnt", "/media", "/srv", "/opt" };
	struct stat st;

	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		size_t n = strlen(dirs[i]);

		if (strncmp(virtiofsd, dirs[i], n) == 0 && virtiofsd[n] == '/')
			continue;
		if (lstat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			return dirs[i];
	}
	return "/tmp";
}

int shares_start(const struct plan *p, struct shares *sh, const struct strv *usr_mask, int log_fd,
		 struct pool_err *e)
{
	const struct pool_user *u;

	if (pool_user_get(&u, e) < 0 || (!sh->opened && shares_open(p, sh, e) < 0))
		return -1;
	sh->n = p->nshares;
	for (size_t i = 0; i < p->nshares; i++) {
		const struct plan_share *s = &p->shares[i];
		char sock[PATH_MAX + 32];
		struct share_serve sv = {
			.source = s->source, .src_fd = sh->src_fd[i], .readonly = s->readonly,
			.protect = (const char *const *)s->protect.v, .nprotect = s->protect.n,
			.mnt = layout_dir(p->paths.virtiofsd), .guest_uid = s->host ? 0 : s->owner,
		};

		/* The host's /usr: what others may not read on the host, the
		 * guest does not read either (it is served as root). */
		if (strcmp(s->tag, "usr") == 0 && usr_mask) {
			sv.mask = (const char *const *)usr_mask->v;
			sv.nmask = usr_mask->n;
		}
		snprintf(sock, sizeof sock, "%s/%s.sock", p->state_dir, s->tag);
		/* The host's /usr and /nix/store (world-readable) are read by
		 * the guest's root as root reads them. Any other store folder
		 * comes from a spec, which may come with a codebase: it is read
		 * as the invoking user, like any share. */
		if (virtiofsd_start(&sh->fs[i], p->paths.virtiofsd, &sv, s->host ? NULL : u, sock, log_fd,
				    e) < 0)
			return pool_err_wrap(e, "share %s", s->source);
	}
	return 0;
}

int shares_reap(struct shares *sh, int *status)
{
	for (size_t i = 0; i < sh->n; i++) {
		if (sh->fs[i].pid <= 0 || waitpid(sh->fs[i].pid, status, WNOHANG) != sh->fs[i].pid)
			continue;
		sh->fs[i].pid = -1;
		return (int)i;
	}
	return -1;
}

void shares_stop(struct shares *sh)
{
	for (size_t i = 0; i < sh->n; i++)
		virtiofsd_stop(&sh->fs[i]);
}

#define QUARANTINE_ABSENT (-2)
#define QUARANTINE_TAKEN (-3)	/* that new name exists: another one */
#define NESTED_MAX 1000000	/* entries a share's walk looks at */
#define NESTED_DEPTH 32

/* NAME.pool-quarantine-TIME-RANDOM: nothing the machine could have
 * guessed and planted first. */
static void quarantine_name(const char *base, char *out, size_t cap)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof r, 0) != sizeof r)
		r = (uint32_t)getpid() ^ (uint32_t)time(NULL) << 8;
	snprintf(out, cap, "%.200s.pool-quarantine-%lld-%08x", base, (long long)time(NULL), r);
}

struct quarantine {
	int src_fd;
	const char *rel;
	const char *name;	/* the new name, beside it */
};

/* As the invoking user (run_as_user: an fd comes back): rename a protected
 * path the machine made to q->name beside it, and answer with its folder.
 * QUARANTINE_ABSENT when it is not there. */
static int quarantine_one(void *arg, struct pool_err *e)
{
	struct quarantine *q = arg;
	char parent[PATH_MAX];
	const char *why, *slash = strrchr(q->rel, '/');
	const char *base = slash ? slash + 1 : q->rel;
	int pfd;
	struct stat st;

	snprintf(parent, sizeof parent, "%.*s", slash ? (int)(slash - q->rel) : 1, slash ? q->rel : ".");
	pfd = open_beneath(q->src_fd, parent, O_PATH | O_DIRECTORY, 0, BENEATH_NO_SYMLINKS, &why);
	if (pfd < 0)
		return errno == ENOENT ? QUARANTINE_ABSENT
				       : pool_err_fail(e, "%s: %s", q->rel, why ? why : strerror(errno));
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		close(pfd);
		return QUARANTINE_ABSENT;
	}
	if (renameat2(pfd, base, pfd, q->name, RENAME_NOREPLACE) < 0) {
		int err = errno;

		close(pfd);
		if (err == EEXIST)
			return QUARANTINE_TAKEN;
		errno = err;
		return pool_err_sys(e, "renaming it to %s", q->name);
	}
	return pfd;
}

/* A protected path missing at the start: what the machine made there is
 * moved aside, under a name it could not guess. */
static void quarantine_missing(const struct plan *p, const struct pool_user *u, int src_fd,
			       const char *source, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	char name[NAME_MAX + 1];
	struct quarantine q = { .src_fd = src_fd, .rel = rel, .name = name };
	struct pool_err qe = { 0 };
	int r = QUARANTINE_TAKEN;

	for (int tries = 0; r == QUARANTINE_TAKEN && tries < 8; tries++) {
		quarantine_name(slash ? slash + 1 : rel, name, sizeof name);
		r = run_as_user(u, quarantine_one, &q, &qe);
	}
	if (r >= 0) {
		close(r);
		log_warnx("%s: the machine made %s/%s, which pool serves read-only where it exists (the host may run it): moved it to %.*s%s",
			  p->m->name, source, rel, slash ? (int)(slash - rel + 1) : 0, rel, name);
	} else if (r != QUARANTINE_ABSENT) {
		log_warnx("%s: %s/%s was made by the machine and could not be moved away: %s",
			  p->m->name, source, rel, r == QUARANTINE_TAKEN ? "every name taken" : qe.msg);
	}
}

struct nested {
	int src_fd;
	const char *source;
	const char *machine;
	time_t since;		/* the machine's start */
	unsigned seen;
};

/* Made (or, where the file system keeps no birth time, changed) since t. */
static bool new_since(int dirfd, const char *name, time_t t)
{
	struct statx sx;

	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_BTIME | STATX_CTIME, &sx) < 0)
		return false;
	if (sx.stx_mask & STATX_BTIME)
		return sx.stx_btime.tv_sec >= t - 1;
	return sx.stx_ctime.tv_sec >= t - 1;
}

/* One folder of the walk, as the user: a .git or .hg the machine made
 * below the share's top (what git or hg would obey there) is moved aside;
 * the rest is walked into, never through a symlink. */
static void nested_walk(struct nested *n, int dfd, const char *path, int depth)
{
	DIR *d;
	struct dirent *de;

	if (depth > NESTED_DEPTH) {
		close(dfd);
		return;
	}
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	while ((de = readdir(d)) && n->seen < NESTED_MAX) {
		const char *nm = de->d_name;
		char sub[PATH_MAX];
		int fd;

		n->seen++;
		if (!strcmp(nm, ".") || !strcmp(nm, ".."))
			continue;
		snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "/" : "", nm);
		if (depth > 0 && (!strcmp(nm, ".git") || !strcmp(nm, ".hg")) &&
		    new_since(dfd, nm, n->since)) {
			char to[NAME_MAX + 1];

			quarantine_name(nm, to, sizeof to);
			if (renameat2(dfd, nm, dfd, to, RENAME_NOREPLACE) == 0)
				fprintf(stderr, "pool: %s: the machine made %s/%s (a repository the host's git or hg would obey): moved it to %.*s%s\n",
					n->machine, n->source, sub, (int)(strlen(sub) - strlen(nm)), sub, to);
			else
				fprintf(stderr, "pool: %s: the machine made %s/%s and it could not be moved away: %s\n",
					n->machine, n->source, sub, strerror(errno));
			continue;
		}
		if (de->d_type == DT_UNKNOWN) {	/* a file system that does not say */
			struct stat st;

			if (fstatat(dfd, nm, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
				continue;
		} else if (de->d_type != DT_DIR) {
			continue;
		}
		if (!strcmp(nm, ".git") || !strcmp(nm, ".hg") || strstr(nm, ".pool-quarantine-"))
			continue;
		fd = openat(dfd, nm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			nested_walk(n, fd, sub, depth + 1);
	}
	closedir(d);
}

static int nested_child(void *arg, struct pool_err *e)
{
	struct nested *n = arg;
	int fd = openat(n->src_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return pool_err_sys(e, "%s", n->source);
	nested_walk(n, fd, "", 0);
	if (n->seen >= NESTED_MAX)
		fprintf(stderr, "pool: %s: %s holds more than %d entries: pool looked for repositories the machine made in the first %d only\n",
			n->machine, n->source, NESTED_MAX, NESTED_MAX);
	return dup(n->src_fd);
}

void shares_close(const struct plan *p, struct shares *sh)
{
	const struct pool_user *u;
	struct pool_err ignore = { 0 };

	if (sh->opened && pool_user_get(&u, &ignore) == 0) {
		for (size_t i = 0; i < p->nshares; i++) {
			struct nested n = { .src_fd = sh->src_fd[i], .source = p->shares[i].source,
					    .machine = p->m->name, .since = sh->started };
			int r;

			if (p->shares[i].readonly || p->shares[i].host)
				continue;
			for (size_t k = 0; k < sh->missing[i].n; k++)
				quarantine_missing(p, u, sh->src_fd[i], p->shares[i].source, sh->missing[i].v[k]);
			fflush(stderr);
			r = run_as_user(u, nested_child, &n, &ignore);
			if (r >= 0)
				close(r);
		}
	}
	for (size_t i = 0; i < PLAN_SHARES_MAX; i++) {
		strv_free(&sh->missing[i]);
		if (sh->src_fd[i] >= 0)
			close(sh->src_fd[i]);
		sh->src_fd[i] = -1;
	}
	sh->opened = false;
}

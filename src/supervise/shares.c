/* shares.c - a machine's shares: one virtiofsd each. Owner mapping and read-only are
 * enforced on the host side: a user namespace maps the guest's root to the
 * invoking user, and a read-only share is a read-only bind mount made (as
 * real root) before the user namespace, so it is locked read-only there.
 * No set-id bit and no file capability crosses a share (nosetid.h): a
 * seccomp filter installed right before exec, and virtiofsd's xattr map. */
#include "supervise/shares.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plan.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "common/parse.h"
#include "supervise/nosetid.h"

/* Whether the user can enter (and, for a read-write share, write) the
 * folder: checked in a child that becomes that user as virtiofsd will be
 * on the host (uid and primary gid, no supplementary groups). */
static int user_can_use(const char *source, bool readonly, const struct pool_user *u)
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
		_exit(access(source, readonly ? R_OK | X_OK : R_OK | W_OK | X_OK) == 0 ? 0 : 1);
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

static __attribute__((noreturn)) void child(const char *bin, const char *source, bool readonly,
					   int ready_w, int go_r, int listen_fd, int log_fd)
{
	char opt[4200], fdarg[32];
	char c;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(127);
	/* As real root: our own mount namespace, the share read-only there. */
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
		dprintf(log_fd, "pool: virtiofsd: mount namespace: %s\n", strerror(errno));
		_exit(127);
	}
	if (readonly && (mount(source, source, NULL, MS_BIND | MS_REC, NULL) < 0 ||
			 mount(NULL, source, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)) {
		dprintf(log_fd, "pool: virtiofsd: read-only bind of %s: %s\n", source, strerror(errno));
		_exit(127);
	}
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
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
		dprintf(log_fd, "pool: virtiofsd: setresuid in the namespace: %s\n", strerror(errno));
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
	snprintf(opt, sizeof opt, "source=%s,sandbox=namespace,cache=auto,xattr", source);
	/* Last: from here on no mode with a set-id bit reaches the kernel. */
	if (nosetid_install() < 0) {
		dprintf(2, "pool: virtiofsd: set-id filter: %s\n", strerror(errno));
		_exit(127);
	}
	execl(bin, "virtiofsd", fdarg, "-o", opt, "-o", NOSETID_VIRTIOFSD_OPTS, "--rlimit-nofile=65536",
	      (char *)NULL);
	dprintf(2, "pool: exec %s: %s\n", bin, strerror(errno));
	_exit(127);
}

int virtiofsd_start(struct virtiofsd *v, const char *bin, const char *source, bool readonly,
		    const struct pool_user *as, const char *sock_path, int log_fd, struct pool_err *e)
{
	uid_t owner = as ? as->uid : 0;
	gid_t group = as ? as->gid : 0;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int lfd = -1, cfd = -1;
	int ready[2] = { -1, -1 }, go[2] = { -1, -1 };
	char path[64], map[64], c;
	pid_t pid;

	v->pid = -1;
	v->qemu_fd = -1;
	if (as && user_can_use(source, readonly, as) < 0)
		return pool_err_usage(e, "uid %u cannot %s it (a share is served as the user who ran pool)",
				      (unsigned)owner, readonly ? "read" : "read and write");
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
		child(bin, source, readonly, ready[1], go[0], lfd, log_fd);
	close(ready[1]);
	close(go[0]);
	ready[1] = go[0] = -1;
	v->pid = pid;
	if (read(ready[0], &c, 1) != 1) {
		pool_err_fail(e, "virtiofsd for %s did not start (see qemu.log)", source);
		goto fail;
	}
	snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
	write_str(path, "deny");
	snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
	snprintf(map, sizeof map, "0 %u 1\n", (unsigned)owner);
	if (write_str(path, map) < 0) {
		pool_err_sys(e, "virtiofsd uid_map");
		goto fail;
	}
	snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
	snprintf(map, sizeof map, "0 %u 1\n", (unsigned)group);
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
	sh->n = 0;
	for (size_t i = 0; i < PLAN_SHARES_MAX; i++)
		sh->fs[i] = (struct virtiofsd){ .pid = -1, .qemu_fd = -1 };
}

int shares_start(const struct plan *p, struct shares *sh, int log_fd, struct pool_err *e)
{
	const struct pool_user *u;

	if (pool_user_get(&u, e) < 0)
		return -1;
	sh->n = p->nshares;
	for (size_t i = 0; i < p->nshares; i++) {
		const struct plan_share *s = &p->shares[i];
		char sock[PATH_MAX + 32];
		/* The host's /usr and /nix/store (world-readable) are read by
		 * the guest's root as root reads them. Any other store folder
		 * comes from a spec, which may come with a codebase: it is read
		 * as the invoking user, like any share. */
		bool sys = strcmp(s->tag, "usr") == 0 ||
			   (strcmp(s->tag, "store") == 0 && strcmp(s->source, "/nix/store") == 0);

		snprintf(sock, sizeof sock, "%s/%s.sock", p->state_dir, s->tag);
		if (virtiofsd_start(&sh->fs[i], p->paths.virtiofsd, s->source, s->readonly,
				    sys ? NULL : u, sock, log_fd, e) < 0)
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

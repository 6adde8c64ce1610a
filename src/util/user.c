/* user.c - who pool acts for, and working as them (user.h). */
#include "util/user.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/parse.h"

#define ID_MAX 0xfffffffeu	/* (uid_t)-1 means "unchanged" to the kernel */

static int parse_id(const char *s, uint32_t *v)
{
	uint64_t n;
	const char *why;

	if (parse_u64(s, 0, ID_MAX, &n, &why) < 0)
		return -1;
	*v = (uint32_t)n;
	return 0;
}

/* u's name, or "" when the host has none for its uid; its ids stay. */
static void name_of(user_lookup_fn lookup, struct pool_user *u)
{
	uid_t uid;
	gid_t gid;

	if (lookup(NULL, u->uid, &uid, &gid, u->name, sizeof u->name) < 0)
		u->name[0] = '\0';
}

int user_resolve(const struct user_env *env, user_lookup_fn lookup, struct pool_user *u,
		 const char **why)
{
	uint32_t uid, gid;

	memset(u, 0, sizeof *u);
	if (env->sudo_uid || env->sudo_gid) {
		if (!env->sudo_uid || !env->sudo_gid) {
			*why = env->sudo_uid ? "SUDO_UID is set but SUDO_GID is not"
					     : "SUDO_GID is set but SUDO_UID is not";
			return -1;
		}
		if (parse_id(env->sudo_uid, &uid) < 0 || parse_id(env->sudo_gid, &gid) < 0) {
			*why = "SUDO_UID or SUDO_GID is not a number 0..4294967294";
			return -1;
		}
		u->uid = uid;
		u->gid = gid;
		u->via = "SUDO_UID";
		name_of(lookup, u);
		return 0;
	}
	if (env->doas_user) {
		if (lookup(env->doas_user, 0, &u->uid, &u->gid, u->name, sizeof u->name) < 0) {
			*why = "DOAS_USER names no user of this host";
			return -1;
		}
		u->via = "DOAS_USER";
		return 0;
	}
	if (env->pkexec_uid) {
		if (parse_id(env->pkexec_uid, &uid) < 0) {
			*why = "PKEXEC_UID is not a number 0..4294967294";
			return -1;
		}
		if (lookup(NULL, uid, &u->uid, &u->gid, u->name, sizeof u->name) < 0) {
			*why = "PKEXEC_UID names no user of this host";
			return -1;
		}
		u->via = "PKEXEC_UID";
		return 0;
	}
	u->uid = env->real_uid;
	u->gid = env->real_gid;
	u->via = "the real uid";
	name_of(lookup, u);
	return 0;
}

static int nss_lookup(const char *name, uid_t uid, uid_t *out_uid, gid_t *out_gid, char *out_name,
		      size_t cap)
{
	struct passwd *pw = name ? getpwnam(name) : getpwuid(uid);

	if (!pw || strlen(pw->pw_name) >= cap)
		return -1;
	*out_uid = pw->pw_uid;
	*out_gid = pw->pw_gid;
	memcpy(out_name, pw->pw_name, strlen(pw->pw_name) + 1);
	return 0;
}

static const char *env_word(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

int pool_user_get(const struct pool_user **out, struct pool_err *e)
{
	static struct pool_user u;
	static bool known;
	struct user_env env = {
		.sudo_uid = env_word("SUDO_UID"), .sudo_gid = env_word("SUDO_GID"),
		.doas_user = env_word("DOAS_USER"), .pkexec_uid = env_word("PKEXEC_UID"),
		.real_uid = getuid(), .real_gid = getgid(),
	};
	const char *why;
	int n = POOL_USER_GROUPS_MAX;

	if (known) {
		*out = &u;
		return 0;
	}
	if (user_resolve(&env, nss_lookup, &u, &why) < 0)
		return pool_err_usage(e, "%s: refusing to guess who pool acts for", why);
	/* Supplementary groups as the user has them, no more, no fewer; a uid
	 * without a passwd entry has its gid alone. */
	if (u.name[0] && getgrouplist(u.name, u.gid, u.groups, &n) >= 0) {
		u.ngroups = (size_t)n;
	} else {
		u.groups[0] = u.gid;
		u.ngroups = 1;
	}
	known = true;
	*out = &u;
	return 0;
}

int user_become(const struct pool_user *u)
{
	if (setgroups(u->ngroups, u->groups) < 0 || setresgid(u->gid, u->gid, u->gid) < 0 ||
	    setresuid(u->uid, u->uid, u->uid) < 0)
		return -1;
	if (u->uid != 0 && setresuid(0, 0, 0) == 0) {
		errno = EPERM;
		return -1;
	}
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* What the child of run_as_user says: fn's result and error. */
struct as_user_reply {
	int r;
	int status;
	char msg[sizeof ((struct pool_err *)0)->msg];
};

int run_as_user(const struct pool_user *u, as_user_fn fn, void *arg, struct pool_err *e)
{
	struct as_user_reply rep = { .r = -1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm = { 0 };
	struct iovec iov = { .iov_base = &rep, .iov_len = sizeof rep };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	int sv[2], fd = -1, st;
	ssize_t n;
	pid_t pid;

	if (u->uid == 0)
		return fn(arg, e);
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		return pool_err_sys(e, "socketpair");
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return pool_err_sys(e, "fork");
	}
	if (pid == 0) {
		struct pool_err ce = { 0 };

		close(sv[0]);
		if (user_become(u) < 0) {
			pool_err_sys(&ce, "dropping to uid %u", (unsigned)u->uid);
			rep.r = -1;
		} else {
			rep.r = fn(arg, &ce);
		}
		rep.status = ce.status;
		memcpy(rep.msg, ce.msg, sizeof rep.msg);
		if (rep.r >= 0) {
			mh.msg_control = cm.buf;
			mh.msg_controllen = sizeof cm.buf;
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &rep.r, sizeof(int));
		}
		_exit(sendmsg(sv[1], &mh, 0) == (ssize_t)sizeof rep ? 0 : 1);
	}
	close(sv[1]);
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof cm.buf;
	do
		n = recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	close(sv[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof rep)
		return pool_err_fail(e, "working as uid %u: the helper ended without an answer", (unsigned)u->uid);
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (rep.r >= 0) {
		if (fd < 0)
			return pool_err_fail(e, "working as uid %u: no fd came back", (unsigned)u->uid);
		return fd;
	}
	if (fd >= 0)
		close(fd);
	rep.msg[sizeof rep.msg - 1] = '\0';
	pool_err_set(e, rep.status ? rep.status : POOL_EXIT_FAIL, 0, "%s", rep.msg);
	return rep.r;
}

void user_say_root(const struct pool_user *u)
{
	static bool said;

	if (u->uid == 0 && !said)
		log_info("acting for root (%s is 0): the spec's paths are opened, and its shares served, as root",
			 u->via);
	said = true;
}

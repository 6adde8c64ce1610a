/* user.h - who pool acts for, and working as them.
 *
 * pool runs as root, but every host path a spec names is opened, and every
 * share is served, as the user who invoked it. One rule says who that is:
 *
 *   SUDO_UID with SUDO_GID    (sudo; one without the other, or a value
 *                              that does not parse, is refused)
 *   else DOAS_USER            (doas: a user name)
 *   else PKEXEC_UID           (pkexec: a uid)
 *   else the real uid and gid
 *
 * with that user's supplementary groups (getgrouplist), no more and no
 * fewer. When the answer is root, pool says so once (user_say_root). */
#ifndef POOL_USER_H
#define POOL_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

#define POOL_USER_GROUPS_MAX 256

struct pool_user {
	uid_t uid;
	gid_t gid;
	gid_t groups[POOL_USER_GROUPS_MAX];	/* supplementary, gid among them */
	size_t ngroups;
	char name[64];		/* "" when the uid has no passwd entry */
	const char *via;	/* "SUDO_UID", "DOAS_USER", "PKEXEC_UID" or "the real uid" */
};

/* The words of the environment the rule reads, and the real ids. */
struct user_env {
	const char *sudo_uid, *sudo_gid, *doas_user, *pkexec_uid;
	uid_t real_uid;
	gid_t real_gid;
};

/* How names and uids are looked up (getpwnam/getpwuid; tests give their
 * own): fill uid, gid and name (cap bytes) for name, or for uid when name
 * is NULL; 0, or -1 when there is no such user. */
typedef int (*user_lookup_fn)(const char *name, uid_t uid, uid_t *out_uid, gid_t *out_gid,
			      char *out_name, size_t cap);

/* The rule, pure but for lookup: fills uid, gid, name and via (not the
 * groups). 0, or -1 with *why (static text). */
int user_resolve(const struct user_env *env, user_lookup_fn lookup, struct pool_user *u,
		 const char **why);

/* Who this process acts for: the rule over its environment, NSS, and the
 * user's groups. The same answer for the process's life (computed once).
 * -1 with a usage error when the environment breaks the rule. */
int pool_user_get(const struct pool_user **out, struct pool_err *e);

/* When u is root, say so once: "acting for root (...)". */
void user_say_root(const struct pool_user *u);

/* Become u for good (in a child): its groups, gid, uid, no new privileges.
 * 0, or -1 with errno. */
int user_become(const struct pool_user *u);

/* Work on a path that a spec names (which may come with a codebase) as u,
 * never as root: fn runs in a child that became u and returns an fd, or a
 * negative code with e filled; the fd, or the code and e, come back here.
 * For root (u->uid 0) fn runs here. */
typedef int (*as_user_fn)(void *arg, struct pool_err *e);
int run_as_user(const struct pool_user *u, as_user_fn fn, void *arg, struct pool_err *e);

#endif

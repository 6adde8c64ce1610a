/* login.h - roles in the guest: passwd/shadow lookup, password check,
 * login names, and which shell a role gets (pure pieces, unit-tested). */
#ifndef POOL_LOGIN_H
#define POOL_LOGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "common/names.h"

#define LOGIN_USER_MAX POOL_USER_MAX	/* common/names.h: valid_user_name */
#define LOGIN_PATH_MAX 256
#define LOGIN_HASH_MAX 512	/* spec.c refuses longer hashes */
#define LOGIN_LINE_MAX 4096	/* a longer passwd or shadow line is malformed */

/* One /etc/passwd entry. */
struct login_user {
	char name[LOGIN_USER_MAX + 1];
	unsigned uid, gid;
	char home[LOGIN_PATH_MAX];
	char shell[LOGIN_PATH_MAX];	/* may be empty: the default shell */
};

/* [a-z_][a-z0-9_-]{0,31}: what spec.c accepts as a user name. */

/* The next passwd entry of buf[0..len) from *cur on; *cur moves past it.
 * Returns 1 with u filled, 0 at the end, -1 for a malformed line (which
 * is skipped: *cur still moves on). */
int login_passwd_next(const char *buf, size_t len, size_t *cur, struct login_user *u);

/* The passwd entry of name: 0 found, -1 absent (malformed lines never match). */
int login_passwd_find(const char *buf, size_t len, const char *name, struct login_user *u);

/* The hash field of name's shadow entry, copied into hash (cap bytes):
 * 0 found, -1 absent, -2 malformed or longer than cap. */
int login_shadow_find(const char *buf, size_t len, const char *name, char *hash, size_t cap);

/* Console autologin: root's shadow entry is there with an empty hash
 * (the spec declared root without a password). */
bool login_autologin(const char *shadow, size_t len);

/* Whether password matches a crypt(3) hash. An empty, locked ("!...") or
 * disabled ("*...") hash matches nothing. */
bool login_verify(const char *hash, const char *password);

/* --- the role's shell: its own, else nu, then bash, then sh ---
 * Shared with the host (plan.c, `pool check`), which asks the same
 * question of the host's /usr; exists() says whether a path would be an
 * executable in the guest. Static inline so both sides use one list. */

/* nu first where npm's global install puts the real binary, before its
 * node wrapper (/usr/bin/nu from `npm install -g nushell` is a script). */
#define LOGIN_NU_PATHS "/usr/local/bin/nu", \
	"/usr/lib/node_modules/nushell/node_modules/@nushell/linux-x64/bin/nu", \
	"/usr/bin/nu", "/bin/nu"
#define LOGIN_BASH_PATHS "/usr/bin/bash", "/bin/bash"
#define LOGIN_SH_PATHS "/bin/sh", "/usr/bin/sh"

enum login_shell_result {
	LOGIN_SHELL_WANTED = 0,		/* the role's own shell (or the default) */
	LOGIN_SHELL_FALLBACK = 1,	/* the role's shell is missing: the default */
	LOGIN_SHELL_NONE = -1,		/* not even sh: out is "/bin/sh" anyway */
};

static inline int login_shell_first_(const char *const *paths, size_t n,
				     bool (*exists)(const char *, void *), void *ctx,
				     char *out, size_t cap)
{
	for (size_t i = 0; i < n; i++) {
		if (exists(paths[i], ctx)) {
			snprintf(out, cap, "%s", paths[i]);
			return 0;
		}
	}
	return -1;
}

/* wanted: NULL or "" for the default; "nu", "bash", a bare name looked up
 * in /usr/local/bin, /usr/bin, /bin; or an absolute path. */
static inline int login_shell_resolve(const char *wanted, bool (*exists)(const char *, void *),
				      void *ctx, char *out, size_t cap)
{
	static const char *const nu[] = { LOGIN_NU_PATHS };
	static const char *const bash[] = { LOGIN_BASH_PATHS };
	static const char *const sh[] = { LOGIN_SH_PATHS };
	bool fallback = false;

	if (wanted && *wanted) {
		char p[3][LOGIN_PATH_MAX];
		const char *const dirs[] = { "/usr/local/bin", "/usr/bin", "/bin" };
		const char *pp[3];

		if (wanted[0] == '/') {
			if (strlen(wanted) < cap && exists(wanted, ctx)) {
				snprintf(out, cap, "%s", wanted);
				return LOGIN_SHELL_WANTED;
			}
		} else if (strcmp(wanted, "nu") == 0) {
			if (login_shell_first_(nu, sizeof nu / sizeof nu[0], exists, ctx, out, cap) == 0)
				return LOGIN_SHELL_WANTED;
		} else if (!strchr(wanted, '/') && strlen(wanted) < 64) {
			for (size_t i = 0; i < 3; i++) {
				snprintf(p[i], sizeof p[i], "%s/%s", dirs[i], wanted);
				pp[i] = p[i];
			}
			if (login_shell_first_(pp, 3, exists, ctx, out, cap) == 0)
				return LOGIN_SHELL_WANTED;
		}
		fallback = true;
	}
	if (login_shell_first_(nu, sizeof nu / sizeof nu[0], exists, ctx, out, cap) == 0 ||
	    login_shell_first_(bash, sizeof bash / sizeof bash[0], exists, ctx, out, cap) == 0 ||
	    login_shell_first_(sh, sizeof sh / sizeof sh[0], exists, ctx, out, cap) == 0)
		return fallback ? LOGIN_SHELL_FALLBACK : LOGIN_SHELL_WANTED;
	snprintf(out, cap, "/bin/sh");
	return LOGIN_SHELL_NONE;
}

#endif

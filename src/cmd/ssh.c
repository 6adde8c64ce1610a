/* ssh.c - pool ssh [-i KEY] NAME [-- CMD...]: the system's ssh, as the
 * invoking user, to the machine's address as its first role with keys,
 * checking the host key the machine was given at boot. */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd/usage.h"
#include "common/names.h"
#include "supervise/sshkeys.h"
#include "util/cleanup.h"
#include "common/parse.h"
#include "util/strv.h"
#include "util/user.h"
#include "cmd/ctl_client.h"
#include "supervise/state.h"


/* The first line of a small file in the machine's state folder. */
static int read_line(const char *dir, const char *file, char *out, size_t cap)
{
	char path[PATH_MAX + 64];
	FILE *f;
	int r = -1;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	/* a line longer than cap is not ours */
	if (fgets(out, (int)cap, f) && (strchr(out, '\n') || feof(f))) {
		out[strcspn(out, "\n")] = '\0';
		r = 0;
	}
	fclose(f);
	return r;
}

/* "ssh-ed25519 BASE64 comment" -> "ssh-ed25519 BASE64" in out. */
static int host_key(const char *line, char *out, size_t cap)
{
	const char *sp = strchr(line, ' ');
	size_t tlen, klen;

	if (!sp)
		return -1;
	tlen = (size_t)(sp - line);
	klen = strcspn(sp + 1, " ");
	if (tlen != strlen("ssh-ed25519") || strncmp(line, "ssh-ed25519", tlen) != 0 ||
	    klen == 0 || klen > 200 ||
	    strspn(sp + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != klen ||
	    tlen + 1 + klen >= cap)
		return -1;
	snprintf(out, cap, "%.*s", (int)(tlen + 1 + klen), line);
	return 0;
}

/* Run ssh as the user pool acts for (util/user.h), with that user's home
 * and keys. */
static int become_invoking_user(struct pool_err *e)
{
	const struct pool_user *u;
	struct passwd *pw;

	if (pool_user_get(&u, e) < 0)
		return -1;
	if (geteuid() != 0 || u->uid == 0)
		return 0;	/* already that user, or root ran it */
	pw = getpwuid(u->uid);
	if (user_become(u) < 0)
		return pool_err_sys(e, "ssh: becoming uid %u", (unsigned)u->uid);
	if (pw) {
		setenv("HOME", pw->pw_dir, 1);
		setenv("USER", pw->pw_name, 1);
		setenv("LOGNAME", pw->pw_name, 1);
	}
	return 0;
}

int cmd_ssh(int argc, char **argv, struct pool_err *e)
{
	const char *state = state_root(), *identity = NULL, *name = NULL;
	char dir[PATH_MAX], addr[32], user[64], publine[512], key[300], known[400];
	struct strv args = { 0 };
	uint32_t a;
	const char *why;
	int i = 1;

	for (; i < argc && !name; i++) {
		if (strcmp(argv[i], "-i") == 0 && i + 1 < argc) {
			identity = argv[++i];
		} else if (argv[i][0] == '-') {
			return unexpected(e, argv[0], argv[i]);
		} else {
			name = argv[i];
		}
	}
	if (!name)
		return cmd_usage_error(e, argv[0], NULL);
	if (i < argc && strcmp(argv[i], "--") != 0)
		return cmd_usage_error(e, argv[0], "give the command after --");
	if (i < argc && i + 1 == argc)
		return cmd_usage_error(e, argv[0], "-- without a command");
	if (!valid_machine_name(name))
		return pool_err_usage(e, "ssh: %s is not a machine name", name);
	if ((size_t)snprintf(dir, sizeof dir, "%s/%s", state, name) >= sizeof dir)
		return pool_err_usage(e, "ssh: POOL_STATE_DIR is too long");
	if (access(dir, F_OK) < 0)
		return pool_err_fail(e, "ssh: machine %s is not running (%s)", name, dir);
	{
		struct machine_entry me;
		struct pool_err ignore = { 0 };

		if (machine_probe(state, name, &me, &ignore) != 0 || !me.have_status ||
		    parse_ipv4(me.st.address, &a, &why) < 0)
			return pool_err_fail(e, "ssh: machine %s has no address (network: none?)", name);
		snprintf(addr, sizeof addr, "%s", me.st.address);
		/* A spare is nobody's until a run claims it (supervise/spare.h). */
		if (ctl_query(state, name, &me.st, &ignore) == 0 && me.st.state == CTL_SPARE)
			return pool_err_fail(e, "ssh: machine %s is a spare: nobody uses it before a run claims it",
					     name);
	}
	if (read_line(dir, SSHKEYS_USER, user, sizeof user) < 0)
		return pool_err_fail(e, "ssh: machine %s has no role with ssh keys (users: NAME: {keys: [...]})",
				     name);
	if (!valid_user_name(user))
		return pool_err_fail(e, "ssh: %s/%s: not a user name", dir, SSHKEYS_USER);
	if (read_line(dir, SSHKEYS_HOST_KEY ".pub", publine, sizeof publine) < 0 ||
	    host_key(publine, key, sizeof key) < 0)
		return pool_err_fail(e, "ssh: %s/%s.pub: no ed25519 host key", dir, SSHKEYS_HOST_KEY);
	/* The host key is checked against what pool made for this boot; no
	 * known_hosts file is read or written. */
	snprintf(known, sizeof known, "KnownHostsCommand=/bin/echo %s %s", addr, key);
	if (become_invoking_user(e) < 0)
		return -1;
	if (strv_add(&args, "ssh") < 0 ||
	    strv_add(&args, "-o") < 0 || strv_add(&args, "StrictHostKeyChecking=yes") < 0 ||
	    strv_add(&args, "-o") < 0 || strv_add(&args, "UserKnownHostsFile=/dev/null") < 0 ||
	    strv_add(&args, "-o") < 0 || strv_add(&args, "GlobalKnownHostsFile=/dev/null") < 0 ||
	    strv_add(&args, "-o") < 0 || strv_add(&args, known) < 0 ||
	    strv_add(&args, "-o") < 0 || strv_add(&args, "PasswordAuthentication=no") < 0 ||
	    (identity && (strv_add(&args, "-i") < 0 || strv_add(&args, identity) < 0 ||
			  strv_add(&args, "-o") < 0 || strv_add(&args, "IdentitiesOnly=yes") < 0)) ||
	    strv_add(&args, "-l") < 0 || strv_add(&args, user) < 0 ||
	    strv_add(&args, addr) < 0)
		return pool_err_sys(e, "ssh");
	for (; i < argc; i++)
		if (strv_add(&args, argv[i]) < 0)
			return pool_err_sys(e, "ssh");
	execvp("ssh", args.v);
	pool_err_sys(e, "ssh: cannot run ssh (apt-get install openssh-client)");
	strv_free(&args);
	return -1;
}

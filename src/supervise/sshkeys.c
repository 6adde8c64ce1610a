/* sshkeys.c - the machine's ssh identity: an ed25519 host key made by the
 * host's ssh-keygen at every boot, in the machine's state folder. */
#include "sshkeys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/proc.h"

static const char *const keygen_paths[] = { "/usr/bin/ssh-keygen", "/bin/ssh-keygen" };

int sshkeys_make(const struct plan *p, struct pool_err *e)
{
	const struct role *first = NULL;
	const char *keygen = NULL;
	char key[PATH_MAX + 64], pub[PATH_MAX + 64], user[PATH_MAX + 64], comment[64];
	_cleanup_close_ int fd = -1;

	for (size_t i = 0; i < p->m->nusers && !first; i++)
		if (p->m->users[i].nkeys)
			first = &p->m->users[i];
	if (!first)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(keygen_paths) && !keygen; i++)
		if (access(keygen_paths[i], X_OK) == 0)
			keygen = keygen_paths[i];
	if (!keygen)
		return pool_err_fail(e, "users: %s has ssh keys, but ssh-keygen is missing (apt-get install openssh-client)",
				     first->name);
	snprintf(key, sizeof key, "%s/" SSHKEYS_HOST_KEY, p->state_dir);
	snprintf(pub, sizeof pub, "%s.pub", key);
	snprintf(user, sizeof user, "%s/" SSHKEYS_USER, p->state_dir);
	snprintf(comment, sizeof comment, "pool-%s", p->m->name);
	unlink(key);
	unlink(pub);
	{
		const char *argv[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", key, NULL };
		struct proc_opts o = { .path = keygen, .argv = argv, .fd3 = -1, .umask077 = true };

		if (proc_run(&o, NULL, NULL, e) != 0)
			return pool_err_fail(e, "%s: ssh-keygen failed", key);
	}
	if (chmod(key, 0600) < 0 || chmod(pub, 0644) < 0)
		return pool_err_sys(e, "%s", key);
	fd = open(user, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || dprintf(fd, "%s\n", first->name) < 0)
		return pool_err_sys(e, "%s", user);
	return 0;
}

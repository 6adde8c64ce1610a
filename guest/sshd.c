/* sshd.c - the guest's ssh server: the host image's /usr/sbin/sshd, keys
 * only, with the per-machine host key pool shipped in the initramfs. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

#define SSHD "/usr/sbin/sshd"
#define HOST_KEY "/etc/ssh/ssh_host_ed25519_key"
#define CONFIG "/etc/ssh/sshd_config"

static const char config[] =
	"# written by pool-init: public keys only\n"
	"HostKey " HOST_KEY "\n"
	"PubkeyAuthentication yes\n"
	"AuthorizedKeysFile .ssh/authorized_keys\n"
	"PasswordAuthentication no\n"
	"KbdInteractiveAuthentication no\n"
	"PermitEmptyPasswords no\n"
	"PermitRootLogin prohibit-password\n"
	"UsePAM no\n"
	"PrintMotd no\n"
	"PrintLastLog no\n"
	"PidFile /run/sshd.pid\n"
	"Subsystem sftp /usr/lib/openssh/sftp-server\n";

int sshd_start(void)
{
	/* -D: stays PID 1's child; -e: its log to /run/sshd.log */
	char *const argv[] = { (char *)SSHD, (char *)"-D", (char *)"-e", (char *)"-f", (char *)CONFIG, NULL };
	struct stat st;
	int fd;

	if (access(SSHD, X_OK) < 0) {
		glog("sshd: roles have ssh keys but %s is missing (image host, with openssh-server on the host)",
		     SSHD);
		return -1;
	}
	if (lstat(HOST_KEY, &st) < 0 || !S_ISREG(st.st_mode)) {
		glog("sshd: no host key at %s", HOST_KEY);
		return -1;
	}
	if (chown(HOST_KEY, 0, 0) < 0 || chmod(HOST_KEY, 0600) < 0)
		glog("sshd: %s: %s", HOST_KEY, strerror(errno));
	mkdir("/etc/ssh", 0755);
	mkdir("/run/sshd", 0755);	/* privilege separation: root's, not writable by others */
	chmod("/run/sshd", 0755);
	fd = open(CONFIG, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || write(fd, config, sizeof config - 1) != (ssize_t)(sizeof config - 1)) {
		glog("sshd: %s: %s", CONFIG, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);

	return spawn_daemon("sshd", "/run/sshd.log", argv);
}

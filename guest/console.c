/* console.c - the serial console: a root shell with no login prompt. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include "guest.h"

static const char *const shells[] = {
	"/usr/bin/nu", "/bin/nu", "/usr/local/bin/nu",
	"/bin/bash", "/usr/bin/bash",
	"/bin/sh",
};

const char *shell_for(const char *wanted)
{
	static char found[256];

	if (wanted && *wanted) {
		if (wanted[0] == '/' && access(wanted, X_OK) == 0)
			return wanted;
		if (wanted[0] != '/') {
			const char *dirs[] = { "/usr/bin", "/bin", "/usr/local/bin" };

			for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
				snprintf(found, sizeof found, "%s/%s", dirs[i], wanted);
				if (access(found, X_OK) == 0)
					return found;
			}
		}
		glog("shell %s not found; using the default", wanted);
	}
	for (size_t i = 0; i < sizeof shells / sizeof shells[0]; i++)
		if (access(shells[i], X_OK) == 0)
			return shells[i];
	return "/bin/sh";
}

int console_spawn(void)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid < 0 ? -1 : pid;

	/* child */
	sigset_t none;
	const char *sh = shell_for(getenv("POOL_SHELL"));
	const char *base = strrchr(sh, '/') ? strrchr(sh, '/') + 1 : sh;
	char argv0[64];
	int fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	fd = open("/dev/ttyS0", O_RDWR);
	if (fd < 0)
		fd = open("/dev/console", O_RDWR);
	if (fd < 0)
		_exit(1);
	ioctl(fd, TIOCSCTTY, 1);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	chdir("/root");
	setenv("HOME", "/root", 1);
	setenv("USER", "root", 1);
	setenv("LOGNAME", "root", 1);
	setenv("SHELL", sh, 1);
	snprintf(argv0, sizeof argv0, "-%s", base);
	if (strcmp(base, "nu") == 0)
		execl(sh, argv0, "--login", (char *)NULL);
	else
		execl(sh, argv0, (char *)NULL);
	glog("exec %s: %s", sh, strerror(errno));
	_exit(127);
}

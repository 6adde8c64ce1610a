/* mesh.c - the machine's Nebula node: started when pool put a mesh in the
 * image (/etc/pool/mesh/config.yml and the key, certificate and CA
 * bundle beside it), and started again when it dies. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

#define MESH_DIR "/etc/pool/mesh"
#define MESH_CONFIG MESH_DIR "/config.yml"
#define NEBULA "/usr/bin/nebula"
#define NEBULA_LOG "/run/nebula.log"

bool mesh_wanted(void)
{
	struct stat st;

	return lstat(MESH_CONFIG, &st) == 0 && S_ISREG(st.st_mode);
}

int mesh_start(void)
{
	static const char *const files[] = { "ca.crt", "host.crt", "host.key", "config.yml" };
	pid_t pid;

	if (access(NEBULA, X_OK) < 0) {
		glog("mesh: %s is missing", NEBULA);
		return -1;
	}
	/* root's alone, whatever the archive said */
	chmod(MESH_DIR, 0700);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[64];

		snprintf(path, sizeof path, MESH_DIR "/%s", files[i]);
		if (chown(path, 0, 0) < 0 || chmod(path, 0600) < 0)
			glog("mesh: %s: %s", path, strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		glog("mesh: fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		int log = open(NEBULA_LOG, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		int null = open("/dev/null", O_RDONLY);

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		if (log >= 0) {
			dup2(log, 1);
			dup2(log, 2);
		}
		if (null >= 0)
			dup2(null, 0);
		execl(NEBULA, "nebula", "-config", MESH_CONFIG, (char *)NULL);
		dprintf(2, "exec %s: %s\n", NEBULA, strerror(errno));
		_exit(127);
	}
	glog("mesh: nebula started (pid %d)", (int)pid);
	return pid;
}

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
	char *const argv[] = { (char *)NEBULA, (char *)"-config", (char *)MESH_CONFIG, NULL };

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
	return spawn_daemon("mesh: nebula", NEBULA_LOG, argv);
}

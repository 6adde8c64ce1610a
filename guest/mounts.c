/* mounts.c - the machine's shares (virtiofs) and, for image host, a root
 * laid out like the host's merged /usr around the host's read-only /usr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"
#include "common/parse.h"

/* bin, sbin, lib from the image give way to the host's (merged /usr). The
 * image's own stay under /.pool for pool-init's needs. */
static void host_layout(void)
{
	static const char *const dirs[] = { "bin", "sbin", "lib", "lib64" };

	mkdir("/.pool", 0755);
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		char usr[32], old[32], top[32];
		struct stat st;

		snprintf(usr, sizeof usr, "/usr/%s", dirs[i]);
		snprintf(top, sizeof top, "/%s", dirs[i]);
		snprintf(old, sizeof old, "/.pool/%s", dirs[i]);
		if (stat(usr, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (lstat(top, &st) == 0 && rename(top, old) < 0) {
			glog("moving %s aside: %s", top, strerror(errno));
			continue;
		}
		if (symlink(usr + 1, top) < 0)
			glog("symlink %s: %s", top, strerror(errno));
	}
	/* shutdown, poweroff, halt and reboot are pool-init's, not the host's. */
	mkdir("/run/pool", 0755);
	mkdir("/run/pool/bin", 0755);
	symlink("/init", "/run/pool/bin/shutdown");
	symlink("/init", "/run/pool/bin/poweroff");
	symlink("/init", "/run/pool/bin/halt");
	symlink("/init", "/run/pool/bin/reboot");
	setenv("PATH", "/run/pool/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
}

int mounts_setup(void)
{
	FILE *f = fopen("/etc/pool/mounts", "re");
	const char *image = getenv("POOL_IMAGE");
	char line[600];
	int failed = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		char *fld[3], *tag, *target, *mode;

		/* "TAG TARGET ro|rw" */
		if (split_fields(line, fld, 3) != 3 || fld[1][0] != '/' || strlen(fld[0]) > 31)
			continue;
		tag = fld[0];
		target = fld[1];
		mode = fld[2];
		mkdir_p(target);
		if (mount(tag, target, "virtiofs", strcmp(mode, "ro") == 0 ? MS_RDONLY : 0, NULL) < 0) {
			glog("mount share %s on %s: %s", tag, target, strerror(errno));
			failed++;
			continue;
		}
		if (strcmp(tag, "usr") == 0 && image && strcmp(image, "host") == 0)
			host_layout();
	}
	fclose(f);
	return failed;
}

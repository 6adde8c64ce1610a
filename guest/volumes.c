/* volumes.c - mount the machine's volumes: virtio-blk disks found by serial, ext4. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#include "common/parse.h"

#define VOLUMES_FILE "/etc/pool/volumes"
#define FIND_TRIES 40	/* 40 x 50 ms: disks probed late still count */


/* The vdX whose virtio serial is `serial`, into dev ("/dev/vdX"). */
static int find_disk(const char *serial, char *dev, size_t cap)
{
	DIR *d = opendir("/sys/block");
	struct dirent *de;
	int found = -1;

	if (!d)
		return -1;
	while (found < 0 && (de = readdir(d))) {
		char path[300], buf[32];

		if (strncmp(de->d_name, "vd", 2) != 0 || strlen(de->d_name) > 16)
			continue;
		snprintf(path, sizeof path, "/sys/block/%s/serial", de->d_name);
		if (read_line_file(path, buf, sizeof buf) < 0)
			continue;
		if (strcmp(buf, serial) == 0 &&
		    (size_t)snprintf(dev, cap, "/dev/%s", de->d_name) < cap)
			found = 0;
	}
	closedir(d);
	return found;
}

int volumes_setup(void)
{
	FILE *f = fopen(VOLUMES_FILE, "re");
	char line[600];
	int failed = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		struct timespec pause = { .tv_sec = 0, .tv_nsec = 50 * 1000000 };
		char *fld[2], *serial, *target, dev[64];
		int tries = 0;

		/* "SERIAL TARGET" */
		if (split_fields(line, fld, 2) != 2 || fld[1][0] != '/' || strlen(fld[0]) > 15)
			continue;
		serial = fld[0];
		target = fld[1];
		while (find_disk(serial, dev, sizeof dev) < 0 && ++tries < FIND_TRIES)
			nanosleep(&pause, NULL);
		if (tries >= FIND_TRIES) {
			glog("volume %s: no virtio disk with that serial", serial);
			failed++;
			continue;
		}
		mkdir_p(target);
		if (mount(dev, target, "ext4", MS_NOATIME, NULL) < 0) {
			glog("mount volume %s (%s) on %s: %s", serial, dev, target, strerror(errno));
			failed++;
		}
	}
	fclose(f);
	return failed;
}

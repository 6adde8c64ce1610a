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

#define VOLUMES_FILE "/etc/pool/volumes"
#define FIND_TRIES 40	/* 40 x 50 ms: disks probed late still count */

static void make_dirs(const char *path)
{
	char buf[512];

	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return;
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(buf, 0755);
		*s = '/';
	}
	mkdir(buf, 0755);
}

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
		ssize_t n;
		int fd;

		if (strncmp(de->d_name, "vd", 2) != 0 || strlen(de->d_name) > 16)
			continue;
		snprintf(path, sizeof path, "/sys/block/%s/serial", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
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
		char serial[16], target[512], dev[64];
		int tries = 0;

		if (sscanf(line, "%15s %511s", serial, target) != 2 || target[0] != '/')
			continue;
		while (find_disk(serial, dev, sizeof dev) < 0 && ++tries < FIND_TRIES)
			nanosleep(&pause, NULL);
		if (tries >= FIND_TRIES) {
			glog("volume %s: no virtio disk with that serial", serial);
			failed++;
			continue;
		}
		make_dirs(target);
		if (mount(dev, target, "ext4", MS_NOATIME, NULL) < 0) {
			glog("mount volume %s (%s) on %s: %s", serial, dev, target, strerror(errno));
			failed++;
		}
	}
	fclose(f);
	return failed;
}

/* mesh.c - the machine's Nebula node: started when pool put a mesh in the
 * image (/etc/pool/mesh/config.yml and the key, certificate and CA
 * bundle beside it), and started again when it dies. The host sends the
 * four files again over the agent (MESH_FILES): before the certificate
 * expires, and at READY where the image had no room for them (nixos);
 * they replace the old ones, and nebula reloads them. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#include "common/agent_msg.h"

#define MESH_DIR "/etc/pool/mesh"
#define MESH_CONFIG MESH_DIR "/config.yml"
#define NEBULA "/usr/bin/nebula"
#define NEBULA_LOG "/run/nebula.log"
#define NEBULA_UNIT "pool-nebula.service"	/* nix/modules/guest.nix */

bool mesh_wanted(void)
{
	struct stat st;

	return lstat(MESH_CONFIG, &st) == 0 && S_ISREG(st.st_mode);
}

int mesh_start(void)
{
	char *const argv[] = { (char *)NEBULA, (char *)"-config", (char *)MESH_CONFIG, NULL };

	if (access(NEBULA, X_OK) < 0) {
		glog("mesh: %s is missing", NEBULA);
		return -1;
	}
	/* root's alone, whatever the archive said */
	chmod(MESH_DIR, 0700);
	for (unsigned i = 0; i < AGENT_MESH_NFILES; i++) {
		char path[64];

		snprintf(path, sizeof path, MESH_DIR "/%s", agent_mesh_file_name[i]);
		if (chown(path, 0, 0) < 0 || chmod(path, 0600) < 0)
			glog("mesh: %s: %s", path, strerror(errno));
	}
	return spawn_daemon("mesh: nebula", NEBULA_LOG, argv);
}

void mesh_reload(pid_t *pid, time_t *last)
{
	if (*pid > 0) {
		kill(*pid, SIGHUP);
		glog("mesh: new files; nebula reloads them");
	} else if (mesh_wanted()) {
		*last = time(NULL);
		*pid = mesh_start();
	}
}

/* The certificate is valid from when the host signed it: a clock behind
 * the host's (an RTC of whole seconds; a guest under TCG falls behind)
 * would have nebula refuse it as not valid yet. Only ever forward. */
static void clock_catch_up(uint64_t signed_at)
{
	struct timespec now, t = { .tv_sec = (time_t)signed_at };

	if (clock_gettime(CLOCK_REALTIME, &now) < 0 || (uint64_t)now.tv_sec >= signed_at)
		return;
	if (clock_settime(CLOCK_REALTIME, &t) < 0)
		glog("mesh: the clock is %llu s behind the host's: %s",
		     (unsigned long long)(signed_at - (uint64_t)now.tv_sec), strerror(errno));
	else
		glog("mesh: the clock was %llu s behind the host's; set forward",
		     (unsigned long long)(signed_at - (uint64_t)now.tv_sec));
}

/* /etc/pool/mesh, root's and 0700, a folder and no link: its fd. */
static int mesh_dir(void)
{
	struct stat st;
	int fd;

	if (mkdir("/etc/pool", 0755) < 0 && errno != EEXIST)
		return -1;
	if (mkdir(MESH_DIR, 0700) < 0 && errno != EEXIST)
		return -1;
	fd = open(MESH_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (st.st_uid != 0 && fchown(fd, 0, 0) < 0) ||
	    ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One file as NAME.new beside NAME: root's, 0600, all of it on disk. */
static int write_new(int dir, const char *name, const uint8_t *p, size_t n)
{
	char tmp[32];
	int fd;

	snprintf(tmp, sizeof tmp, ".%s.new", name);
	if (unlinkat(dir, tmp, 0) < 0 && errno != ENOENT)
		return -1;
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (fchown(fd, 0, 0) < 0 || fchmod(fd, 0600) < 0)
		goto fail;
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		p += w;
		n -= (size_t)w;
	}
	if (fsync(fd) < 0)
		goto fail;
	return close(fd);
fail:
	close(fd);
	unlinkat(dir, tmp, 0);
	return -1;
}

/* pool-init --agent under systemd (NixOS): the guest module's
 * pool-nebula.service starts, or reloads (SIGHUP), on the new files.
 * Not waited for: the agent reaps it with its other children. */
static void tell_systemd(void)
{
	char *const argv[] = { (char *)"systemctl", (char *)"--no-block", (char *)"reload-or-restart",
			       (char *)NEBULA_UNIT, NULL };
	pid_t pid = fork();

	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0)
		glog("mesh: fork: %s", strerror(errno));
}

int mesh_files(const uint8_t *p, size_t n, bool tell_init)
{
	struct agent_mesh_files f;
	const char *why = NULL;
	unsigned i;
	int dir, r = 0;

	if (agent_mesh_files_decode(p, n, &f, &why) < 0) {
		glog("mesh: files from the host refused: %s", why);
		return -1;
	}
	clock_catch_up(f.signed_at);
	dir = mesh_dir();
	if (dir < 0) {
		glog("mesh: %s: %s", MESH_DIR, strerror(errno));
		return -1;
	}
	/* all four written before any replaces its old one; config.yml,
	 * which says there is a mesh, last */
	for (i = 0; i < AGENT_MESH_NFILES && r == 0; i++)
		r = write_new(dir, agent_mesh_file_name[i], f.data[i], f.len[i]);
	for (i = 0; i < AGENT_MESH_NFILES && r == 0; i++) {
		char tmp[32];

		snprintf(tmp, sizeof tmp, ".%s.new", agent_mesh_file_name[i]);
		r = renameat(dir, tmp, dir, agent_mesh_file_name[i]);
	}
	if (r < 0) {
		glog("mesh: writing %s: %s", MESH_DIR, strerror(errno));
		for (i = 0; i < AGENT_MESH_NFILES; i++) {
			char tmp[32];

			snprintf(tmp, sizeof tmp, ".%s.new", agent_mesh_file_name[i]);
			unlinkat(dir, tmp, 0);
		}
	} else {
		fsync(dir);
	}
	close(dir);
	if (r < 0)
		return -1;
	if (tell_init)
		kill(1, SIGHUP);	/* pool-init as PID 1: nebula reloads, or starts (init.c) */
	else
		tell_systemd();
	return 0;
}

/* state.c - the one owner of the state root ($POOL_STATE_DIR) and of
 * each machine's folder in it: layout, locks, probe, reclaim, addresses,
 * status, volume holders, channel records (state.h). */
#include "supervise/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/names.h"
#include "common/parse.h"
#include "common/log.h"
#include "image/volume_image.h"
#include "net/channel.h"
#include "net/machine_net.h"
#include "util/cgroup.h"
#include "util/cleanup.h"
#include "util/fsutil.h"

#define STATE_LAST ".last"
#define VOLUMES_RECORD_MAX (64u << 10)

int state_lock(const char *root, bool create, struct pool_err *e)
{
	char path[PATH_MAX];
	int fd;

	if (create) {
		if (mkdir_p(root, 0755, e) < 0)
			return pool_err_wrap(e, "state folder");
		if (dir_private(root, e) < 0)
			return -1;
	}
	snprintf(path, sizeof path, "%s/.lock", root);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno == EACCES)
			return pool_err_usage(e, "%s: permission denied (pool needs root: try sudo)", root);
		return pool_err_sys(e, "%s", path);
	}
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return pool_err_sys(e, "%s", path);
	}
	return fd;
}

static int read_status_file(const char *dir, struct ctl_status *st)
{
	char path[PATH_MAX + 16];
	_cleanup_free_ char *text = NULL;
	size_t len;
	const char *why;
	struct pool_err ignore = { 0 };

	snprintf(path, sizeof path, "%s/status", dir);
	if (read_file(path, CTL_STATUS_MAX, &text, &len, &ignore) < 0)
		return -1;
	return ctl_status_decode((const uint8_t *)text, len, st, &why);
}

int machine_probe(const char *root, const char *name, struct machine_entry *m,
		  struct pool_err *e)
{
	char dir[PATH_MAX], lock[PATH_MAX + 8];
	_cleanup_close_ int fd = -1;
	struct stat sb;

	memset(m, 0, sizeof *m);
	if (!valid_machine_name(name))
		return 1;
	snprintf(dir, sizeof dir, "%s/%s", root, name);
	if (lstat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return 1;
	snprintf(lock, sizeof lock, "%s/lock", dir);
	fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)	/* every machine folder has its lock first */
		return errno == ENOENT ? 1 : pool_err_sys(e, "%s", lock);
	/* The supervisor holds an exclusive lock for as long as it lives. */
	m->alive = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	m->have_status = read_status_file(dir, &m->st) == 0;
	if (!m->have_status)
		snprintf(m->st.name, sizeof m->st.name, "%s", name);
	return 0;
}

static int net_reclaim(const char *name, const struct machine_entry *m, struct pool_err *e)
{
	struct machine_net mn;
	uint32_t ip;
	const char *why;

	if (!m->have_status || !m->st.address[0] || !m->st.channel[0])
		return 0;
	if (parse_ipv4(m->st.address, &ip, &why) == 0 && machine_net_init(&mn, name, ip) == 0 &&
	    machine_net_del(m->st.channel, &mn, e) < 0)
		return pool_err_wrap(e, "reclaiming %s's rules", name);
	return 0;
}

/* A dead machine's memory cgroup: its hypervisor died with its
 * supervisor (the parent-death signal), so it is empty or soon will be. */
static int cgroup_reclaim(const char *root, const char *name, struct pool_err *e)
{
	char dir[PATH_MAX], key[POOL_NAME_MAX + 16];

	snprintf(dir, sizeof dir, "%s/%s", root, name);
	cgroup_key(dir, name, key, sizeof key);
	return cgroup_machine_remove(key, e);
}

int machine_net_reclaim(const char *root, const char *name, struct pool_err *e)
{
	struct machine_entry m = { 0 };
	char dir[PATH_MAX];

	snprintf(dir, sizeof dir, "%s/%s", root, name);
	m.have_status = read_status_file(dir, &m.st) == 0;
	if (!m.have_status) {
		char status[PATH_MAX + 16];

		snprintf(status, sizeof status, "%s/status", dir);
		if (access(status, F_OK) == 0)
			log_warnx("%s: unreadable status file; its network rules, if any, stay", name);
		return 0;
	}
	return net_reclaim(name, &m, e);
}

bool machine_stays_up(const char *root, const char *name, unsigned ms)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	struct pool_err ignore = { 0 };
	struct machine_entry m;

	for (unsigned waited = 0;; waited += 100) {
		if (machine_probe(root, name, &m, &ignore) != 0 || !m.alive)
			return false;
		if (waited >= ms)
			return true;
		nanosleep(&tick, NULL);
	}
}

void state_last_dir(const char *root, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/" STATE_LAST "/%s", root, name);
}

/* The machine folder dir's console log, to root/.last/NAME (what was
 * kept of an earlier NAME goes). Call with the root lock held. */
static void keep_last_log(const char *root, const char *dir)
{
	static const char *const logs[] = { "console.log", "console.log.1" };
	const char *name = strrchr(dir, '/');
	char last[PATH_MAX], from[PATH_MAX + 32], to[PATH_MAX + 32];
	struct pool_err ignore = { 0 };

	if (!name || !valid_machine_name(name + 1))
		return;
	snprintf(last, sizeof last, "%s/" STATE_LAST, root);
	if (mkdir(last, 0700) < 0 && errno != EEXIST)
		return;
	state_last_dir(root, name + 1, last, sizeof last);
	rm_rf(last, &ignore);
	if (mkdir(last, 0700) < 0)
		return;
	for (size_t i = 0; i < sizeof logs / sizeof logs[0]; i++) {
		snprintf(from, sizeof from, "%s/%s", dir, logs[i]);
		snprintf(to, sizeof to, "%s/%s", last, logs[i]);
		if (rename(from, to) < 0 && errno != ENOENT)
			log_debug("keeping %s: %s", from, strerror(errno));
	}
}

int machine_reclaim(const char *root, const char *name, struct pool_err *e)
{
	struct machine_entry m;
	char dir[PATH_MAX];
	int r = machine_probe(root, name, &m, e);

	if (r != 0)
		return r < 0 ? -1 : 0;
	if (m.alive)
		return pool_err_fail(e, "machine %s is running; not reclaiming it", name);
	if (net_reclaim(name, &m, e) < 0 || cgroup_reclaim(root, name, e) < 0)
		return -1;
	snprintf(dir, sizeof dir, "%s/%s", root, name);
	keep_last_log(root, dir);
	return rm_rf(dir, e);
}

int machine_address_free(const char *root, const char *name, const char *channel,
			 uint32_t ip, struct pool_err *e)
{
	DIR *d = opendir(root);
	struct dirent *de;
	char want[16];
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : pool_err_sys(e, "%s", root);
	ipv4_str(ip, want);
	while (r == 0 && (de = readdir(d))) {
		struct machine_entry m;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, name))
			continue;
		if (machine_probe(root, de->d_name, &m, e) != 0 || !m.have_status)
			continue;
		if (strcmp(m.st.address, want) != 0 || strcmp(m.st.channel, channel) != 0)
			continue;
		if (m.alive)
			r = pool_err_usage(e, "address %s on channel %s is taken by machine %s",
					   want, channel, de->d_name);
		else
			r = machine_reclaim(root, de->d_name, e);
	}
	closedir(d);
	return r;
}

bool state_address_taken(const char *root, uint32_t a)
{
	DIR *d = opendir(root);
	struct dirent *de;
	bool taken = false;
	char want[16];

	if (!d)
		return false;
	ipv4_str(a, want);
	while (!taken && (de = readdir(d))) {
		struct machine_entry m;
		struct pool_err ignore = { 0 };

		if (de->d_name[0] == '.' || machine_probe(root, de->d_name, &m, &ignore) != 0)
			continue;
		taken = m.have_status && strcmp(m.st.address, want) == 0;
	}
	closedir(d);
	return taken;
}

/* The running machine whose state folder records image dev:ino, if any. */
bool state_volume_holder(const char *root, const char *self, dev_t dev, ino_t ino, char *name,
			 size_t cap)
{
	DIR *d = opendir(root);
	struct dirent *de;
	bool found = false;

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		char path[PATH_MAX + 300];
		_cleanup_free_ char *text = NULL;
		size_t len;
		struct pool_err ignore = { 0 };

		if (de->d_name[0] == '.' || strcmp(de->d_name, self) == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s/volumes", root, de->d_name);
		if (read_file(path, VOLUMES_RECORD_MAX, &text, &len, &ignore) < 0)
			continue;
		if (volume_record_has(text, len, (uint64_t)dev, (uint64_t)ino)) {
			snprintf(name, cap, "%s", de->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

int state_claim(const char *root, const char *dir, const char *name, const char *channel,
		bool has_net, uint32_t address, int *lock_fd, struct pool_err *e)
{
	char lock[PATH_MAX + 8];
	DIR *d;
	/* Held while this machine's folder and address are claimed. */
	_cleanup_close_ int rootfd = state_lock(root, true, e);

	*lock_fd = -1;
	if (rootfd < 0)
		return -1;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return pool_err_sys(e, "%s", dir);
	/* Everything below is removed as root: the folder must be a real
	 * folder that only root can change. */
	if (dir_private(dir, e) < 0)
		return -1;
	snprintf(lock, sizeof lock, "%s/lock", dir);
	*lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*lock_fd < 0)
		return pool_err_sys(e, "%s", lock);
	/* pool ls and down take the lock shared for a moment to probe it:
	 * only a lock held for a second means a running machine. */
	for (int i = 0; i < 20 && flock(*lock_fd, LOCK_EX | LOCK_NB) < 0; i++)
		usleep(50000);
	if (flock(*lock_fd, LOCK_EX | LOCK_NB) < 0) {
		close(*lock_fd);
		*lock_fd = -1;
		return pool_err_usage(e, "machine %s is already running: pool exec %s -- CMD runs a command on it, pool console %s attaches its console",
				      name, name, name);
	}
	/* The name is used again: the last log of it goes. */
	{
		char last[PATH_MAX];
		struct pool_err ignore = { 0 };

		state_last_dir(root, name, last, sizeof last);
		rm_rf(last, &ignore);
	}
	/* A folder left by a supervisor that died: its network rules (the
	 * address it had may differ from ours), then all but the lock. */
	if (machine_net_reclaim(root, name, e) < 0 || cgroup_reclaim(root, name, e) < 0)
		return -1;
	d = opendir(dir);
	if (d) {
		struct dirent *de;

		while ((de = readdir(d))) {
			char path[PATH_MAX + 260];
			struct pool_err ignore = { 0 };

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, "lock"))
				continue;
			snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
			rm_rf(path, &ignore);
		}
		closedir(d);
	}
	chmod(dir, 0700);
	if (ftruncate(*lock_fd, 0) == 0)
		dprintf(*lock_fd, "%d\n", (int)getpid());
	if (has_net && machine_address_free(root, name, channel, address, e) < 0)
		return -1;
	return 0;
}

int state_status_write(const char *dir, const struct ctl_status *st, struct pool_err *e)
{
	char path[PATH_MAX + 16], text[CTL_STATUS_MAX];
	long n = ctl_status_encode(text, sizeof text, st);

	snprintf(path, sizeof path, "%s/status", dir);
	if (n < 0)
		return pool_err_fail(e, "status too long");
	return write_file_atomic(path, text, (size_t)n, 0600, e);
}

void state_release(const char *root, const char *dir, int *lock_fd)
{
	struct pool_err ignore = { 0 };
	int rootfd;

	if (*lock_fd < 0)
		return;
	/* Under the root lock, so a pool up of the same name that comes next
	 * finds either this folder with its lock held, or no folder at all. */
	rootfd = state_lock(root, false, &ignore);
	keep_last_log(root, dir);
	rm_rf(dir, &ignore);
	close(*lock_fd);
	*lock_fd = -1;
	if (rootfd >= 0)
		close(rootfd);
}

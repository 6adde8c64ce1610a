/* ctl_client.c - pool's side of a machine's control socket, and the state
 * folders: probe, reclaim, address clashes. */
#include "ctl_client.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/names.h"
#include "net/channel.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "common/log.h"
#include "common/parse.h"

const char *state_root(void)
{
	const char *v = getenv("POOL_STATE_DIR");

	return v && *v ? v : "/run/pool";
}

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

int machine_net_reclaim(const char *root, const char *name, struct pool_err *e)
{
	struct machine_entry m = { 0 };
	char dir[PATH_MAX], status[PATH_MAX + 16];

	snprintf(dir, sizeof dir, "%s/%s", root, name);
	m.have_status = read_status_file(dir, &m.st) == 0;
	if (!m.have_status) {
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

int machine_reclaim(const char *root, const char *name, struct pool_err *e)
{
	struct machine_entry m;
	char dir[PATH_MAX];
	int r = machine_probe(root, name, &m, e);

	if (r != 0)
		return r < 0 ? -1 : 0;
	if (m.alive)
		return pool_err_fail(e, "machine %s is running; not reclaiming it", name);
	if (net_reclaim(name, &m, e) < 0)
		return -1;
	snprintf(dir, sizeof dir, "%s/%s", root, name);
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

int ctl_connect(const char *root, const char *name, struct pool_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (!valid_machine_name(name))
		return pool_err_usage(e, "%s: not a machine name", name);
	if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s/%s", root, name, CTL_SOCKET) >=
	    sizeof sa.sun_path)
		return pool_err_usage(e, "POOL_STATE_DIR is too long for a socket path");
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pool_err_sys(e, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int err = errno;

		close(fd);
		if (err == ENOENT || err == ECONNREFUSED)
			return pool_err_fail(e, "machine %s is not running", name);
		if (err == EACCES)
			return pool_err_usage(e, "%s: permission denied (pool needs root: try sudo)", sa.sun_path);
		errno = err;
		return pool_err_sys(e, "%s", sa.sun_path);
	}
	return fd;
}

int ctl_send(int fd, uint16_t type, uint32_t sid, const void *p, size_t n, struct pool_err *e)
{
	uint8_t hdr[FRAME_HDR_LEN];
	struct frame_hdr h = { .len = (uint32_t)n, .type = type, .sid = sid };

	if (n > FRAME_PAYLOAD_MAX)
		return pool_err_fail(e, "control frame too long");
	frame_hdr_encode(hdr, &h);
	if (write_all(fd, hdr, sizeof hdr) < 0 || (n && write_all(fd, p, n) < 0))
		return pool_err_sys(e, "control socket");
	return 0;
}

/* Read exactly n bytes, each wait bounded by timeout_ms: 1, 0 on end of
 * stream before the first byte, -1 on error, timeout or a cut frame. */
static int read_exact(int fd, uint8_t *buf, size_t n, int timeout_ms, struct pool_err *e)
{
	size_t have = 0;

	while (have < n) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int k = poll(&pfd, 1, timeout_ms);
		ssize_t r;

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return pool_err_sys(e, "poll");
		if (k == 0)
			return pool_err_fail(e, "the machine's supervisor did not answer within %d ms",
					     timeout_ms);
		r = read(fd, buf + have, n - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return pool_err_sys(e, "control socket");
		if (r == 0) {
			if (have == 0)
				return 0;
			return pool_err_fail(e, "control socket: frame cut short");
		}
		have += (size_t)r;
	}
	return 1;
}

int ctl_recv(int fd, uint8_t *buf, struct frame_hdr *h, int timeout_ms, struct pool_err *e)
{
	const char *why;
	int k = read_exact(fd, buf, FRAME_HDR_LEN, timeout_ms, e);

	if (k <= 0)
		return k;
	if (frame_hdr_decode(buf, FRAME_HDR_LEN, h, &why) < 0)
		return pool_err_fail(e, "control socket: %s", why);
	if (h->len && read_exact(fd, buf, h->len, timeout_ms, e) <= 0)
		return e->msg[0] ? -1 : pool_err_fail(e, "control socket: frame cut short");
	if (frame_payload_check(h->type, buf, h->len, &why) < 0)
		return pool_err_fail(e, "control socket: %s", why);
	return 1;
}

const char *ctl_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < cap; i++)
		out[o++] = p[i] >= 32 && p[i] < 127 ? (char)p[i] : '?';
	out[o] = '\0';
	return out;
}

int ctl_query(const char *root, const char *name, struct ctl_status *st, struct pool_err *e)
{
	static uint8_t p[FRAME_MAX];
	_cleanup_close_ int fd = ctl_connect(root, name, e);
	struct frame_hdr h;
	const char *why;
	int k;

	if (fd < 0)
		return -1;
	if (ctl_send(fd, CTL_MSG_STATUS, 0, NULL, 0, e) < 0)
		return -1;
	k = ctl_recv(fd, p, &h, 5000, e);
	if (k <= 0)
		return k < 0 ? -1 : pool_err_fail(e, "machine %s: the supervisor closed the control socket", name);
	if (h.type == AGENT_ERROR) {
		char text[256];

		return pool_err_fail(e, "machine %s: %s", name, ctl_text(p, h.len, text, sizeof text));
	}
	{
		struct ctl_status got;

		if (h.type != CTL_MSG_STATUS || ctl_status_decode(p, h.len, &got, &why) < 0)
			return pool_err_fail(e, "machine %s: bad STATUS from the supervisor", name);
		*st = got;
	}
	return 0;
}

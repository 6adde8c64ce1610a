/* ctl_client.c - pool's side of a machine's control socket. */
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

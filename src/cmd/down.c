/* down.c - pool down NAME [--timeout S]: the machine powers off through
 * its agent; after S seconds its supervisor kills it. Returns once the
 * supervisor is gone with everything it held; a dead machine's leftovers
 * are reclaimed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd/usage.h"
#include "common/be.h"
#include "common/names.h"
#include "ctl_client.h"
#include "util/cleanup.h"
#include "common/parse.h"

/* Wait for the supervisor's lock: it is released when the supervisor has
 * removed everything and ended. 1 when it came within ms, 0 if not. */
static int wait_gone(int lock_fd, unsigned ms)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };

	for (unsigned waited = 0;; waited += 50) {
		if (flock(lock_fd, LOCK_SH | LOCK_NB) == 0)
			return 1;
		if (waited >= ms)
			return 0;
		nanosleep(&tick, NULL);
	}
}

/* After DOWN: 1 once the supervisor is gone; -1 when it answered with an
 * ERROR (said on stderr); 0 when ms passed. */
static int wait_down(int ctl, int lock_fd, unsigned ms, const char *name)
{
	static uint8_t buf[FRAME_MAX];
	bool reading = true;

	for (unsigned waited = 0; waited < ms; waited += 50) {
		struct pollfd pfd = { .fd = ctl, .events = POLLIN };
		struct frame_hdr h;
		struct pool_err ignore = { 0 };

		if (flock(lock_fd, LOCK_SH | LOCK_NB) == 0)
			return 1;
		if (!reading || poll(&pfd, 1, 50) <= 0) {
			if (!reading) {
				struct timespec tick = { 0, 50 * 1000 * 1000 };

				nanosleep(&tick, NULL);
			}
			continue;
		}
		if (ctl_recv(ctl, buf, &h, 1000, &ignore) <= 0) {
			reading = false;	/* closing down: the lock tells the rest */
			continue;
		}
		if (h.type == AGENT_ERROR) {
			char text[256];

			fprintf(stderr, "pool: %s: %s\n", name, ctl_text(buf, h.len, text, sizeof text));
			return -1;
		}
	}
	return flock(lock_fd, LOCK_SH | LOCK_NB) == 0 ? 1 : 0;
}

static int reclaim(const char *root, const char *name, struct pool_err *e)
{
	_cleanup_close_ int lock = state_lock(root, false, e);

	if (lock < 0)
		return -1;
	return machine_reclaim(root, name, e);
}

int cmd_down(int argc, char **argv, struct pool_err *e)
{
	const char *root = state_root(), *name = NULL, *why;
	char path[PATH_MAX + 64];
	uint64_t timeout = 10;
	struct machine_entry m;
	_cleanup_close_ int lock_fd = -1, ctl = -1;
	unsigned wait_ms;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			if (parse_u64(argv[++i], 0, CTL_DOWN_MAX_S, &timeout, &why) < 0)
				return pool_err_usage(e, "down: --timeout %s: %s (seconds, 0..3600)", argv[i], why);
		} else if (!name && argv[i][0] != '-') {
			name = argv[i];
		} else {
			return unexpected(e, argv[0], argv[i]);
		}
	}
	if (!name)
		return cmd_usage_error(e, argv[0], NULL);
	if (!valid_machine_name(name))
		return pool_err_usage(e, "down: %s is not a machine name", name);
	if (access(root, X_OK) < 0 && errno == EACCES)
		return pool_err_usage(e, "%s: permission denied (pool down needs root: try sudo)", root);
	r = machine_probe(root, name, &m, e);
	if (r < 0)
		return -1;
	if (r == 1)
		return pool_err_fail(e, "no machine named %s", name);
	if (!m.alive) {
		if (reclaim(root, name, e) < 0)
			return -1;
		fprintf(stderr, "pool: %s: its supervisor had died; reclaimed what it left\n", name);
		return 0;
	}
	/* Hold the lock file first: its lock is how we see the end. */
	snprintf(path, sizeof path, "%s/%s/lock", root, name);
	lock_fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (lock_fd < 0)
		return errno == ENOENT ? 0 : pool_err_sys(e, "%s", path);
	wait_ms = (unsigned)timeout * 1000 + 15000;
	ctl = ctl_connect(root, name, e);
	if (ctl >= 0) {
		uint8_t secs[4];

		put_be32(secs, (uint32_t)timeout);
		if (ctl_send(ctl, CTL_MSG_DOWN, 0, secs, sizeof secs, e) == 0) {
			/* The supervisor kills the machine itself at the timeout. */
			r = wait_down(ctl, lock_fd, wait_ms, name);
			if (r == 1)
				return 0;
			wait_ms = r == 0 ? 0 : wait_ms;	/* timed out: no more waiting */
		}
	} else if (wait_gone(lock_fd, 15000)) {
		return 0;	/* it was already on its way down: socket gone, lock not yet */
	}
	*e = (struct pool_err){ 0 };
	if (!m.have_status || m.st.pid <= 1)
		return pool_err_fail(e, "%s: its supervisor does not answer and has no pid on record", name);
	/* Still held: the pid on record is the supervisor's. SIGTERM first
	 * (it powers off cleanly), SIGKILL last. */
	if (wait_ms) {
		fprintf(stderr, "pool: %s: the control socket does not answer; sending SIGTERM to supervisor %d\n",
			name, (int)m.st.pid);
		kill(m.st.pid, SIGTERM);
		if (wait_gone(lock_fd, wait_ms))
			return 0;
	}
	fprintf(stderr, "pool: %s: supervisor %d did not finish; killing it\n", name, (int)m.st.pid);
	kill(m.st.pid, SIGKILL);
	if (!wait_gone(lock_fd, 5000))
		return pool_err_fail(e, "%s: supervisor %d holds on after SIGKILL", name, (int)m.st.pid);
	return reclaim(root, name, e);
}

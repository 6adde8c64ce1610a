/* logs.c - pool logs [-f] [--last] [--raw] NAME: the machine's console
 * log (the rotated part first), with the output of its pool exec
 * sessions; -f follows it until the machine ends; --last is the log of
 * the last machine NAME that ended. Guest bytes are hostile, and the log
 * is replayed out of context: it passes the terminal filter's LOG mode
 * (text, tabs, newlines and colours; no other escape sequence), one
 * filter across both parts, whether stdout is a terminal or a pipe (a
 * pipe often ends at a terminal: | less -R, | tail). --raw passes the
 * bytes as they came. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd/usage.h"
#include "common/names.h"
#include "ctl_client.h"
#include "util/cleanup.h"
#include "util/termout.h"
#include "common/parse.h"

#define FOLLOW_TICK_MS 200

/* What fd holds from where it is to its end: 0, 1 (stdout gone), -1. */
static int copy_rest(int fd, const char *path, struct termout *out, struct pool_err *e)
{
	char buf[16384];
	ssize_t n;

	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (termout_write(out, buf, (size_t)n) < 0)
			return errno == EPIPE ? 1 : pool_err_sys(e, "stdout");
	return n < 0 ? pool_err_sys(e, "%s", path) : 0;
}

static int copy_log(const char *path, struct termout *out, struct pool_err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errno == ENOENT ? 0 : pool_err_sys(e, "%s", path);
	return copy_rest(fd, path, out, e);
}

/* -f: console.log as it grows. When it is rotated (console.log becomes
 * console.log.1 and a new one starts), the old one is read to its end,
 * then the new one from its start. Ends once the machine has ended and
 * all it wrote is out. */
static int follow(const char *root, const char *name, const char *path, struct termout *out,
		  struct pool_err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct timespec tick = { 0, FOLLOW_TICK_MS * 1000000L };
	struct pool_err ignore = { 0 };

	if (fd < 0 && errno != ENOENT)
		return pool_err_sys(e, "%s", path);
	for (;;) {
		struct machine_entry m;
		struct stat a, b;
		int r;
		bool alive = machine_probe(root, name, &m, &ignore) == 0 && m.alive;

		if (fd >= 0 && (r = copy_rest(fd, path, out, e)) != 0)
			return r < 0 ? -1 : 0;
		if (!alive)
			return 0;
		/* a new console.log: the old one is read out, then this one */
		if (stat(path, &b) == 0 && (fd < 0 || (fstat(fd, &a) == 0 && (a.st_ino != b.st_ino ||
									   a.st_dev != b.st_dev)))) {
			if (fd >= 0 && (r = copy_rest(fd, path, out, e)) != 0)
				return r < 0 ? -1 : 0;
			if (fd >= 0)
				close(fd);
			fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
			continue;
		}
		nanosleep(&tick, NULL);
	}
}

int cmd_logs(int argc, char **argv, struct pool_err *e)
{
	const char *root = state_root(), *name = NULL;
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct termout out;
	bool raw = false, last = false, follow_it = false;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--raw") == 0)
			raw = true;
		else if (strcmp(argv[i], "--last") == 0)
			last = true;
		else if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--follow") == 0)
			follow_it = true;
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else
			return unexpected(e, argv[0], argv[i]);
	}
	if (!name)
		return cmd_usage_error(e, argv[0], NULL);
	if (!valid_machine_name(name))
		return pool_err_usage(e, "logs: %s is not a machine name", name);
	if (last && follow_it)
		return pool_err_usage(e, "logs: --last is a machine that ended: nothing to follow (-f)");
	if (last)
		state_last_dir(root, name, dir, sizeof dir);
	else
		snprintf(dir, sizeof dir, "%s/%s", root, name);
	if (access(dir, F_OK) < 0) {
		if (errno == EACCES || (errno == ENOENT && access(root, X_OK) < 0 && errno == EACCES))
			return pool_err_usage(e, "%s: permission denied (pool logs needs root: try sudo)", root);
		if (last)
			return pool_err_fail(e, "no log of a machine named %s that ended (it is kept until the name is used again)",
					     name);
		state_last_dir(root, name, path, sizeof path);
		if (access(path, F_OK) == 0)
			return pool_err_fail(e, "no machine named %s is running; pool logs --last %s shows the log of the last one",
					     name, name);
		return pool_err_fail(e, "no machine named %s", name);
	}
	termout_init(&out, 1, TERMFILTER_LOG, raw ? TERMOUT_NEVER : TERMOUT_ALWAYS);
	snprintf(path, sizeof path, "%s/console.log.1", dir);
	r = copy_log(path, &out, e);
	if (r == 0) {
		snprintf(path, sizeof path, "%s/console.log", dir);
		r = follow_it ? follow(root, name, path, &out, e) : copy_log(path, &out, e);
	}
	if (r < 0)
		return -1;
	/* The colours the log left on are put back; a cut-off sequence at
	 * its end is dropped. */
	if (r == 0 && termout_flush(&out) < 0 && errno != EPIPE)
		return pool_err_sys(e, "stdout");
	return 0;
}

/* logs.c - pool logs [--raw] NAME: the machine's console log, the
 * rotated part first. Guest bytes are hostile, and the log is replayed
 * out of context: it passes the terminal filter's LOG mode (text, tabs,
 * newlines and colours; no other escape sequence), one filter across
 * both parts, whether stdout is a terminal or a pipe (a pipe often ends
 * at a terminal: | less -R, | tail). --raw passes the bytes as they
 * came. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd/usage.h"
#include "common/names.h"
#include "ctl_client.h"
#include "util/cleanup.h"
#include "util/termout.h"
#include "common/parse.h"

/* 1 when stdout is gone (| head): stop, quietly. */
static int copy_log(const char *path, struct termout *out, struct pool_err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char buf[16384];
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? 0 : pool_err_sys(e, "%s", path);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (termout_write(out, buf, (size_t)n) < 0)
			return errno == EPIPE ? 1 : pool_err_sys(e, "stdout");
	return n < 0 ? pool_err_sys(e, "%s", path) : 0;
}

int cmd_logs(int argc, char **argv, struct pool_err *e)
{
	const char *root = state_root(), *name = NULL;
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct termout out;
	bool raw = false;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--raw") == 0)
			raw = true;
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else
			return unexpected(e, argv[0], argv[i]);
	}
	if (!name)
		return cmd_usage_error(e, argv[0], NULL);
	if (!valid_machine_name(name))
		return pool_err_usage(e, "logs: %s is not a machine name", name);
	snprintf(dir, sizeof dir, "%s/%s", root, name);
	if (access(dir, F_OK) < 0) {
		if (errno == EACCES)
			return pool_err_usage(e, "%s: permission denied (pool logs needs root: try sudo)", root);
		return pool_err_fail(e, "no machine named %s", name);
	}
	termout_init(&out, 1, TERMFILTER_LOG, raw ? TERMOUT_NEVER : TERMOUT_ALWAYS);
	snprintf(path, sizeof path, "%s/console.log.1", dir);
	r = copy_log(path, &out, e);
	if (r == 0) {
		snprintf(path, sizeof path, "%s/console.log", dir);
		r = copy_log(path, &out, e);
	}
	if (r < 0)
		return -1;
	/* The colours the log left on are put back; a cut-off sequence at
	 * its end is dropped. */
	if (r == 0 && termout_flush(&out) < 0 && errno != EPIPE)
		return pool_err_sys(e, "stdout");
	return 0;
}

/* logs.c - pool logs [--raw] NAME: the machine's console log (the
 * rotated part first). Guest bytes are hostile: on a terminal, control
 * characters other than newline and tab are shown as '?' unless --raw. */
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
#include "util/fsutil.h"
#include "common/parse.h"

static int copy_log(const char *path, bool filter, struct pool_err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char buf[16384];
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? 0 : pool_err_sys(e, "%s", path);
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		if (filter)
			for (ssize_t i = 0; i < n; i++) {
				unsigned char c = (unsigned char)buf[i];

				if ((c < 32 && c != '\n' && c != '\t') || c == 127)
					buf[i] = c == '\r' ? '\r' : '?';
			}
		if (write_all(1, buf, (size_t)n) < 0)
			return errno == EPIPE ? 0 : pool_err_sys(e, "stdout");
	}
	return n < 0 ? pool_err_sys(e, "%s", path) : 0;
}

int cmd_logs(int argc, char **argv, struct pool_err *e)
{
	const char *root = state_root(), *name = NULL;
	char dir[PATH_MAX], path[PATH_MAX + 32];
	bool raw = false;

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
	snprintf(path, sizeof path, "%s/console.log.1", dir);
	if (copy_log(path, !raw && isatty(1), e) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/console.log", dir);
	return copy_log(path, !raw && isatty(1), e);
}

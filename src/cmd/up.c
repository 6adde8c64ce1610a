/* up.c - pool up [-d] [SPEC]: boot and attach the console, or (-d)
 * leave the machine running in the background once it is ready. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "boot.h"

int cmd_up(int argc, char **argv, struct pool_err *e)
{
	struct run_request req = { .ready_fd = -1 };
	char **args = calloc((size_t)argc + 1, sizeof *args);
	const char *spec;
	int n = 0, at, r;

	if (!args)
		return pool_err_sys(e, "up");
	/* -d may come before or after the spec. */
	for (int i = 0; i < argc; i++) {
		if (i > 0 && (strcmp(argv[i], "-d") == 0 || strcmp(argv[i], "--detach") == 0))
			req.detached = true;
		else
			args[n++] = argv[i];
	}
	args[n] = NULL;
	r = parse_args(n, args, &spec, &at, false, e);
	if (r == 0)
		r = boot_machine(spec, &req, e);
	free(args);
	return r;
}

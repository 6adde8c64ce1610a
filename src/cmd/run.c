/* run.c - pool run [SPEC] [--] CMD [ARG...]: boot, run CMD in the
 * guest, power off; exit with CMD's status. */
#include "cmd.h"
#include "boot.h"

int cmd_run(int argc, char **argv, struct pool_err *e)
{
	struct run_request req = { .ready_fd = -1 };
	const char *spec;
	int at;

	if (parse_args(argc, argv, &spec, &at, true, e) < 0)
		return -1;
	req.argv = argv + at;
	req.argc = argc - at;
	return boot_machine(spec, &req, e);
}

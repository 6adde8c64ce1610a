/* run.c - pool run [SPEC] [--] CMD [ARG...]: boot, run CMD in the
 * guest, power off; exit with CMD's status. */
#include "cmd.h"
#include "boot.h"

int cmd_run(int argc, char **argv, struct pool_err *e)
{
	struct boot_args a;

	if (boot_args_parse(argc, argv, BOOT_RUN, &a, e) < 0)
		return -1;
	return boot_machine(&a, e);
}

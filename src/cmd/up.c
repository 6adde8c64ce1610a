/* up.c - pool up [-d] [SPEC]: boot and attach the console, or (-d)
 * leave the machine running in the background once it is ready. */
#include "cmd.h"
#include "boot.h"

int cmd_up(int argc, char **argv, struct pool_err *e)
{
	struct boot_args a;

	if (boot_args_parse(argc, argv, BOOT_UP, &a, e) < 0)
		return -1;
	return boot_machine(&a, e);
}

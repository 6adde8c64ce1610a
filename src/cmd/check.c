/* check.c - pool check [SPEC]: validate as run would (what run refuses, it
 * refuses), print the resolved plan; boots nothing. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmd/usage.h"
#include "boot.h"
#include "plan.h"
#include "vmm/vmm.h"

int cmd_check(int argc, char **argv, struct pool_err *e)
{
	struct load_grants lg;
	struct boot_args a;
	struct machine m;
	struct plan p;
	int r;

	if (boot_args_parse(argc, argv, BOOT_CHECK, &a, e) < 0)
		return -1;
	if (boot_load(&a, &lg, &m, e) < 0) {
		load_grants_free(&lg);
		return -1;
	}
	r = plan_build(&m, PLAN_RUN, &lg.g, &p, e);
	if (r == 0)
		r = vmm_argv(&p, e);
	if (r == 0) {
		plan_print(&p, stdout);
		vmm_print(&p, stdout);
	}
	plan_free(&p);
	machine_free(&m);
	load_grants_free(&lg);
	return r < 0 ? -1 : 0;
}

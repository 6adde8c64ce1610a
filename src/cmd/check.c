/* check.c - pool check [SPEC]: validate, print the resolved plan; boots nothing. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmd/usage.h"
#include "load.h"
#include "plan.h"
#include "vmm/vmm.h"

int cmd_check(int argc, char **argv, struct pool_err *e)
{
	const char *spec = NULL;
	struct machine m = { 0 };
	struct plan p;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--spec") == 0 && i + 1 < argc)
			spec = argv[++i];
		else if (argv[i][0] == '-' || spec)
			return cmd_usage_error(e, argv[0], NULL);
		else
			spec = argv[i];
	}
	if (machine_load(spec, &m, e) < 0)
		return -1;
	if (spec_check_host(&m, e) < 0) {
		machine_free(&m);
		return -1;
	}
	r = plan_build(&m, PLAN_RUN, &p, e);
	if (r == 0)
		r = vmm_argv(&p, e);
	if (r == 0) {
		struct pool_err u = { 0 };

		plan_print(&p, stdout);
		vmm_print(&p, stdout);
		if (machine_refuse_unsupported(&m, &u) < 0)
			printf("note        %s\n", u.msg);
	}
	plan_free(&p);
	machine_free(&m);
	return r < 0 ? -1 : 0;
}

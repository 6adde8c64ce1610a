/* boot.c - what pool run and pool up share: their arguments, and booting
 * a machine from a spec (load, check, plan, supervise). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/boot.h"
#include "cmd/load.h"
#include "cmd/usage.h"
#include "common/log.h"
#include "plan.h"
#include "supervise/supervisor.h"
#include "util/user.h"

/* Split "pool run [--spec FILE | SPEC] [--] CMD...". */
int parse_args(int argc, char **argv, const char **spec, int *cmd_at,
		      bool need_cmd, struct pool_err *e)
{
	int i = 1;

	*spec = NULL;
	*cmd_at = argc;
	while (i < argc) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--spec") == 0) {
			if (i + 1 >= argc)
				return pool_err_usage(e, "%s: --spec needs a file", argv[0]);
			*spec = argv[i + 1];
			i += 2;
			continue;
		}
		if (strncmp(argv[i], "--spec=", 7) == 0) {
			*spec = argv[i] + 7;
			i++;
			continue;
		}
		if (!*spec && looks_like_spec(argv[i])) {
			*spec = argv[i];
			i++;
			continue;
		}
		if (argv[i][0] == '-' && need_cmd && i == 1)
			return pool_err_usage(e, "%s: unknown option %s (put the command after --)",
					      argv[0], argv[i]);
		break;
	}
	*cmd_at = i;
	if (need_cmd && i >= argc)
		return cmd_usage_error(e, argv[0], NULL);
	if (!need_cmd && i < argc) {
		if (!*spec && i == argc - 1)
			return pool_err_usage(e, "%s: %s: no such spec file", argv[0], argv[i]);
		return pool_err_usage(e, "%s: unexpected argument %s", argv[0], argv[i]);
	}
	return 0;
}

int boot_machine(const char *spec, struct run_request *req, struct pool_err *e)
{
	struct machine m = { 0 };
	struct plan p;
	enum plan_mode mode = req->argv ? PLAN_RUN : PLAN_UP;
	const struct pool_user *u;
	int status;

	if (pool_user_get(&u, e) < 0)	/* who pool acts for, before anything */
		return -1;
	if (machine_load(spec, &m, e) < 0)
		return -1;
	if (machine_refuse_unsupported(&m, e) < 0 || spec_check_host(&m, e) < 0) {
		machine_free(&m);
		return -1;
	}
	user_say_root(u);
	if (geteuid() != 0) {
		machine_free(&m);
		return pool_err_usage(e, "pool %s needs root (it opens the machine's devices and drops privileges before the hypervisor starts): try sudo",
				      mode == PLAN_RUN ? "run" : "up");
	}
	if (plan_build(&m, mode, &p, e) < 0) {
		plan_free(&p);
		machine_free(&m);
		return -1;
	}
	status = req->detached ? supervise_detached(&p, e) : supervise(&p, req, e);
	plan_free(&p);
	machine_free(&m);
	return status;
}

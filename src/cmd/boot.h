/* boot.h - what `pool run` and `pool up` share: argument split and
 * the boot itself. */
#ifndef POOL_CMD_BOOT_H
#define POOL_CMD_BOOT_H

#include <stdbool.h>

#include "supervise/supervisor.h"
#include "util/err.h"

/* "[--spec FILE | SPEC] [--] CMD...": *spec (NULL: pool.yaml or the
 * embedded default) and where the command starts; need_cmd for run. */
int parse_args(int argc, char **argv, const char **spec, int *cmd_at, bool need_cmd,
	       struct pool_err *e);

/* Load, check and plan the spec, then supervise the machine as req says
 * (detached: in the background, returning once it is READY). */
int boot_machine(const char *spec, struct run_request *req, struct pool_err *e);

#endif

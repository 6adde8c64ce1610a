/* boot.h - what pool run, pool up and pool check share: their arguments,
 * loading the machine with what the command line grants, and the boot. */
#ifndef POOL_CMD_BOOT_H
#define POOL_CMD_BOOT_H

#include <stdbool.h>

#include "cmd/command.h"
#include "cmd/load.h"
#include "common/parse.h"
#include "plan.h"
#include "supervise/supervisor.h"
#include "util/err.h"


enum boot_cmd { BOOT_RUN, BOOT_UP, BOOT_CHECK };

struct boot_args {
	enum boot_cmd which;
	const char *spec;		/* NULL: the nearest pool.yaml, or the default */
	const char *allow_path[LOAD_GRANTS_MAX];	/* --allow-path DIR */
	size_t nallow_path;
	bool allow_lan;			/* --allow-lan */
	bool detached;			/* up -d */
	bool warm;			/* run, up -d: --warm, as warm: true for this boot */
	bool network_none;		/* --network none */
	struct port_map ports[PORT_MAPS_MAX];	/* -p [HOST_IP:]HOST_PORT:GUEST_PORT[/proto] */
	size_t nports;
	struct command_opts command;	/* run: -e, --env-file, -w */
	char **cmd;			/* run: the command */
	int ncmd;
};

/* Options come before the spec, between it and --, or (run) before the
 * command; an unknown one is refused before anything boots. For run, the
 * spec is the one argument before "--", or the first argument when its
 * name ends in .yaml, .yml or .json; for up and check, the argument. A
 * named spec must exist. */
int boot_args_parse(int argc, char **argv, enum boot_cmd cmd, struct boot_args *a, struct pool_err *e);

/* The machine as the command line says: who pool acts for, the grants,
 * the spec (or the default), the command line's overrides, what is not
 * supported yet, and the host checks (as the invoking user). */
int boot_load(const struct boot_args *a, struct load_grants *lg, struct machine *m, struct pool_err *e);

/* Load, check and plan, then supervise the machine (run: the command;
 * up: the console, or -d in the background, returning once it is READY).
 * A spare of the same plan is claimed instead of booting (cmd/claim.h);
 * after a run or up -d of a warm spec, the next spare boots in the
 * background (supervise/spare.h). */
int boot_machine(const struct boot_args *a, struct pool_err *e);

#endif

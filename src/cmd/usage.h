/* usage.h - every subcommand's usage, written once (usage.c). */
#ifndef POOL_CMD_USAGE_H
#define POOL_CMD_USAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct cmd_usage {
	const char *name;	/* "run" */
	const char *args;	/* "[SPEC] [--] CMD [ARG...]" */
	const char *purpose;	/* one line */
};

/* All of them, in the order pool --help lists them. */
const struct cmd_usage *cmd_usages(size_t *n);
/* The arguments of one command ("" for an unknown one). */
const char *cmd_args(const char *name);
/* A usage error (exit 2): "usage: pool NAME ARGS", or with what,
 * "NAME: WHAT (usage: pool NAME ARGS)". Returns -1. */
int cmd_usage_error(struct pool_err *e, const char *name, const char *what);

/* The value of option opt at argv[*i]: "--opt VALUE", or "--opt=VALUE"
 * for a long one; NULL when argv[*i] is not opt, and then *missing is set
 * when it is opt without its value. On a value, *i is past it. */
const char *cmd_option(int argc, char **argv, int *i, const char *opt, bool *missing);

/* "NAME: unexpected argument ARG (usage: ...)". Returns -1. */
int unexpected(struct pool_err *e, const char *name, const char *arg);

#endif

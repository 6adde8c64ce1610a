/* command.h - what pool run and pool exec share about the command they
 * run in the guest: the options that shape it (-e VAR[=VALUE], --env-file
 * FILE, -w DIR, -t, -T), its environment, exactly what was named, and
 * whether it gets a terminal. */
#ifndef POOL_CMD_COMMAND_H
#define POOL_CMD_COMMAND_H

#include <stddef.h>
#include <stdint.h>

#include "common/agent_msg.h"
#include "util/err.h"

#define COMMAND_ENV_MAX 64	/* -e at most this often */

struct command_opts {
	const char *env[COMMAND_ENV_MAX];	/* -e VAR[=VALUE], in order */
	size_t nenv;
	const char *env_file;			/* --env-file FILE */
	const char *workdir;			/* -w DIR, absolute in the guest */
	char tty;				/* 't' (-t), 'T' (-T), or 0: as stdio is */
};

/* One of the options above at argv[*i] for command cmd ("run", "exec"):
 * 1 when it was one (taken into o), 0 when argv[*i] is none of them, -1
 * with e when it is one that is wrong. */
int command_option(int argc, char **argv, int *i, const char *cmd, struct command_opts *o,
		   struct pool_err *e);

/* Whether the command gets a terminal of its own in the guest (a pty):
 * with a terminal on stdin and on stdout, or -t and a terminal on either;
 * never with -T. -t with neither is a usage error (before anything boots
 * or connects). *flags gets AGENT_EXEC_TTY, and AGENT_EXEC_WINSIZE with
 * *ws when the terminal (stdin's, else stdout's) has a size; 0 without. */
int command_terminal(const struct command_opts *o, const char *cmd, uint8_t *flags, struct agent_winsize *ws,
		     struct pool_err *e);

/* The command's environment: TERM (pool's own, when it is one line of
 * printable text), then --env-file's lines (VAR=VALUE or VAR, # comments,
 * the file opened as the invoking user; errors as FILE:LINE), then each
 * -e; a variable named twice takes the last value. VAR alone takes pool's
 * own value, and is an error when pool has none (sudo resets the
 * environment: the message says how to keep it). *env is NULL-terminated,
 * *nenv entries of "VAR=VALUE"; free with command_env_free. */
int command_env(const struct command_opts *o, char ***env, size_t *nenv, struct pool_err *e);
void command_env_free(char ***env, size_t *nenv);

#endif

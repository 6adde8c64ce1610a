/* cmd.h - the subcommands: one file each, called from main's command table. */
#ifndef POOL_CMD_H
#define POOL_CMD_H

#include "util/err.h"

/* A command returns the exit status (>= 0), or -1 with e filled; main
 * prints e->msg as one line and exits with e->status. argv[0] is the
 * command's own name ("run", "channel", ...). */
typedef int (*cmd_fn)(int argc, char **argv, struct pool_err *e);

int cmd_run(int argc, char **argv, struct pool_err *e);
int cmd_up(int argc, char **argv, struct pool_err *e);
int cmd_check(int argc, char **argv, struct pool_err *e);
int cmd_doctor(int argc, char **argv, struct pool_err *e);
int cmd_mkpasswd(int argc, char **argv, struct pool_err *e);
int cmd_channel(int argc, char **argv, struct pool_err *e);
int cmd_ssh(int argc, char **argv, struct pool_err *e);
int cmd_ls(int argc, char **argv, struct pool_err *e);
int cmd_down(int argc, char **argv, struct pool_err *e);
int cmd_exec(int argc, char **argv, struct pool_err *e);
int cmd_cp(int argc, char **argv, struct pool_err *e);
int cmd_console(int argc, char **argv, struct pool_err *e);
int cmd_logs(int argc, char **argv, struct pool_err *e);
int cmd_mesh(int argc, char **argv, struct pool_err *e);
int cmd_egress(int argc, char **argv, struct pool_err *e);

#endif

/* mesh.h - pool mesh VERB: one file a verb (mesh_VERB.c), mesh.c dispatching. */
#ifndef POOL_CMD_MESH_H
#define POOL_CMD_MESH_H

#include <stdbool.h>

#include "util/err.h"

int cmd_mesh_init(int argc, char **argv, struct pool_err *e);
int cmd_mesh_ca(int argc, char **argv, struct pool_err *e);
int cmd_mesh_trust(int argc, char **argv, struct pool_err *e);
int cmd_mesh_grant(int argc, char **argv, struct pool_err *e);
int cmd_mesh_revoke(int argc, char **argv, struct pool_err *e);
int cmd_mesh_status(int argc, char **argv, struct pool_err *e);
int cmd_mesh_lighthouse(int argc, char **argv, struct pool_err *e);

#endif

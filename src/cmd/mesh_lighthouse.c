/* mesh_lighthouse.c - pool mesh lighthouse NET --ip IP --listen ADDR:PORT [-d] | --stop. */
#include "cmd/mesh.h"
#include "cmd/usage.h"

int cmd_mesh_lighthouse(int argc, char **argv, struct pool_err *e)
{
	(void)argc;
	return pool_err_usage(e, "%s: not supported yet", argv[0]);
}

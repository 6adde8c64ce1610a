/* mesh_status.c - pool mesh status NET: CAs and their ends, grants, the
 * lighthouse, and this host's machines on the mesh. */
#include <stdio.h>

#include "cmd/mesh.h"
#include "cmd/usage.h"
#include "mesh/mesh.h"

int cmd_mesh_status(int argc, char **argv, struct pool_err *e)
{
	if (argc != 2)
		return argc < 2 ? cmd_usage_error(e, argv[0], NULL) : unexpected(e, argv[0], argv[2]);
	return mesh_status(argv[1], stdout, e);
}

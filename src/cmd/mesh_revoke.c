/* mesh_revoke.c - pool mesh revoke NET DIR: DIR's spec may not join NET any more. */
#include <stdio.h>

#include "cmd/mesh.h"
#include "cmd/usage.h"
#include "mesh/mesh.h"

int cmd_mesh_revoke(int argc, char **argv, struct pool_err *e)
{
	if (argc != 3)
		return argc < 3 ? cmd_usage_error(e, argv[0], NULL) : unexpected(e, argv[0], argv[3]);
	if (mesh_revoke(argv[1], argv[2], e) < 0)
		return -1;
	printf("mesh %s: %s's grant revoked (a machine already up keeps its certificate until it expires)\n",
	       argv[1], argv[2]);
	return 0;
}

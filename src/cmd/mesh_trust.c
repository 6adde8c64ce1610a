/* mesh_trust.c - pool mesh trust NET FILE: accept machines another host's CA signed. */
#include <stdio.h>

#include "cmd/mesh.h"
#include "cmd/usage.h"
#include "mesh/mesh.h"

int cmd_mesh_trust(int argc, char **argv, struct pool_err *e)
{
	char fpr[65];
	bool already;

	if (argc != 3)
		return argc < 3 ? cmd_usage_error(e, argv[0], NULL) : unexpected(e, argv[0], argv[3]);
	if (mesh_trust(argv[1], argv[2], fpr, &already, e) < 0)
		return -1;
	printf("mesh %s: %s CA %.16s (machines boot with it from now on)\n", argv[1],
	       already ? "already trusted" : "trusts", fpr);
	return 0;
}

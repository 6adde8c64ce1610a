/* mesh_ca.c - pool mesh ca NET: this host's CA certificate (public), on stdout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd/mesh.h"
#include "cmd/usage.h"
#include "mesh/mesh.h"
#include "util/fsutil.h"

int cmd_mesh_ca(int argc, char **argv, struct pool_err *e)
{
	char *pem;
	size_t len;
	int r;

	if (argc != 2)
		return argc < 2 ? cmd_usage_error(e, argv[0], NULL) : unexpected(e, argv[0], argv[2]);
	if (mesh_ca_pem(argv[1], &pem, &len, e) < 0)
		return -1;
	r = write_all(1, pem, len) < 0 ? pool_err_sys(e, "stdout") : 0;
	free(pem);
	return r;
}

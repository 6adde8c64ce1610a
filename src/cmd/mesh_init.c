/* mesh_init.c - pool mesh init NET [--subnet CIDR]: this host's CA for mesh NET. */
#include <stdio.h>
#include <string.h>

#include "cmd/mesh.h"
#include "cmd/usage.h"
#include "common/parse.h"
#include "mesh/mesh.h"

int cmd_mesh_init(int argc, char **argv, struct pool_err *e)
{
	uint32_t subnet = MESH_DEFAULT_SUBNET;
	unsigned prefix = MESH_DEFAULT_PREFIX;
	const char *net = NULL, *why;
	bool missing = false;
	char b[16];

	for (int i = 1; i < argc; i++) {
		const char *v;

		if ((v = cmd_option(argc, argv, &i, "--subnet", &missing))) {
			if (parse_cidr(v, false, &subnet, &prefix, &why) < 0)
				return pool_err_usage(e, "mesh init: --subnet %.40s: %s (a.b.c.d/N)", v, why);
		} else if (missing) {
			return cmd_usage_error(e, argv[0], "--subnet needs a value");
		} else if (argv[i][0] == '-' || net) {
			return unexpected(e, argv[0], argv[i]);
		} else {
			net = argv[i];
		}
	}
	if (!net)
		return cmd_usage_error(e, argv[0], NULL);
	if (mesh_init(net, subnet, prefix, e) < 0)
		return -1;
	printf("mesh %s: this host's CA made for %s/%u; share it with pool mesh ca %s\n", net,
	       ipv4_str(subnet, b), prefix, net);
	return 0;
}

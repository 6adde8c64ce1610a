/* mesh.c - pool mesh VERB ...: this host's part of a Nebula mesh. Each
 * verb is a file of its own (mesh_init.c, mesh_grant.c, ...). */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmd/mesh.h"
#include "cmd/usage.h"

static const struct {
	const char *verb;
	cmd_fn fn;
} verbs[] = {
	{ "init", cmd_mesh_init }, { "ca", cmd_mesh_ca }, { "trust", cmd_mesh_trust },
	{ "grant", cmd_mesh_grant }, { "revoke", cmd_mesh_revoke }, { "status", cmd_mesh_status },
	{ "lighthouse", cmd_mesh_lighthouse },
};

int cmd_mesh(int argc, char **argv, struct pool_err *e)
{
	char name[32];

	if (argc < 2)
		return cmd_usage_error(e, "mesh", NULL);
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		if (strcmp(argv[1], verbs[i].verb) != 0)
			continue;
		snprintf(name, sizeof name, "mesh %s", verbs[i].verb);
		if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
			printf("usage: pool %s %s\n", name, cmd_args(name));
			return 0;
		}
		/* the verb sees itself as "mesh VERB" in argv[0] */
		argv[1] = name;
		return verbs[i].fn(argc - 1, argv + 1, e);
	}
	{
		char what[64];

		snprintf(what, sizeof what, "unknown action %.20s", argv[1]);
		return cmd_usage_error(e, "mesh", what);
	}
}

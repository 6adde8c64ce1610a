/* mesh_grant.c - pool mesh grant NET DIR --ip IP/PREFIX [--groups A,B]
 * [--lighthouse OVERLAY=HOST:PORT]...: the overlay address and groups the
 * spec in DIR may ask for, and where its machine's lighthouses are. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/mesh.h"
#include "cmd/usage.h"
#include "common/parse.h"
#include "mesh/mesh.h"

int cmd_mesh_grant(int argc, char **argv, struct pool_err *e)
{
	const char *net = NULL, *dir = NULL, *v, *why;
	struct mesh_lighthouse lighthouses[MESH_GRANT_LIGHTHOUSES_MAX];
	char **groups = NULL;
	size_t ngroups = 0, nlighthouses = 0;
	uint32_t ip = 0;
	unsigned prefix = 0;
	bool missing = false, have_ip = false;
	char b[16];
	int r;

	for (int i = 1; i < argc; i++) {
		if ((v = cmd_option(argc, argv, &i, "--ip", &missing))) {
			if (parse_cidr(v, false, &ip, &prefix, &why) < 0) {
				r = pool_err_usage(e, "mesh grant: --ip %.40s: not an address with the mesh's prefix (a.b.c.d/N)", v);
				goto out;
			}
			have_ip = true;
		} else if ((v = cmd_option(argc, argv, &i, "--groups", &missing))) {
			for (size_t k = 0; k < ngroups; k++)
				free(groups[k]);
			free(groups);
			groups = NULL;
			ngroups = 0;
			if (mesh_groups_split(v, &groups, &ngroups, &why) < 0) {
				r = pool_err_usage(e, "mesh grant: --groups %.60s: %s", v, why);
				goto out;
			}
		} else if ((v = cmd_option(argc, argv, &i, "--lighthouse", &missing))) {
			if (nlighthouses == MESH_GRANT_LIGHTHOUSES_MAX) {
				r = pool_err_usage(e, "mesh grant: --lighthouse: at most %d", MESH_GRANT_LIGHTHOUSES_MAX);
				goto out;
			}
			if (mesh_lighthouse_parse(v, &lighthouses[nlighthouses], &why) < 0) {
				r = pool_err_usage(e, "mesh grant: --lighthouse %.60s: %s (OVERLAY=HOST:PORT)", v, why);
				goto out;
			}
			nlighthouses++;
		} else if (missing) {
			r = cmd_usage_error(e, argv[0], "an option needs a value");
			goto out;
		} else if (argv[i][0] == '-' || (net && dir)) {
			r = unexpected(e, argv[0], argv[i]);
			goto out;
		} else if (!net) {
			net = argv[i];
		} else {
			dir = argv[i];
		}
	}
	if (!net || !dir || !have_ip) {
		r = cmd_usage_error(e, argv[0], !net || !dir ? NULL : "--ip is required");
		goto out;
	}
	r = mesh_grant(net, dir, ip, prefix, groups, ngroups, lighthouses, nlighthouses, e);
	if (r == 0)
		printf("mesh %s: %s may join as %s/%u with %zu group%s and %zu lighthouse%s\n", net, dir,
		       ipv4_str(ip, b), prefix, ngroups, ngroups == 1 ? "" : "s", nlighthouses,
		       nlighthouses == 1 ? "" : "s");
out:
	for (size_t k = 0; k < ngroups; k++)
		free(groups[k]);
	free(groups);
	return r;
}

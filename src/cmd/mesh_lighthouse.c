/* mesh_lighthouse.c - pool mesh lighthouse NET --ip IP --listen ADDR:PORT [-d]
 * | NET --stop: NET's lighthouse on this host, unprivileged, without tun. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmd/mesh.h"
#include "cmd/usage.h"
#include "common/parse.h"
#include "mesh/mesh.h"
#include "supervise/lighthouse.h"

int cmd_mesh_lighthouse(int argc, char **argv, struct pool_err *e)
{
	const char *net = NULL, *why;
	struct mesh_addr listen = { 0 };
	bool missing = false, detach = false, stop = false, have_ip = false, have_listen = false;
	uint32_t ip = 0;
	char name[64];

	for (int i = 1; i < argc; i++) {
		const char *v;

		if ((v = cmd_option(argc, argv, &i, "--ip", &missing))) {
			if (parse_ipv4(v, &ip, &why) < 0)
				return pool_err_usage(e, "mesh lighthouse: --ip %.40s: not an overlay address (a.b.c.d)", v);
			have_ip = true;
		} else if ((v = cmd_option(argc, argv, &i, "--listen", &missing))) {
			const char *colon = strrchr(v, ':');
			char host[16];
			uint64_t port;

			if (!colon || (size_t)(colon - v) >= sizeof host)
				return pool_err_usage(e, "mesh lighthouse: --listen %.40s: not ADDR:PORT", v);
			memcpy(host, v, (size_t)(colon - v));
			host[colon - v] = '\0';
			if (parse_ipv4(host, &listen.ip, &why) < 0 || parse_u64(colon + 1, 1, 65535, &port, &why) < 0)
				return pool_err_usage(e, "mesh lighthouse: --listen %.40s: not ADDR:PORT (an IPv4 address and a UDP port)", v);
			listen.port = (uint16_t)port;
			have_listen = true;
		} else if (missing) {
			return cmd_usage_error(e, argv[0], "an option needs a value");
		} else if (strcmp(argv[i], "-d") == 0) {
			detach = true;
		} else if (strcmp(argv[i], "--stop") == 0) {
			stop = true;
		} else if (argv[i][0] == '-' || net) {
			return unexpected(e, argv[0], argv[i]);
		} else {
			net = argv[i];
		}
	}
	if (!net)
		return cmd_usage_error(e, argv[0], NULL);
	if (mesh_exists(net, e) < 0)
		return -1;
	lighthouse_name(net, name, sizeof name);
	if (stop) {
		char *down[] = { "down", name, NULL };

		if (have_ip || have_listen || detach)
			return cmd_usage_error(e, argv[0], "--stop takes no other option");
		return cmd_down(2, down, e);
	}
	if (!have_ip || !have_listen)
		return cmd_usage_error(e, argv[0], "--ip and --listen are required");
	if (lighthouse_run(net, ip, &listen, detach, e) < 0)
		return -1;
	if (detach) {
		char b1[16], b2[16];

		printf("%s %s listening on %s:%u/udp\n", name, ipv4_str(ip, b1), ipv4_str(listen.ip, b2),
		       listen.port);
	}
	return 0;
}

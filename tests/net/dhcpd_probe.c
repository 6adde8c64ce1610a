/* dhcpd_probe.c - runs one machine's DHCP responder (src/net/dhcpd.c) alone on an interface, behind its relay (src/net/pktrelay.c), for tests/e2e/dhcpconf.bats and dhcphostile.bats inside namespaces. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/net/dhcpd.h"
#include "src/net/mac.h"
#include "src/common/log.h"
#include "src/common/parse.h"
#include "tests/net/serve_loop.h"

#define USAGE \
	"usage: dhcpd_probe [--dns IP]... [--hostname NAME] [--lease SECONDS] IFNAME IP/PREFIX ROUTER\n" \
	"  answers the machine whose MAC is 02:00 + IP's four bytes with IP, on IFNAME only;\n" \
	"  the server address (option 54, source) is ROUTER, its MAC 02:00 + ROUTER.\n" \
	"  POOL_DEBUG=1 logs why each frame was ignored.\n" \
	"  On SIGTERM/SIGINT prints \"answered N ignored M\" and exits 0.\n"

/* Answer what came, and say how many so far. */
static void serve(void *ctx)
{
	struct dhcpd *d = ctx;

	dhcpd_serve(d);
	printf("answered %u ignored %u\n", d->answered, d->ignored);
	fflush(stdout);
}

static int usage(void)
{
	fputs(USAGE, stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct pool_err e = { 0 };
	struct dhcpd_config cfg = { 0 };
	struct dhcpd d;
	struct pktrelay r;
	struct pktrelay_addrs ra = { 0 };
	const char *hostname = NULL, *why;
	uint64_t v;
	int i, peer;

	if (getenv("POOL_DEBUG") && *getenv("POOL_DEBUG"))
		log_verbose = 2;	/* the responder's "ignored ...: why" lines */
	cfg.lease_time = 86400;
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "--dns") == 0) {
			if (cfg.ndns >= 3 || parse_ipv4(argv[i + 1], &cfg.dns[cfg.ndns], &why) < 0)
				return usage();
			cfg.ndns++;
		} else if (strcmp(argv[i], "--hostname") == 0) {
			hostname = argv[i + 1];
		} else if (strcmp(argv[i], "--lease") == 0) {
			if (parse_u64(argv[i + 1], 1, UINT32_MAX, &v, &why) < 0)
				return usage();
			cfg.lease_time = (uint32_t)v;
		} else {
			return usage();
		}
	}
	if (argc - i != 3 ||
	    parse_cidr(argv[i + 1], false, &cfg.machine_ip, &cfg.prefix, &why) < 0 ||
	    cfg.prefix < 1 || cfg.prefix > 30 ||
	    parse_ipv4(argv[i + 2], &cfg.router, &why) < 0)
		return usage();
	mac_from_ipv4(cfg.machine_ip, cfg.machine_mac);
	cfg.server_ip = cfg.router;
	mac_from_ipv4(cfg.router, cfg.server_mac);

	memcpy(ra.machine_mac, cfg.machine_mac, 6);
	memcpy(ra.server_mac, cfg.server_mac, 6);
	ra.server_ip = cfg.server_ip;
	ra.port = DHCP_SERVER_PORT;
	if (pktrelay_open(&r, argv[i], &ra, &peer, "DHCP", &e) < 0) {
		fprintf(stderr, "dhcpd_probe: %s\n", e.msg);
		return 1;
	}
	dhcpd_open(&d, peer, &cfg, hostname);
	serve_loop("dhcpd_probe", d.fd, serve, &d, &r);
	printf("answered %u ignored %u\n", d.answered, d.ignored);
	dhcpd_close(&d);
	pktrelay_close(&r);
	return 0;
}

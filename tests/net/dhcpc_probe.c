/* dhcpc_probe.c - runs pool-init's net_setup (and net_renew) on the host, for tests/e2e/dhcpc.bats inside namespaces. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/net.h"

static int usage(void)
{
	fprintf(stderr, "usage: dhcpc_probe [--resolv PATH] [--timeout MS] [--find MS] [--renew] MAC,IFNAME\n");
	return 2;
}

static int ms_arg(const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s < '0' || *s > '9' || *end || v == 0 || v > 600000)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static void ip_print(const char *key, uint32_t a)
{
	printf("%s=%u.%u.%u.%u\n", key, a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

int main(int argc, char **argv)
{
	struct net_opts o = { .resolv_path = NULL };
	struct net_lease l;
	char err[256], line[128];
	bool renew = false;
	int i;

	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--resolv") == 0 && i + 1 < argc - 1)
			o.resolv_path = argv[++i];
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc - 1) {
			if (ms_arg(argv[++i], &o.dhcp_ms) < 0)
				return usage();
		} else if (strcmp(argv[i], "--find") == 0 && i + 1 < argc - 1) {
			if (ms_arg(argv[++i], &o.find_ms) < 0)
				return usage();
		} else if (strcmp(argv[i], "--renew") == 0)
			renew = true;
		else
			return usage();
	}
	if (i != argc - 1)
		return usage();
	if (net_setup(argv[i], &o, &l, err, sizeof err) < 0) {
		fprintf(stderr, "dhcpc_probe: %s\n", err);
		return 1;
	}
	printf("pool-init: %s\n", net_lease_describe(&l, line, sizeof line));
	ip_print("addr", l.addr);
	printf("prefix=%u\n", l.prefix);
	if (l.has_router)
		ip_print("router", l.router);
	ip_print("server", l.server_id);
	printf("lease=%u t1=%u t2=%u\n", l.lease_time, l.t1, l.t2);
	printf("up_to_bound_ns=%llu\n", (unsigned long long)(l.bound_ns - l.up_ns));
	if (renew) {
		if (net_renew(&l, o.dhcp_ms ? o.dhcp_ms : 10000, err, sizeof err) < 0) {
			fprintf(stderr, "dhcpc_probe: renew: %s\n", err);
			return 1;
		}
		printf("renewed lease=%u\n", l.lease_time);
	}
	return 0;
}

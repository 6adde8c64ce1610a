/* dnsd_probe.c - runs one machine's resolver (src/net/dnsd.c) alone on an interface, for tests/e2e/dnshostile.bats and bench/dns inside namespaces. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/common/log.h"
#include "src/common/names.h"
#include "src/common/parse.h"
#include "src/net/dnsd.h"
#include "src/net/mac.h"
#include "tests/net/serve_loop.h"

#define USAGE \
	"usage: dnsd_probe [--allow NAME[:PORT[/tcp|udp]]]... [--allow-lan] [--upstream-port N]\n" \
	"                  [--state FILE] IFNAME MACHINE_IP SERVER_IP UPSTREAM_IP...\n" \
	"  answers the machine whose MAC is 02:00 + MACHINE_IP's bytes, sent to SERVER_IP\n" \
	"  (MAC 02:00 + its bytes), on IFNAME only. Without --allow every question is\n" \
	"  forwarded (nat); with it, the allow list decides. Prints \"allow ADDR PORT PROTO\n" \
	"  TIMEOUT\" for each element the resolver would open and \"note LINE\" for its log\n" \
	"  lines. POOL_DEBUG=1 logs why each frame was ignored. On SIGTERM/SIGINT prints\n" \
	"  \"answered N refused N forwarded N ignored N failed N\" and exits 0.\n"

static void serve(void *ctx)
{
	dnsd_serve(ctx);
}

static int usage(void)
{
	fputs(USAGE, stderr);
	return 2;
}

static int print_allow(void *ctx, const struct egress_elem *el, size_t n, struct pool_err *e)
{
	(void)ctx;
	(void)e;
	for (size_t i = 0; i < n; i++) {
		char ip[16];

		printf("allow %s %u %s %u\n", ipv4_str(el[i].addr, ip), el[i].port,
		       el[i].proto == 6 ? "tcp" : el[i].proto == 17 ? "udp" : "any", el[i].timeout);
	}
	fflush(stdout);
	return 0;
}

static void print_note(void *ctx, const char *line)
{
	(void)ctx;
	printf("note %s\n", line);
	fflush(stdout);
}

/* NAME[:PORT[/tcp|udp]] as the spec reads it (tcp when a port is given). */
static int allow_arg(const char *s, struct allow_rule *r)
{
	char name[300];
	const char *colon = strchr(s, ':'), *why;
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	uint64_t v;

	memset(r, 0, sizeof *r);
	if (n >= sizeof name)
		return -1;
	memcpy(name, s, n);
	name[n] = '\0';
	if (valid_dns_pattern(name, &why) < 0 || !(r->name = strdup(name)))
		return -1;
	if (!colon)
		return 0;
	r->proto = 6;
	{
		char port[8];
		const char *slash = strchr(colon + 1, '/');
		size_t pl = slash ? (size_t)(slash - colon - 1) : strlen(colon + 1);

		if (pl == 0 || pl >= sizeof port)
			return -1;
		memcpy(port, colon + 1, pl);
		port[pl] = '\0';
		if (parse_u64(port, 1, 65535, &v, &why) < 0)
			return -1;
		r->port = (uint16_t)v;
		if (slash && strcmp(slash + 1, "udp") == 0)
			r->proto = 17;
		else if (slash && strcmp(slash + 1, "tcp") != 0)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct allow_rule rules[64];
	struct dnsd_config cfg = { .machine = "probe" };
	struct pool_err e = { 0 };
	struct dnsd d;
	struct pktrelay r;
	struct pktrelay_addrs ra = { 0 };
	int peer;
	const char *why;
	uint64_t v;
	int i;

	if (getenv("POOL_DEBUG") && *getenv("POOL_DEBUG"))
		log_verbose = 2;
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--allow-lan") == 0) {
			cfg.policy.allow_lan = true;
			continue;
		}
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "--allow") == 0) {
			if (cfg.policy.nrules == 64 || allow_arg(argv[i + 1], &rules[cfg.policy.nrules]) < 0)
				return usage();
			cfg.policy.nrules++;
			cfg.policy.has_allow = true;
		} else if (strcmp(argv[i], "--upstream-port") == 0) {
			if (parse_u64(argv[i + 1], 1, 65535, &v, &why) < 0)
				return usage();
			cfg.upstream_port = (uint16_t)v;
		} else if (strcmp(argv[i], "--state") == 0) {
			cfg.state_file = argv[i + 1];
		} else {
			return usage();
		}
		i++;
	}
	cfg.policy.rules = rules;
	if (argc - i < 4 || parse_ipv4(argv[i + 1], &cfg.machine_ip, &why) < 0 ||
	    parse_ipv4(argv[i + 2], &cfg.server_ip, &why) < 0)
		return usage();
	for (int k = i + 3; k < argc; k++) {
		if (cfg.nupstream == DNSD_UPSTREAMS_MAX ||
		    parse_ipv4(argv[k], &cfg.upstream[cfg.nupstream++], &why) < 0)
			return usage();
	}
	mac_from_ipv4(cfg.machine_ip, cfg.machine_mac);
	mac_from_ipv4(cfg.server_ip, cfg.server_mac);
	cfg.hooks = (struct dnsd_hooks){ .allow = print_allow, .note = print_note };
	memcpy(ra.machine_mac, cfg.machine_mac, 6);
	memcpy(ra.server_mac, cfg.server_mac, 6);
	ra.server_ip = cfg.server_ip;
	ra.port = DNS_PORT;
	if (pktrelay_open(&r, argv[i], &ra, &peer, "DNS", &e) < 0 || dnsd_open(&d, peer, &cfg, &e) < 0) {
		fprintf(stderr, "dnsd_probe: %s\n", e.msg);
		return 1;
	}
	serve_loop("dnsd_probe", d.ep, serve, &d, &r);
	pktrelay_close(&r);
	printf("answered %u refused %u forwarded %u ignored %u failed %u\n", d.answered, d.refused,
	       d.forwarded, d.ignored, d.failed);
	dnsd_close(&d);
	for (size_t k = 0; k < cfg.policy.nrules; k++)
		free(rules[k].name);
	return 0;
}

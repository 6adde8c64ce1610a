/* net_probe.c - drive the channel API from tests (run it inside a network namespace). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/net/channel.h"
#include "src/net/link.h"
#include "src/net/machine_net.h"
#include "src/net/mac.h"
#include "src/common/parse.h"

#define USAGE \
	"usage: net_probe name MACHINE\n" \
	"       net_probe add CHANNEL MACHINE IP nat|isolated [lan] [allow CIDR[:PORT[/tcp|udp]]...]\n" \
	"       net_probe del CHANNEL MACHINE IP\n" \
	"       net_probe tap CHANNEL MACHINE IP nat|isolated [allow ...] -- SHELL-COMMAND\n" \
	"       net_probe subnet CHANNEL\n"

static int fail(const struct pool_err *e)
{
	fprintf(stderr, "net_probe: %s\n", e->msg);
	return 1;
}

/* CIDR[:PORT[/tcp|udp]] */
static int parse_allow(const char *s, struct allow_rule *a)
{
	char buf[64], *colon, *slash;
	const char *why;
	uint64_t port;

	memset(a, 0, sizeof *a);
	snprintf(buf, sizeof buf, "%s", s);
	colon = strchr(buf, ':');
	if (colon) {
		*colon++ = '\0';
		slash = strchr(colon, '/');
		if (slash) {
			*slash++ = '\0';
			if (strcmp(slash, "tcp") == 0)
				a->proto = 6;
			else if (strcmp(slash, "udp") == 0)
				a->proto = 17;
			else
				return -1;
		}
		if (parse_u64(colon, 1, 65535, &port, &why) < 0)
			return -1;
		a->port = (uint16_t)port;
	}
	return parse_cidr(buf, false, &a->net, &a->prefix, &why);
}

/* argv: MACHINE IP MODE [allow RULE...] up to "--" or the end. */
static int machine_args(int argc, char **argv, struct machine_net *mn,
			struct allow_rule *rules, size_t max, int *used)
{
	const char *why;
	uint32_t ip;
	int i;

	if (argc < 2 || parse_ipv4(argv[1], &ip, &why) < 0 ||
	    machine_net_init(mn, argv[0], ip) < 0)
		return -1;
	i = 2;
	if (i < argc && strcmp(argv[i], "--") != 0) {
		if (strcmp(argv[i], "isolated") == 0)
			mn->mode = NET_ISOLATED;
		else if (strcmp(argv[i], "nat") != 0)
			return -1;
		i++;
	}
	mn->allow = rules;
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (!mn->has_allow && strcmp(argv[i], "lan") == 0) {
			mn->allow_lan = true;
			continue;
		}
		if (strcmp(argv[i], "allow") == 0) {
			mn->has_allow = true;
			continue;
		}
		if (mn->nallow >= max || parse_allow(argv[i], &rules[mn->nallow]) < 0)
			return -1;
		mn->nallow++;
	}
	*used = i;
	return 0;
}

int main(int argc, char **argv)
{
	struct pool_err e = { 0 };
	struct allow_rule rules[16];
	struct machine_net mn;
	char cmd[4096] = "";
	uint32_t net;
	unsigned prefix;
	int used, fd, r, i;
	size_t n = 0;

	if (argc == 3 && strcmp(argv[1], "name") == 0) {
		char tap[16];

		if (tap_name(argv[2], tap) < 0)
			return 2;
		printf("%s\n", tap);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "subnet") == 0) {
		char b[16];

		if (channel_subnet(argv[2], &net, &prefix) < 0)
			return 1;
		printf("%s/%u\n", ipv4_str(net, b), prefix);
		return 0;
	}
	if (argc < 5 || machine_args(argc - 3, argv + 3, &mn, rules, 16, &used) < 0) {
		fputs(USAGE, stderr);
		return 2;
	}
	if (strcmp(argv[1], "add") == 0)
		return machine_net_add(argv[2], &mn, &e) < 0 ? fail(&e) : 0;
	if (strcmp(argv[1], "del") == 0)
		return machine_net_del(argv[2], &mn, &e) < 0 ? fail(&e) : 0;
	if (strcmp(argv[1], "tap") != 0) {
		fputs(USAGE, stderr);
		return 2;
	}

	for (i = 3 + used + 1; i < argc; i++) {
		int w = snprintf(cmd + n, sizeof cmd - n, "%s%s", n ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= sizeof cmd - n)
			return 2;
		n += (size_t)w;
	}
	if (tap_create(argv[2], mn.tap, &fd, &e) < 0)
		return fail(&e);
	if (machine_net_add(argv[2], &mn, &e) < 0) {
		close(fd);
		return fail(&e);
	}
	setenv("NET_PROBE_TAP", mn.tap, 1);
	r = n ? system(cmd) : 0;
	if (machine_net_del(argv[2], &mn, &e) < 0) {
		close(fd);
		return fail(&e);
	}
	close(fd);
	return r == 0 ? 0 : 1;
}

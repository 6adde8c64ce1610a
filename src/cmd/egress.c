/* egress.c - pool egress NAME [--json]: what the machine's allow list let
 * through by name (names, addresses, port/proto, remaining TTL), the names
 * it refused, and the connections it dropped (nft counters). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd/usage.h"
#include "common/names.h"
#include "common/parse.h"
#include "ctl_client.h"
#include "net/channel.h"
#include "net/egress.h"
#include "net/nft.h"
#include "supervise/state.h"
#include "util/cleanup.h"
#include "util/fsutil.h"

struct dropped {
	uint32_t addr;
	uint16_t port;
	char proto[8];
	uint64_t packets;
};

#define DROPPED_SHOWN 256

/* "packets N" after p: N, or 0. */
static uint64_t packets_after(const char *p)
{
	const char *k = p ? strstr(p, "packets ") : NULL;

	return k ? strtoull(k + 8, NULL, 10) : 0;
}

/* The elements of the dropped set: "A.B.C.D . tcp . 443 counter packets N ...". */
static size_t parse_dropped(const char *text, struct dropped *d, size_t max)
{
	const char *p = text ? strstr(text, "elements = {") : NULL;
	size_t n = 0;

	if (!p)
		return 0;
	p += 12;
	while (*p && *p != '}' && n < max) {
		char ip[16], proto[8];
		unsigned port;
		const char *why;
		int used = 0;

		p += strspn(p, " \t\n,");
		/* nft's listing of pool's own set, whose ports are 16-bit inet_service */
		if (sscanf(p, "%15[0-9.] . %7[a-z0-9] . %u%n", ip, proto, &port, &used) == 3 &&	/* NOLINT(cert-err34-c) */
		    parse_ipv4(ip, &d[n].addr, &why) == 0 && port <= 65535) {
			d[n].port = (uint16_t)port;
			snprintf(d[n].proto, sizeof d[n].proto, "%s", proto);
			d[n].packets = packets_after(p + used);
			n++;
		}
		p = strpbrk(p, ",}");
		if (!p)
			break;
		if (*p == ',')
			p++;
	}
	return n;
}

int cmd_egress(int argc, char **argv, struct pool_err *e)
{
	const char *root = state_root(), *name = NULL;
	_cleanup_free_ char *text = NULL, *counter = NULL, *set = NULL;
	_cleanup_free_ struct dropped *drop = NULL;
	struct egress_entry *res = NULL;
	struct egress_refusal *ref = NULL;
	size_t nres = 0, nref = 0, ndrop = 0, len;
	struct ctl_status st;
	char path[PATH_MAX + 32], obj[96];
	uint64_t total = 0, now = (uint64_t)time(NULL);
	bool json = false;
	int status = -1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else
			return unexpected(e, argv[0], argv[i]);
	}
	if (!name)
		return cmd_usage_error(e, argv[0], NULL);
	if (!valid_machine_name(name))
		return pool_err_usage(e, "egress: %s is not a machine name", name);
	if (ctl_query(root, name, &st, e) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/%s/egress", root, name);
	if (read_file(path, 1u << 20, &text, &len, e) < 0 && errno != ENOENT)
		return -1;
	res = calloc(EGRESS_ENTRIES_MAX, sizeof *res);
	ref = calloc(EGRESS_REFUSED_MAX, sizeof *ref);
	drop = calloc(DROPPED_SHOWN, sizeof *drop);
	if (!res || !ref || !drop) {
		pool_err_sys(e, "egress");
		goto out;
	}
	for (char *line = text, *next; line && *line; line = next) {
		struct egress_entry en;
		struct egress_refusal f;
		const char *why;
		int k;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		k = egress_line_parse(line, &en, &f, &why);
		if (k == 'r' && nres < EGRESS_ENTRIES_MAX && en.expires > now)
			res[nres++] = en;
		else if (k == 'f' && nref < EGRESS_REFUSED_MAX)
			ref[nref++] = f;
	}
	if (st.channel[0] && valid_channel_name(st.channel)) {
		struct pool_err ignore = { 0 };
		char cmd[160];

		snprintf(obj, sizeof obj, "%s_d_%s", st.channel, name);
		snprintf(cmd, sizeof cmd, "list counter inet %s %s", CHANNEL_NFT_TABLE, obj);
		if (nft_run(cmd, &counter, &ignore) == 0)
			total = packets_after(counter);
		snprintf(cmd, sizeof cmd, "list set inet %s %s_x_%s", CHANNEL_NFT_TABLE, st.channel, name);
		if (nft_run(cmd, &set, &ignore) == 0)
			ndrop = parse_dropped(set, drop, DROPPED_SHOWN);
	}

	if (json) {
		char ip[16];

		/* names passed egress_line_parse: [a-z0-9._-], nothing to escape */
		printf("{\"name\": \"%s\", \"allow_list\": %s, \"resolved\": [", name, counter ? "true" : "false");
		for (size_t i = 0; i < nres; i++)
			printf("%s{\"name\": \"%s\", \"address\": \"%s\", \"port\": %u, \"proto\": \"%s\", \"ttl_s\": %llu}",
			       i ? ", " : "", res[i].name, ipv4_str(res[i].addr, ip), res[i].port,
			       res[i].proto == 6 ? "tcp" : res[i].proto == 17 ? "udp" : "any",
			       (unsigned long long)(res[i].expires - now));
		printf("], \"refused\": [");
		for (size_t i = 0; i < nref; i++)
			printf("%s{\"name\": \"%s\", \"count\": %llu, \"last\": %llu}", i ? ", " : "", ref[i].name,
			       (unsigned long long)ref[i].count, (unsigned long long)ref[i].last);
		printf("], \"dropped\": {\"total\": %llu, \"destinations\": [", (unsigned long long)total);
		for (size_t i = 0; i < ndrop; i++)
			printf("%s{\"address\": \"%s\", \"port\": %u, \"proto\": \"%s\", \"packets\": %llu}",
			       i ? ", " : "", ipv4_str(drop[i].addr, ip), drop[i].port, drop[i].proto,
			       (unsigned long long)drop[i].packets);
		printf("]}}\n");
	} else {
		char ip[16], where[32];

		if (!counter)
			printf("%s has no allow list: every name is resolved, nothing is dropped by name\n", name);
		printf("%-40s %-15s %-9s %s\n", "RESOLVED", "ADDRESS", "PORT", "TTL");
		for (size_t i = 0; i < nres; i++) {
			if (res[i].port)
				snprintf(where, sizeof where, "%u/%s", res[i].port, res[i].proto == 17 ? "udp" : "tcp");
			else
				snprintf(where, sizeof where, "any");
			printf("%-40s %-15s %-9s %llus\n", res[i].name, ipv4_str(res[i].addr, ip), where,
			       (unsigned long long)(res[i].expires - now));
		}
		printf("\n%-40s %s\n", "REFUSED", "TIMES");
		for (size_t i = 0; i < nref; i++)
			printf("%-40s %llu\n", ref[i].name, (unsigned long long)ref[i].count);
		printf("\nDROPPED %llu connection attempt%s\n", (unsigned long long)total, total == 1 ? "" : "s");
		for (size_t i = 0; i < ndrop; i++)
			printf("  %s:%u/%s %llu\n", ipv4_str(drop[i].addr, ip), drop[i].port, drop[i].proto,
			       (unsigned long long)drop[i].packets);
	}
	status = 0;
out:
	free(res);
	free(ref);
	return status;
}

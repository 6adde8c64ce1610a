/* config.c - the config.yml a Nebula 1.6 node runs with, from a struct.
 * Pure: the supervisor writes it into the machine's secret archive, pool
 * mesh lighthouse into its own folder. Every value in it was validated
 * (addresses, group names, certificate names), so nothing needs quoting
 * beyond the double quotes YAML keys of addresses want. */
#include "mesh/mesh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/parse.h"

static const char *proto_name(enum mesh_proto p)
{
	switch (p) {
	case MESH_PROTO_TCP: return "tcp";
	case MESH_PROTO_UDP: return "udp";
	case MESH_PROTO_ICMP: return "icmp";
	default: return "any";
	}
}

static void rule_head(FILE *f, const struct mesh_rule *r)
{
	if (r->port_lo == 0)
		fprintf(f, "    - port: any\n");
	else if (r->port_lo == r->port_hi)
		fprintf(f, "    - port: %u\n", r->port_lo);
	else
		fprintf(f, "    - port: %u-%u\n", r->port_lo, r->port_hi);
	fprintf(f, "      proto: %s\n", proto_name(r->proto));
}

static void inbound(FILE *f, const struct mesh_node *n)
{
	char ip[16];

	fprintf(f, "  inbound:\n");
	if (!n->has_inbound) {
		/* the default: ICMP from the mesh, nothing else */
		fprintf(f, "    - port: any\n      proto: icmp\n      host: any\n");
		return;
	}
	if (!n->ninbound) {
		/* an empty list: nothing comes in. Nebula needs a list; one
		 * rule that no certificate can meet keeps it empty in effect. */
		fprintf(f, "    - port: any\n      proto: icmp\n      cidr: 255.255.255.255/32\n");
		return;
	}
	for (size_t i = 0; i < n->ninbound; i++) {
		const struct mesh_rule *r = &n->inbound[i];

		if (r->ngroups) {
			for (size_t g = 0; g < r->ngroups; g++) {
				rule_head(f, r);
				fprintf(f, "      group: %s\n", r->groups[g]);
			}
		} else if (r->host) {
			rule_head(f, r);
			fprintf(f, "      host: %s\n", r->host);
		} else {
			rule_head(f, r);
			fprintf(f, "      cidr: %s/%u\n", ipv4_str(r->cidr, ip), r->cidr_prefix);
		}
	}
}

char *mesh_config_yaml(const struct mesh_node *n)
{
	char *text = NULL;
	size_t len = 0, i;
	char a[16], b[16];
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fprintf(f, "# written by pool at each boot; changes are lost\n");
	fprintf(f, "pki:\n  ca: %s\n  cert: %s\n  key: %s\n", n->ca, n->cert, n->key);
	fprintf(f, "static_host_map:\n");
	if (!n->nlighthouses)
		fprintf(f, "  {}\n");
	for (i = 0; i < n->nlighthouses; i++) {
		const struct mesh_lighthouse *l = &n->lighthouses[i];

		fprintf(f, "  \"%s\": [\"%s:%u\"]\n", ipv4_str(l->overlay, a), ipv4_str(l->host, b),
			l->port);
	}
	fprintf(f, "lighthouse:\n  am_lighthouse: %s\n  interval: 60\n",
		n->lighthouse ? "true" : "false");
	if (!n->lighthouse && n->nlighthouses) {
		fprintf(f, "  hosts:\n");
		for (i = 0; i < n->nlighthouses; i++)
			fprintf(f, "    - \"%s\"\n", ipv4_str(n->lighthouses[i].overlay, a));
	}
	if (n->nadvertise) {
		fprintf(f, "  advertise_addrs:\n");
		for (i = 0; i < n->nadvertise; i++)
			fprintf(f, "    - \"%s:%u\"\n", ipv4_str(n->advertise[i].ip, a), n->advertise[i].port);
	}
	fprintf(f, "listen:\n  host: %s\n  port: %u\n", n->listen_host ? n->listen_host : "0.0.0.0",
		n->listen_port);
	fprintf(f, "punchy:\n  punch: true\n  respond: true\n");
	/* Lighthouses relay: two machines on one host cannot reach each
	 * other's underlay (pool drops it), so their host's lighthouse
	 * carries what passes between them. */
	fprintf(f, "relay:\n  am_relay: %s\n  use_relays: true\n", n->lighthouse ? "true" : "false");
	if (!n->lighthouse && n->nlighthouses) {
		fprintf(f, "  relays:\n");
		for (i = 0; i < n->nlighthouses; i++)
			fprintf(f, "    - \"%s\"\n", ipv4_str(n->lighthouses[i].overlay, a));
	}
	if (n->lighthouse)
		fprintf(f, "tun:\n  disabled: true\n");
	else
		fprintf(f, "tun:\n  disabled: false\n  dev: %s\n  mtu: 1300\n",
			n->tun_dev ? n->tun_dev : "nebula1");
	fprintf(f, "logging:\n  level: info\n  format: text\n");
	fprintf(f, "firewall:\n");
	fprintf(f, "  conntrack:\n    tcp_timeout: 12m\n    udp_timeout: 3m\n    default_timeout: 10m\n");
	fprintf(f, "  outbound:\n    - port: any\n      proto: any\n      host: any\n");
	inbound(f, n);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

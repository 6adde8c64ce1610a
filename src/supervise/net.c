/* net.c - a machine's side of its channel: the channel brought up when it is
 * the default one and down, the TAP, the machine's rules, its DHCP
 * responder and resolver, and the relays that carry their frames. */
#include "supervise/net.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/parse.h"
#include "net/channel.h"
#include "net/link.h"
#include "net/mac.h"
#include "net/machine_net.h"

void sup_net_init(struct sup_net *n)
{
	*n = (struct sup_net){ .tap_fd = -1, .dhcp = { .fd = -1 },
			       .dns = { .ep = -1, .tap_fd = -1, .timer_fd = -1 } };
	pktrelay_init(&n->dhcp_relay);
	pktrelay_init(&n->dns_relay);
}

/* The channel, the TAP, the machine's rules and its DHCP responder. */
int sup_net_open(const struct plan *p, struct sup_net *n, struct pool_err *e)
{
	const struct machine *m = p->m;
	struct dhcpd_config dc = { 0 };
	struct pktrelay_addrs ra = { 0 };
	uint32_t subnet;
	int peer;
	unsigned prefix;

	/* Only the default channel comes up by itself: a spec cannot make a
	 * bridge with a subnet of its choosing. */
	if (strcmp(m->channel, POOL_DEFAULT_CHANNEL) == 0) {
		bool brought;

		if (channel_ensure_default(&brought, e) < 0) {
			size_t len;

			pool_err_wrap(e, "channel %s", m->channel);
			len = strlen(e->msg);
			snprintf(e->msg + len, sizeof e->msg - len,
				 " (sudo pool channel up --uplink IF makes it; --network none boots the machine without a network)");
			return -1;
		}
		if (brought)
			log_info("channel %s was down: brought it up (uplink auto, %s/%u)", m->channel,
				 ipv4_str(POOL_DEFAULT_SUBNET, (char[16]){ 0 }), POOL_DEFAULT_PREFIX);
	}
	if (channel_subnet(m->channel, &subnet, &prefix) < 0)
		return pool_err_usage(e, "%s: channel %s is not up (pool brings up only %s by itself): make it first with sudo pool channel up %s --subnet CIDR",
				      m->file, m->channel, POOL_DEFAULT_CHANNEL, m->channel);
	if (!ipv4_in(m->address, subnet, prefix))
		return pool_err_usage(e, "%s: address %s is outside channel %s (%s/%u)", m->file,
				      ipv4_str(m->address, (char[16]){ 0 }), m->channel,
				      ipv4_str(subnet, (char[16]){ 0 }), prefix);
	/* A crashed supervisor may have left this machine's rules: clear them. */
	machine_net_del(m->channel, &p->net, &(struct pool_err){ 0 });
	if (tap_create(m->channel, p->net.tap, &n->tap_fd, e) < 0)
		return -1;
	if (machine_net_add(m->channel, &p->net, e) < 0)
		return -1;
	n->added = true;

	memcpy(dc.machine_mac, p->net.mac, 6);
	dc.machine_ip = m->address;
	dc.prefix = prefix;
	dc.router = subnet + 1;
	dc.server_ip = subnet + 1;
	mac_from_ipv4(subnet + 1, dc.server_mac);
	dc.lease_time = 86400;
	memcpy(ra.machine_mac, p->net.mac, 6);
	memcpy(ra.server_mac, dc.server_mac, 6);
	ra.server_ip = subnet + 1;
	ra.port = DHCP_SERVER_PORT;
	if (pktrelay_open(&n->dhcp_relay, p->net.tap, &ra, &peer, "DHCP", e) < 0)
		return -1;
	if (m->network == NET_ISOLATED) {	/* isolated machines reach nothing but DHCP */
		dhcpd_open(&n->dhcp, peer, &dc, m->name);
		return 0;
	}
	/* the machine's resolver is its supervisor, on the channel's address */
	dc.dns[0] = subnet + 1;
	dc.ndns = 1;
	dhcpd_open(&n->dhcp, peer, &dc, m->name);
	ra.port = DNS_PORT;
	if (pktrelay_open(&n->dns_relay, p->net.tap, &ra, &peer, "DNS", e) < 0)
		return -1;
	{
		char state[PATH_MAX + 16];
		struct dnsd_config nc = {
			.machine = m->name, .machine_ip = m->address, .server_ip = subnet + 1,
			.policy = { .has_allow = m->has_allow, .allow_lan = m->allow_lan,
				    .rules = m->allow, .nrules = m->nallow },
			.state_file = state, .hooks = n->dns_hooks,
		};

		snprintf(state, sizeof state, "%s/egress", p->state_dir);
		memcpy(nc.machine_mac, p->net.mac, 6);
		mac_from_ipv4(subnet + 1, nc.server_mac);
		nc.nupstream = dnsd_upstreams(nc.upstream, DNSD_UPSTREAMS_MAX);
		if (nc.nupstream == 0)
			log_warnx("%s: no upstream resolver in /etc/resolv.conf: every name the machine asks for fails",
				  m->name);
		return dnsd_open(&n->dns, peer, &nc, e);
	}
}

void sup_net_close(const struct plan *p, struct sup_net *n)
{
	struct pool_err ignore = { 0 };

	dhcpd_close(&n->dhcp);
	dnsd_close(&n->dns);
	pktrelay_close(&n->dhcp_relay);
	pktrelay_close(&n->dns_relay);
	if (n->added && machine_net_del(p->m->channel, &p->net, &ignore) < 0)
		log_warnx("removing %s's rules: %s", p->m->name, ignore.msg);
	n->added = false;
	if (n->tap_fd >= 0)
		close(n->tap_fd);	/* the TAP goes with its last fd */
	n->tap_fd = -1;
}

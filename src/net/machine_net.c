/* machine_net.c - a machine on a channel: its anti-spoofing chain keyed on
 * its TAP, and its forwarding elements (nat, or its allow list; the LAN
 * with --allow-lan). */
#include "net/machine_net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/names.h"
#include "common/parse.h"
#include "net/channel.h"
#include "net/mac.h"
#include "net/egress.h"
#include "net/nft.h"
#include "util/cleanup.h"

int machine_net_init(struct machine_net *mn, const char *name, uint32_t ip)
{
	memset(mn, 0, sizeof *mn);
	if (!valid_machine_name(name) || tap_name(name, mn->tap) < 0)
		return -1;
	snprintf(mn->name, sizeof mn->name, "%s", name);
	mac_from_ipv4(ip, mn->mac);
	mn->ip = ip;
	mn->mode = NET_NAT;
	return 0;
}

static int check_machine(const char *channel, const struct machine_net *mn, struct pool_err *e)
{
	if (!valid_channel_name(channel))
		return pool_err_usage(e, "channel name %s: want [a-z][a-z0-9-], at most 15 characters",
				      channel);
	if (!valid_machine_name(mn->name))
		return pool_err_usage(e, "machine name %s is not valid", mn->name);
	if (!nft_name_ok(mn->tap))
		return pool_err_usage(e, "TAP name %s is not valid", mn->tap);
	if (mn->mode != NET_NAT && mn->mode != NET_ISOLATED)
		return pool_err_usage(e, "machine %s: network none has no place on a channel", mn->name);
	return 0;
}

static void allow_rule_script(FILE *f, const char *chain, const struct allow_rule *a)
{
	char nbuf[16];
	const char *proto = a->proto == 6 ? "tcp" : a->proto == 17 ? "udp" : NULL;
	unsigned prefix = a->prefix > 32 ? 32 : a->prefix;

	fprintf(f, "add rule inet %s %s ip daddr %s/%u", CHANNEL_NFT_TABLE, chain,
		ipv4_str(a->net & prefix_mask(prefix), nbuf), prefix);
	if (proto && a->port)
		fprintf(f, " %s dport %u", proto, a->port);
	else if (proto)
		fprintf(f, " meta l4proto %s", proto);
	else if (a->port)
		fprintf(f, " meta l4proto { tcp, udp } th dport %u", a->port);
	fprintf(f, " accept\n");
}

/* The machine's mesh chain, jumped to from <channel>_mesh by its address
 * (on the input and forward hooks, after which the channel's drop still
 * stands) and from its allow list's chain before that list's drop, and
 * the DNAT of its port on the host. */
static void mesh_script(FILE *f, const char *channel, const struct machine_net *mn)
{
	const char *t = CHANNEL_NFT_TABLE;
	char chain[80], nd[80], ibuf[16], hbuf[16];

	snprintf(chain, sizeof chain, "%s_n_%s", channel, mn->name);
	snprintf(nd, sizeof nd, "%s_nd_%s", channel, mn->name);
	ipv4_str(mn->ip, ibuf);
	fprintf(f, "add chain inet %1$s %2$s\nflush chain inet %1$s %2$s\n", t, chain);
	/* the host's own lighthouse: UDP to that port of the host, nothing else of it */
	if (mn->mesh_lh_port && mn->mesh_lh_ip)
		fprintf(f, "add rule inet %s %s iifname \"%s\" ip daddr %s udp dport %u accept\n", t, chain,
			channel, ipv4_str(mn->mesh_lh_ip, hbuf), mn->mesh_lh_port);
	else if (mn->mesh_lh_port)
		fprintf(f, "add rule inet %s %s iifname \"%s\" fib daddr type local udp dport %u accept\n",
			t, chain, channel, mn->mesh_lh_port);
	/* the spec's lighthouses (and relays), elsewhere: UDP to exactly those */
	for (size_t i = 0; i < mn->nlighthouses; i++)
		fprintf(f, "add rule inet %s %s iifname \"%s\" fib daddr type != local ip daddr %s udp dport %u accept\n",
			t, chain, channel, ipv4_str(mn->lighthouses[i].host, hbuf), mn->lighthouses[i].port);
	if (mn->mesh_port) {
		/* peers on other hosts, to the machine's port on this one */
		fprintf(f, "add rule inet %s %s oifname \"%s\" ip daddr %s udp dport %u ct status dnat accept\n",
			t, chain, channel, ibuf, mn->mesh_guest_port);
		/* cppcheck-suppress invalidPrintfArgType_s ; cppcheck misreads positional %N$ arguments */
		fprintf(f,
			"add chain inet %1$s %2$s { type nat hook prerouting priority dstnat; policy accept; }\n"
			"flush chain inet %1$s %2$s\n"
			"add rule inet %1$s %2$s iifname != \"%3$s\" fib daddr type local udp dport %4$u"
			" dnat ip to %5$s:%6$u\n",
			t, nd, channel, mn->mesh_port, ibuf, mn->mesh_guest_port);
	}
	fprintf(f, "add element inet %s %s_mesh { %s : jump %s }\n", t, channel, ibuf, chain);
}

int machine_net_add(const char *channel, const struct machine_net *mn, struct pool_err *e)
{
	_cleanup_free_ char *linet = NULL, *lbridge = NULL, *script = NULL;
	const char *t = CHANNEL_NFT_TABLE;
	char ibuf[16], mbuf[18], ports[64], nat[64], allow[64], allowlan[64];
	size_t slen, i;
	FILE *f;

	if (check_machine(channel, mn, e) < 0)
		return -1;
	if (nft_list_table("inet", t, true, &linet, e) < 0 ||
	    nft_list_table("bridge", t, true, &lbridge, e) < 0)
		return -1;
	snprintf(ports, sizeof ports, "ports");
	snprintf(nat, sizeof nat, "%s_nat", channel);
	snprintf(allow, sizeof allow, "%s_allow", channel);
	snprintf(allowlan, sizeof allowlan, "%s_allowlan", channel);
	if (!lbridge || !linet || !nft_has_object(lbridge, "map", ports) ||
	    !nft_has_object(linet, "set", nat) || !nft_has_object(linet, "map", allow) ||
	    !nft_has_object(linet, "set", allowlan) ||
	    !nft_has_object(linet, "set", "hostnets"))
		return pool_err_fail(e, "channel %s is not up; run pool channel up --name %s",
				     channel, channel);
	snprintf(allow, sizeof allow, "%s_mesh", channel);
	if (mn->mesh && !nft_has_object(linet, "map", allow))
		return pool_err_fail(e, "channel %s was brought up by an older pool, without meshes; run pool channel up --name %s",
				     channel, channel);

	ipv4_str(mn->ip, ibuf);
	mac_str(mn->mac, mbuf);
	f = open_memstream(&script, &slen);
	if (!f)
		return pool_err_sys(e, "nft script");
	/* Anti-spoofing on the TAP (Qubes' antispoof): own MAC, own IP, the
	 * DHCP client's 0.0.0.0 broadcast, ARP that tells the truth. */
	fprintf(f,
		"add chain bridge %1$s %2$s_m_%3$s\n"
		"flush chain bridge %1$s %2$s_m_%3$s\n"
		"add rule bridge %1$s %2$s_m_%3$s ether saddr != %4$s drop\n"
		"add rule bridge %1$s %2$s_m_%3$s arp htype 1 arp ptype ip arp hlen 6 arp plen 4"
		" arp operation { request, reply } arp saddr ether %4$s arp saddr ip %5$s accept\n"
		"add rule bridge %1$s %2$s_m_%3$s ip saddr %5$s accept\n"
		"add rule bridge %1$s %2$s_m_%3$s ip saddr 0.0.0.0 ip daddr 255.255.255.255"
		" udp sport 68 udp dport 67 accept\n"
		"add rule bridge %1$s %2$s_m_%3$s drop\n"
		"add element bridge %1$s ports { \"%6$s\" : goto %2$s_m_%3$s }\n",
		t, channel, mn->name, mbuf, ibuf, mn->tap);
	/* the mesh chain first: the allow list's chain jumps to it */
	if (mn->mesh)
		mesh_script(f, channel, mn);
	if (mn->mode == NET_NAT) {
		if (channel_hostnets_script(f, e) < 0) {
			fclose(f);
			return -1;
		}
		if (mn->allow_lan)
			fprintf(f, "add element inet %s %s { %s }\n", t, allowlan, ibuf);
	}
	if (mn->mode == NET_NAT && !mn->has_allow) {
		fprintf(f, "add element inet %s %s_nat { %s }\n", t, channel, ibuf);
	} else if (mn->mode == NET_NAT) {
		char chain[80];

		snprintf(chain, sizeof chain, "%s_a_%s", channel, mn->name);
		/* Names: the resolver's elements, each with its own timeout,
		 * in bounded sets of the machine's own (egress.h); what the
		 * list drops is counted, and its destinations remembered. */
		/* cppcheck-suppress invalidPrintfArgType_s ; cppcheck misreads positional %N$ arguments */
		fprintf(f,
			"add set inet %1$s %2$s_e_%3$s { type ipv4_addr . inet_proto . inet_service; flags timeout; size %4$u; }\n"
			"flush set inet %1$s %2$s_e_%3$s\n"
			"add set inet %1$s %2$s_h_%3$s { type ipv4_addr; flags timeout; size %4$u; }\n"
			"flush set inet %1$s %2$s_h_%3$s\n"
			"add set inet %1$s %2$s_x_%3$s { type ipv4_addr . inet_proto . inet_service; flags dynamic,timeout; size %5$u; timeout 1h; counter; }\n"
			"flush set inet %1$s %2$s_x_%3$s\n"
			"add counter inet %1$s %2$s_d_%3$s\n",
			t, channel, mn->name, EGRESS_ENTRIES_MAX, MACHINE_NET_DROPPED_MAX);
		fprintf(f, "add chain inet %s %s\nflush chain inet %s %s\n", t, chain, t, chain);
		/* a live connection outlives the element that let it start */
		fprintf(f, "add rule inet %s %s ct state established,related accept\n", t, chain);
		/* the mesh's lighthouses (the host's grant), before the list's
		 * drop: what the mesh chain does not take comes back here */
		if (mn->mesh)
			fprintf(f, "add rule inet %s %s jump %s_n_%s\n", t, chain, channel, mn->name);
		for (i = 0; i < mn->nallow; i++)
			if (!mn->allow[i].name)
				allow_rule_script(f, chain, &mn->allow[i]);
		fprintf(f,
			"add rule inet %1$s %4$s ip daddr . meta l4proto . th dport @%2$s_e_%3$s accept\n"
			"add rule inet %1$s %4$s ip daddr @%2$s_h_%3$s accept\n"
			"add rule inet %1$s %4$s ct state new counter name %2$s_d_%3$s"
			" meta l4proto { tcp, udp } update @%2$s_x_%3$s { ip daddr . meta l4proto . th dport }\n",
			t, channel, mn->name, chain);
		fprintf(f, "add rule inet %s %s drop\n", t, chain);
		fprintf(f, "add element inet %s %s_allow { %s : goto %s }\n", t, channel, ibuf, chain);
	}
	if (nft_run_stream(f, &script, e) < 0)
		return pool_err_wrap(e, "machine %s on channel %s", mn->name, channel);
	return 0;
}

/* The machine's chain CHANNEL_KIND_NAME, and first its element in the
 * channel's verdict map CHANNEL+MAP (when MAP is given): whether there
 * was one. */
static bool del_chain(FILE *f, const char *linet, const char *channel, const char *map, const char *verdict,
		      const char *kind, const char *name, const char *ibuf)
{
	const char *t = CHANNEL_NFT_TABLE;
	char chain[80], mapname[64];

	snprintf(chain, sizeof chain, "%s_%s_%s", channel, kind, name);
	if (!linet || !nft_has_object(linet, "chain", chain))
		return false;
	snprintf(mapname, sizeof mapname, "%s%s", channel, map ? map : "");
	if (map && nft_has_object(linet, "map", mapname))
		fprintf(f, "add element inet %1$s %2$s { %3$s : %4$s %5$s }\n"
			"delete element inet %1$s %2$s { %3$s }\n",
			t, mapname, ibuf, verdict, chain);
	fprintf(f, "flush chain inet %1$s %2$s\ndelete chain inet %1$s %2$s\n", t, chain);
	return true;
}

int machine_net_del(const char *channel, const struct machine_net *mn, struct pool_err *e)
{
	_cleanup_free_ char *linet = NULL, *lbridge = NULL, *script = NULL;
	const char *t = CHANNEL_NFT_TABLE;
	char ibuf[16], name[64], mchain[80];
	size_t slen;
	bool any = false;
	FILE *f;

	if (check_machine(channel, mn, e) < 0)
		return -1;
	if (nft_list_table("inet", t, true, &linet, e) < 0 ||
	    nft_list_table("bridge", t, true, &lbridge, e) < 0)
		return -1;
	ipv4_str(mn->ip, ibuf);
	snprintf(mchain, sizeof mchain, "%s_m_%s", channel, mn->name);
	f = open_memstream(&script, &slen);
	if (!f)
		return pool_err_sys(e, "nft script");
	/* nft 1.0.6 has no "destroy": an element is added, then deleted, in
	 * the same transaction, so a missing one is no error. */
	if (lbridge && nft_has_object(lbridge, "chain", mchain)) {
		if (nft_has_object(lbridge, "map", "ports"))
			fprintf(f, "add element bridge %1$s ports { \"%2$s\" : goto %3$s }\n"
				"delete element bridge %1$s ports { \"%2$s\" }\n",
				t, mn->tap, mchain);
		fprintf(f, "flush chain bridge %1$s %2$s\ndelete chain bridge %1$s %2$s\n", t, mchain);
		any = true;
	}
	snprintf(name, sizeof name, "%s_nat", channel);
	if (linet && nft_has_object(linet, "set", name)) {
		fprintf(f, "add element inet %1$s %2$s { %3$s }\ndelete element inet %1$s %2$s { %3$s }\n",
			t, name, ibuf);
		any = true;
	}
	snprintf(name, sizeof name, "%s_allowlan", channel);
	if (linet && nft_has_object(linet, "set", name)) {
		fprintf(f, "add element inet %1$s %2$s { %3$s }\ndelete element inet %1$s %2$s { %3$s }\n",
			t, name, ibuf);
		any = true;
	}
	any |= del_chain(f, linet, channel, "_allow", "goto", "a", mn->name, ibuf);
	any |= del_chain(f, linet, channel, "_mesh", "jump", "n", mn->name, ibuf);
	any |= del_chain(f, linet, channel, NULL, NULL, "nd", mn->name, ibuf);
	/* the allow list's sets and counter, once no chain refers to them */
	for (const char *k = "ehx"; linet && *k; k++) {
		snprintf(name, sizeof name, "%s_%c_%s", channel, *k, mn->name);
		if (nft_has_object(linet, "set", name)) {
			fprintf(f, "delete set inet %s %s\n", t, name);
			any = true;
		}
	}
	snprintf(name, sizeof name, "%s_d_%s", channel, mn->name);
	if (linet && nft_has_object(linet, "counter", name)) {
		fprintf(f, "delete counter inet %s %s\n", t, name);
		any = true;
	}
	if (!any) {
		fclose(f);
		return 0;
	}
	if (nft_run_stream(f, &script, e) < 0)
		return pool_err_wrap(e, "removing machine %s from channel %s", mn->name, channel);
	return 0;
}

int machine_net_allow(const char *channel, const char *machine, const struct egress_elem *el,
		      size_t n, struct pool_err *e)
{
	_cleanup_free_ char *script = NULL;
	const char *t = CHANNEL_NFT_TABLE;
	size_t slen;
	FILE *f;

	if (!valid_channel_name(channel) || !valid_machine_name(machine))
		return pool_err_usage(e, "allow: bad channel or machine name");
	if (n == 0)
		return 0;
	if (n > EGRESS_ADD_MAX)
		return pool_err_usage(e, "allow: more than %u elements at once", EGRESS_ADD_MAX);
	for (size_t i = 0; i < n; i++) {
		const struct egress_elem *x = &el[i];

		if (egress_addr_never(x->addr) || x->timeout < 1 ||
		    x->timeout > EGRESS_TTL_CAP + EGRESS_TTL_SLACK ||
		    (x->port == 0) != (x->proto == 0) || (x->proto && x->proto != 6 && x->proto != 17))
			return pool_err_usage(e, "allow: element %zu of %s is not one pool opens", i, machine);
	}
	f = open_memstream(&script, &slen);
	if (!f)
		return pool_err_sys(e, "nft script");
	/* Linux 6.1 keeps an element's old timeout when it is added again:
	 * add (so the delete finds it), delete, add with the new one. */
	for (size_t i = 0; i < n; i++) {
		const struct egress_elem *x = &el[i];
		char ip[16], key[48];

		ipv4_str(x->addr, ip);
		if (x->port)
			snprintf(key, sizeof key, "%s . %s . %u", ip, x->proto == 6 ? "tcp" : "udp", x->port);
		else
			snprintf(key, sizeof key, "%s", ip);
		/* cppcheck-suppress invalidPrintfArgType_s ; cppcheck misreads positional %N$ arguments */
		fprintf(f,
			"add element inet %1$s %2$s_%3$c_%4$s { %5$s }\n"
			"delete element inet %1$s %2$s_%3$c_%4$s { %5$s }\n"
			"add element inet %1$s %2$s_%3$c_%4$s { %5$s timeout %6$us }\n",
			t, channel, x->port ? 'e' : 'h', machine, key, x->timeout);
	}
	if (nft_run_stream(f, &script, e) < 0)
		return pool_err_wrap(e, "opening %zu address%s for %s", n, n == 1 ? "" : "es", machine);
	return 0;
}

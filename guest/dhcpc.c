/* dhcpc.c - pool-init's DHCP client state machine and the pool.net= parser: pure, no system calls. */
#include <stdio.h>
#include <string.h>

#include "net.h"

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static bool ifname_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
}

int net_spec_parse(const char *s, uint8_t mac[6], char ifname[NET_IFNAME_MAX + 1], const char **why)
{
	size_t i, n;

	/* MAC: exactly "xx:xx:xx:xx:xx:xx"; each read is checked before the next. */
	for (i = 0; i < 6; i++) {
		int hi, lo;

		if ((hi = hexval(s[3 * i])) < 0 || (lo = hexval(s[3 * i + 1])) < 0) {
			*why = "MAC is not six hex octets";
			return -1;
		}
		mac[i] = (uint8_t)(hi << 4 | lo);
		if (s[3 * i + 2] != (i < 5 ? ':' : ',')) {
			*why = i < 5 ? "MAC is not six hex octets" : "expected MAC,IFNAME";
			return -1;
		}
	}
	if (mac[0] & 1) {
		*why = "MAC is multicast";
		return -1;
	}
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
		*why = "MAC is all zero";
		return -1;
	}
	s += 18;
	for (n = 0; s[n]; n++) {
		if (n >= NET_IFNAME_MAX) {
			*why = "interface name longer than 15 bytes";
			return -1;
		}
		if (!ifname_char_ok(s[n])) {
			*why = "interface name has a character outside [A-Za-z0-9_.-]";
			return -1;
		}
	}
	if (n == 0 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
		*why = "bad interface name";
		return -1;
	}
	memcpy(ifname, s, n + 1);
	return 0;
}

/* ---- leases ---- */

static bool mask_contiguous(uint32_t mask, unsigned *prefix)
{
	unsigned p = 0;

	while (p < 32 && (mask & (0x80000000u >> p)))
		p++;
	if (p < 32 && (mask << p) != 0)
		return false;
	*prefix = p;
	return true;
}

/* A unicast address a host may hold: not 0/8, 127/8, class D/E. */
static bool host_addr_ok(uint32_t a)
{
	uint8_t top = (uint8_t)(a >> 24);

	return top != 0 && top != 127 && top < 224;
}

int dhcpc_lease_from_ack(const struct dhcp_msg *m, struct net_lease *l, const char **why)
{
	uint32_t mask;
	unsigned prefix, i;

	if (!host_addr_ok(m->yiaddr)) {
		*why = "ACK gives no usable address";
		return -1;
	}
	if (m->has_subnet_mask)
		mask = m->subnet_mask;
	else	/* classful, as RFC 2131 leaves it to the client */
		mask = m->yiaddr >> 24 < 128 ? 0xff000000u : m->yiaddr >> 24 < 192 ? 0xffff0000u : 0xffffff00u;
	if (!mask_contiguous(mask, &prefix) || prefix == 0 || prefix > 32) {
		*why = "ACK's subnet mask is not contiguous";
		return -1;
	}
	if (prefix < 31 && ((m->yiaddr & ~mask) == 0 || (m->yiaddr & ~mask) == ~mask)) {
		*why = "ACK's address is its subnet's network or broadcast";
		return -1;
	}
	l->addr = m->yiaddr;
	l->mask = mask;
	l->prefix = prefix;
	l->broadcast = (m->yiaddr & mask) | ~mask;
	if (m->has_broadcast && (m->broadcast & mask) == (m->yiaddr & mask) &&
	    prefix < 31 && m->broadcast != m->yiaddr)
		l->broadcast = m->broadcast;
	/* A router we cannot reach on the link would need a host route first;
	 * pool's responder never gives one, so it is dropped. */
	l->has_router = m->has_router && host_addr_ok(m->router) && m->router != m->yiaddr &&
			(m->router & mask) == (m->yiaddr & mask);
	l->router = l->has_router ? m->router : 0;
	l->ndns = 0;
	for (i = 0; i < m->ndns && i < DHCP_MAX_DNS; i++)
		if (m->dns[i] != 0 && m->dns[i] != 0xffffffffu && (m->dns[i] >> 24) < 224)
			l->dns[l->ndns++] = m->dns[i];
	l->server_id = m->has_server_id ? m->server_id : 0;
	l->lease_time = m->has_lease_time ? m->lease_time : UINT32_MAX;
	if (l->lease_time == UINT32_MAX) {
		l->t1 = l->t2 = UINT32_MAX;
	} else {
		l->t1 = m->has_t1 && m->t1 <= l->lease_time ? m->t1 : l->lease_time / 2;
		l->t2 = m->has_t2 && m->t2 <= l->lease_time && m->t2 >= l->t1 ?
			m->t2 : (uint32_t)((uint64_t)l->lease_time * 7 / 8);
		if (l->t2 < l->t1)
			l->t2 = l->t1;
	}
	l->has_hostname = m->has_hostname;
	memcpy(l->hostname, m->hostname, sizeof l->hostname);
	l->hostname[sizeof l->hostname - 1] = '\0';
	return 0;
}

static void ip_str(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

const char *net_lease_describe(const struct net_lease *l, char *buf, size_t cap)
{
	char a[16], r[16];
	uint64_t ms = l->bound_ns > l->up_ns ? (l->bound_ns - l->up_ns) / 1000000u : 0;

	ip_str(l->addr, a);
	ip_str(l->router, r);
	snprintf(buf, cap, "%s %s/%u%s%s (DHCP in %llu ms)", l->ifname, a, l->prefix,
		 l->has_router ? " via " : "", l->has_router ? r : "", (unsigned long long)ms);
	return buf;
}

int net_resolv_text(const struct net_lease *l, char *buf, size_t cap)
{
	size_t len = 0;
	unsigned i;

	if (cap == 0)
		return -1;
	buf[0] = '\0';
	for (i = 0; i < l->ndns && i < DHCP_MAX_DNS; i++) {
		char a[16];
		int n;

		ip_str(l->dns[i], a);
		n = snprintf(buf + len, cap - len, "nameserver %s\n", a);
		if (n < 0 || (size_t)n >= cap - len)
			return -1;
		len += (size_t)n;
	}
	return (int)len;
}

/* ---- the state machine ---- */

static uint64_t ms_ns(unsigned ms)
{
	return (uint64_t)ms * 1000000u;
}

/* Wrap payload[0..plen) into c->frame and arm the first retransmission. */
static int arm(struct dhcpc *c, const uint8_t *payload, size_t plen, uint32_t src_ip,
	       uint32_t dst_ip, const uint8_t dst_mac[6], uint64_t now_ns, const char **why)
{
	struct udp_frame f = {
		.src_ip = src_ip, .dst_ip = dst_ip,
		.src_port = DHCP_CLIENT_PORT, .dst_port = DHCP_SERVER_PORT,
	};

	memcpy(f.src_mac, c->mac, 6);
	memcpy(f.dst_mac, dst_mac, 6);
	if (udp_frame_build(&f, payload, plen, c->frame, sizeof c->frame, &c->framelen, why) < 0)
		return -1;
	c->rto_ms = DHCPC_RTO_FIRST_MS;
	c->sends = 1;
	c->next_ns = now_ns + ms_ns(c->rto_ms);
	return DHCPC_SEND;
}

int dhcpc_start(struct dhcpc *c, const uint8_t mac[6], uint32_t xid, uint64_t now_ns,
		const char **why)
{
	uint8_t pkt[DHCP_PKT_MAX];
	size_t plen;

	memcpy(c->mac, mac, 6);
	c->xid = xid;
	c->state = DHCPC_SELECTING;
	c->offer_ip = c->server_id = 0;
	c->last_why = NULL;
	if (dhcpc_discover(mac, xid, pkt, sizeof pkt, &plen, why) < 0)
		return -1;
	return arm(c, pkt, plen, 0, 0xffffffffu, bcast_mac, now_ns, why);
}

int dhcpc_renew(struct dhcpc *c, uint32_t xid, uint64_t now_ns, const char **why)
{
	struct dhcpc_params p = { .xid = xid, .ciaddr = c->lease.addr };
	uint8_t pkt[DHCP_PKT_MAX];
	size_t plen;
	bool unicast = c->lease.server_id != 0 &&
		       (c->lease.server_mac[0] | c->lease.server_mac[1] | c->lease.server_mac[2] |
			c->lease.server_mac[3] | c->lease.server_mac[4] | c->lease.server_mac[5]);

	memcpy(p.mac, c->lease.mac, 6);
	memcpy(c->mac, c->lease.mac, 6);
	c->xid = xid;
	c->state = DHCPC_RENEWING;
	c->offer_ip = c->lease.addr;
	c->server_id = c->lease.server_id;
	if (dhcpc_build(DHCPREQUEST, &p, pkt, sizeof pkt, &plen, why) < 0)
		return -1;
	return arm(c, pkt, plen, c->lease.addr, unicast ? c->lease.server_id : 0xffffffffu,
		   unicast ? c->lease.server_mac : bcast_mac, now_ns, why);
}

static enum dhcpc_action ignore(struct dhcpc *c, const char *why)
{
	c->last_why = why;
	return DHCPC_WAIT;
}

enum dhcpc_action dhcpc_input(struct dhcpc *c, const uint8_t *frame, size_t len, uint64_t now_ns)
{
	struct udp_frame f;
	struct dhcp_msg m;
	const char *why = NULL;

	if (c->state == DHCPC_BOUND)
		return ignore(c, "bound");
	if (dhcp_frame_parse(frame, len, &f, &why) < 0)
		return ignore(c, why);
	if (f.src_port != DHCP_SERVER_PORT || f.dst_port != DHCP_CLIENT_PORT)
		return ignore(c, "not server to client");
	if (dhcp_parse(f.payload, f.payload_len, &m, &why) < 0)
		return ignore(c, why);
	if (!dhcpc_reply_is_ours(&m, c->mac, c->xid))
		return ignore(c, "not a reply to our transaction");

	if (c->state == DHCPC_SELECTING) {
		uint8_t pkt[DHCP_PKT_MAX];
		size_t plen;

		if (m.type != DHCPOFFER)
			return ignore(c, "not an OFFER");
		if (!m.has_server_id || m.server_id == 0)
			return ignore(c, "OFFER without server id");
		if (!host_addr_ok(m.yiaddr))
			return ignore(c, "OFFER of no usable address");
		if (dhcpc_request(c->mac, c->xid, m.yiaddr, m.server_id, pkt, sizeof pkt, &plen, &why) < 0)
			return ignore(c, why);
		if (arm(c, pkt, plen, 0, 0xffffffffu, bcast_mac, now_ns, &why) < 0)
			return ignore(c, why);
		c->state = DHCPC_REQUESTING;
		c->offer_ip = m.yiaddr;
		c->server_id = m.server_id;
		return DHCPC_SEND;
	}

	/* REQUESTING or RENEWING: only the server we asked answers. */
	if (m.type != DHCPACK && m.type != DHCPNAK)
		return ignore(c, "not an ACK or NAK");
	if (c->server_id && m.has_server_id && m.server_id != c->server_id)
		return ignore(c, "from another server");
	if (m.type == DHCPNAK) {
		c->last_why = "NAK";
		return DHCPC_RESTART;
	}
	if (m.yiaddr != c->offer_ip)
		return ignore(c, "ACK for another address");
	{
		struct net_lease l = c->lease;

		if (dhcpc_lease_from_ack(&m, &l, &why) < 0)
			return ignore(c, why);
		if (!l.server_id)
			l.server_id = c->server_id;
		memcpy(l.mac, c->mac, 6);
		memcpy(l.server_mac, f.src_mac, 6);
		c->lease = l;
	}
	c->state = DHCPC_BOUND;
	return DHCPC_DONE;
}

enum dhcpc_action dhcpc_timer(struct dhcpc *c, uint64_t now_ns)
{
	if (c->state == DHCPC_BOUND || now_ns < c->next_ns)
		return DHCPC_WAIT;
	if (c->state == DHCPC_REQUESTING && c->sends >= DHCPC_REQUEST_TRIES) {
		c->last_why = "REQUEST unanswered";
		return DHCPC_RESTART;
	}
	c->rto_ms = c->rto_ms * 2 > DHCPC_RTO_MAX_MS ? DHCPC_RTO_MAX_MS : c->rto_ms * 2;
	c->sends++;
	c->next_ns = now_ns + ms_ns(c->rto_ms);
	return DHCPC_SEND;
}

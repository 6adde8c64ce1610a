/* test_dhcpc.c - pool-init's pool.net= parser, DHCP client state machine and lease checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "guest/net.h"
#include "tests/unit/dhcp_frames.h"
#include "tests/unit/main.h"

#define MS(x) ((uint64_t)(x) * 1000000u)

/* ---- pool.net= ---- */

static void spec_ok(const char *s, const uint8_t want_mac[6], const char *want_if)
{
	uint8_t mac[6];
	char ifname[NET_IFNAME_MAX + 1];
	const char *why = NULL;

	if (net_spec_parse(s, mac, ifname, &why) != 0)
		fail_msg("'%s' refused: %s", s, why);
	assert_memory_equal(mac, want_mac, 6);
	assert_string_equal(ifname, want_if);
}

static void spec_bad(const char *s, const char *want_why)
{
	uint8_t mac[6];
	char ifname[NET_IFNAME_MAX + 1];
	const char *why = NULL;

	if (net_spec_parse(s, mac, ifname, &why) != -1)
		fail_msg("'%s' accepted", s);
	assert_non_null(why);
	if (want_why && strcmp(why, want_why) != 0)
		fail_msg("'%s': got '%s', want '%s'", s, why, want_why);
}

static void test_spec(void **state)
{
	static const uint8_t upper[6] = { 0x02, 0xab, 0xcd, 0xef, 0x01, 0xff };
	char big[4096];

	(void)state;
	spec_ok("02:00:0a:00:00:02,enp0s4", machine_mac, "enp0s4");
	spec_ok("02:AB:cd:EF:01:ff,eth0", upper, "eth0");
	spec_ok("02:00:0a:00:00:02,abcdefghijklmno", machine_mac, "abcdefghijklmno");
	spec_ok("02:00:0a:00:00:02,a_b-c.d", machine_mac, "a_b-c.d");

	spec_bad("", "MAC is not six hex octets");
	spec_bad("02:00:0a:00:00:02", "expected MAC,IFNAME");
	spec_bad("02:00:0a:00:00:02,", "bad interface name");
	spec_bad("02:00:0a:00:00,enp0s4", NULL);
	spec_bad("02:00:0a:00:00:2,enp0s4", NULL);
	spec_bad("2:00:0a:00:00:02,enp0s4", NULL);
	spec_bad("02:00:0a:00:00:02x,enp0s4", "expected MAC,IFNAME");
	spec_bad("02-00-0a-00-00-02,enp0s4", "MAC is not six hex octets");
	spec_bad("0g:00:0a:00:00:02,enp0s4", "MAC is not six hex octets");
	spec_bad("01:00:5e:00:00:01,enp0s4", "MAC is multicast");
	spec_bad("ff:ff:ff:ff:ff:ff,enp0s4", "MAC is multicast");
	spec_bad("00:00:00:00:00:00,enp0s4", "MAC is all zero");
	spec_bad("02:00:0a:00:00:02,abcdefghijklmnop", "interface name longer than 15 bytes");
	spec_bad("02:00:0a:00:00:02,.", "bad interface name");
	spec_bad("02:00:0a:00:00:02,..", "bad interface name");
	spec_bad("02:00:0a:00:00:02,a/b", NULL);
	spec_bad("02:00:0a:00:00:02,a:b", NULL);
	spec_bad("02:00:0a:00:00:02,a b", NULL);
	spec_bad("02:00:0a:00:00:02,eth0,x", NULL);
	spec_bad("02:00:0a:00:00:02,\xc3\xa9th0", NULL);
	/* A very long value is refused after at most 34 bytes. */
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memcpy(big, "02:00:0a:00:00:02,", 18);
	spec_bad(big, "interface name longer than 15 bytes");
}

/* ---- a server: pool's own responder decides, frames are real ---- */

struct frame {
	uint8_t b[DHCP_FRAME_MAX];
	size_t len;
};

/* The client's frame, parsed: checks it is a well-formed request. */
static void client_sent(const struct dhcpc *c, struct udp_frame *f, struct dhcp_msg *m)
{
	const char *why = NULL;

	if (dhcp_frame_parse(c->frame, c->framelen, f, &why) != 0)
		fail_msg("client frame: %s", why);
	assert_memory_equal(f->src_mac, machine_mac, 6);
	assert_int_equal(f->src_port, DHCP_CLIENT_PORT);
	assert_int_equal(f->dst_port, DHCP_SERVER_PORT);
	if (dhcp_parse(f->payload, f->payload_len, m, &why) != 0)
		fail_msg("client message: %s", why);
	assert_int_equal(m->op, BOOTREQUEST);
	assert_int_equal(m->xid, c->xid);
	assert_memory_equal(m->chaddr, machine_mac, 6);
}

/* What the server answers to the client's current frame; 0 if silent. */
static int serve(const struct dhcpd_config *cfg, const struct dhcpc *c, struct frame *out)
{
	struct udp_frame f, rf;
	struct dhcp_msg m;
	struct dhcp_reply_info info;
	uint8_t pay[DHCP_PKT_MAX];
	size_t plen;
	const char *why = NULL;
	int r;

	out->len = 0;
	client_sent(c, &f, &m);
	r = dhcpd_reply(cfg, &m, pay, sizeof pay, &plen, &info);
	assert_true(r >= 0);
	if (r == 0)
		return 0;
	dhcpd_reply_frame(cfg, &m, &info, &rf);
	assert_int_equal(udp_frame_build(&rf, pay, plen, out->b, sizeof out->b, &out->len, &why), 0);
	return 1;
}

/* A new client, its DISCOVER ready to send. */
static void client_start(struct dhcpc *c, uint32_t xid, uint64_t now)
{
	const char *why = NULL;

	memset(c, 0, sizeof *c);
	assert_int_equal(dhcpc_start(c, machine_mac, xid, now, &why), DHCPC_SEND);
}

static void bind_fully(struct dhcpc *c, const struct dhcpd_config *cfg)
{
	struct frame r;

	client_start(c, 0x12345678, MS(0));
	assert_int_equal(serve(cfg, c, &r), 1);
	assert_int_equal(dhcpc_input(c, r.b, r.len, MS(5)), DHCPC_SEND);
	assert_int_equal(serve(cfg, c, &r), 1);
	assert_int_equal(dhcpc_input(c, r.b, r.len, MS(10)), DHCPC_DONE);
}

static void test_exchange(void **state)
{
	struct dhcpd_config cfg = dhcpd_test_config();
	struct dhcpc c;
	struct udp_frame f;
	struct dhcp_msg m;
	struct frame r;

	(void)state;
	client_start(&c, 0xcafef00d, MS(1000));
	client_sent(&c, &f, &m);
	assert_int_equal(m.type, DHCPDISCOVER);
	assert_memory_equal(f.dst_mac, bcast, 6);
	assert_int_equal(f.dst_ip, 0xffffffffu);
	assert_int_equal(f.src_ip, 0);
	assert_true(m.flags & DHCP_BROADCAST_FLAG);

	assert_int_equal(serve(&cfg, &c, &r), 1);
	assert_int_equal(dhcpc_input(&c, r.b, r.len, MS(1010)), DHCPC_SEND);
	assert_int_equal(c.state, DHCPC_REQUESTING);
	client_sent(&c, &f, &m);
	assert_int_equal(m.type, DHCPREQUEST);
	assert_int_equal(m.xid, 0xcafef00d);
	assert_true(m.has_requested_ip);
	assert_int_equal(m.requested_ip, IP(10, 0, 0, 2));
	assert_true(m.has_server_id);
	assert_int_equal(m.server_id, IP(10, 0, 0, 1));
	assert_int_equal(m.ciaddr, 0);
	/* A new step re-arms the fast first retransmission. */
	assert_int_equal(c.next_ns, MS(1010 + 250));

	assert_int_equal(serve(&cfg, &c, &r), 1);
	assert_int_equal(dhcpc_input(&c, r.b, r.len, MS(1020)), DHCPC_DONE);
	assert_int_equal(c.lease.addr, IP(10, 0, 0, 2));
	assert_int_equal(c.lease.mask, IP(255, 255, 255, 0));
	assert_int_equal(c.lease.prefix, 24);
	assert_int_equal(c.lease.broadcast, IP(10, 0, 0, 255));
	assert_true(c.lease.has_router);
	assert_int_equal(c.lease.router, IP(10, 0, 0, 1));
	assert_int_equal(c.lease.ndns, 2);
	assert_int_equal(c.lease.dns[0], IP(9, 9, 9, 9));
	assert_int_equal(c.lease.dns[1], IP(1, 1, 1, 1));
	assert_int_equal(c.lease.server_id, IP(10, 0, 0, 1));
	assert_memory_equal(c.lease.server_mac, host_mac, 6);
	assert_memory_equal(c.lease.mac, machine_mac, 6);
	assert_int_equal(c.lease.lease_time, 86400);
	assert_int_equal(c.lease.t1, 43200);
	assert_int_equal(c.lease.t2, 75600);
	assert_true(c.lease.has_hostname);
	assert_string_equal(c.lease.hostname, "machine");

	/* Bound: nothing more is sent, nothing more is taken. */
	assert_int_equal(dhcpc_timer(&c, MS(100000)), DHCPC_WAIT);
	assert_int_equal(dhcpc_input(&c, r.b, r.len, MS(1030)), DHCPC_WAIT);
}

static void test_retransmit(void **state)
{
	static const unsigned want[] = { 250, 750, 1750, 3750, 5750, 7750 };
	struct dhcpc c;
	struct dhcpd_config cfg = dhcpd_test_config();
	struct frame r;
	unsigned i;

	(void)state;
	client_start(&c, 7, MS(0));
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		assert_int_equal(c.next_ns, MS(want[i]));
		assert_int_equal(dhcpc_timer(&c, MS(want[i]) - 1), DHCPC_WAIT);
		assert_int_equal(dhcpc_timer(&c, MS(want[i])), DHCPC_SEND);
	}
	assert_int_equal(c.state, DHCPC_SELECTING);

	/* REQUEST: sent DHCPC_REQUEST_TRIES times, then back to DISCOVER. */
	assert_int_equal(serve(&cfg, &c, &r), 1);
	assert_int_equal(dhcpc_input(&c, r.b, r.len, MS(10000)), DHCPC_SEND);
	assert_int_equal(dhcpc_timer(&c, MS(10250)), DHCPC_SEND);
	assert_int_equal(dhcpc_timer(&c, MS(10750)), DHCPC_SEND);
	assert_int_equal(dhcpc_timer(&c, MS(11750)), DHCPC_SEND);
	assert_int_equal(dhcpc_timer(&c, MS(13000)), DHCPC_WAIT);
	assert_int_equal(dhcpc_timer(&c, MS(13750)), DHCPC_RESTART);
}

static void test_nak_restarts(void **state)
{
	struct dhcpd_config cfg = dhcpd_test_config();
	struct dhcpc c;
	struct frame r;
	const char *why = NULL;

	(void)state;
	client_start(&c, 99, MS(0));
	assert_int_equal(serve(&cfg, &c, &r), 1);
	assert_int_equal(dhcpc_input(&c, r.b, r.len, MS(1)), DHCPC_SEND);
	/* The server has changed its mind: the machine's address moved. */
	cfg.machine_ip = IP(10, 0, 0, 3);
	assert_int_equal(serve(&cfg, &c, &r), 1);
	assert_int_equal(dhcpc_input(&c, r.b, r.len, MS(2)), DHCPC_RESTART);
	/* Restarting is a fresh DISCOVER with the new xid. */
	assert_int_equal(dhcpc_start(&c, machine_mac, 100, MS(3), &why), DHCPC_SEND);
	assert_int_equal(c.state, DHCPC_SELECTING);
	assert_int_equal(serve(&cfg, &c, &r), 1);
	assert_int_equal(dhcpc_input(&c, r.b, r.len, MS(4)), DHCPC_SEND);
	assert_int_equal(c.offer_ip, IP(10, 0, 0, 3));
}

/* ---- hand-made replies, for what pool's responder never sends ---- */

static void pkt_reply(struct pkt *p, uint8_t type, uint32_t xid, const uint8_t mac[6], uint32_t yiaddr)
{
	pkt_header(p, BOOTREPLY, xid, mac);
	put_ip(p->b + 16, yiaddr);
	pkt_type(p, type);
}

static void pkt_frame(struct pkt *p, const uint8_t src_mac[6], struct frame *out)
{
	struct udp_frame f = {
		.src_ip = IP(10, 0, 0, 1), .dst_ip = 0xffffffffu,
		.src_port = DHCP_SERVER_PORT, .dst_port = DHCP_CLIENT_PORT,
	};
	const char *why = NULL;

	pkt_end(p);
	memcpy(f.src_mac, src_mac, 6);
	memcpy(f.dst_mac, bcast, 6);
	assert_int_equal(udp_frame_build(&f, p->b, p->len, out->b, sizeof out->b, &out->len, &why), 0);
}

/* A client in REQUESTING for 10.0.0.2 from server 10.0.0.1, xid 42. */
static void requesting(struct dhcpc *c)
{
	struct dhcpd_config cfg = dhcpd_test_config();
	struct frame r;

	client_start(c, 42, MS(0));
	assert_int_equal(serve(&cfg, c, &r), 1);
	assert_int_equal(dhcpc_input(c, r.b, r.len, MS(1)), DHCPC_SEND);
}

static enum dhcpc_action feed_ack(struct dhcpc *c, uint32_t xid, const uint8_t mac[6], uint32_t yiaddr,
				  uint32_t server, uint32_t mask, uint32_t router)
{
	struct pkt p;
	struct frame r;

	pkt_reply(&p, DHCPACK, xid, mac, yiaddr);
	pkt_opt32(&p, DHO_SERVER_ID, server);
	if (mask)
		pkt_opt32(&p, DHO_SUBNET_MASK, mask);
	if (router)
		pkt_opt32(&p, DHO_ROUTER, router);
	pkt_opt32(&p, DHO_LEASE_TIME, 600);
	pkt_frame(&p, host_mac, &r);
	return dhcpc_input(c, r.b, r.len, MS(2));
}

static void test_ignores_what_is_not_ours(void **state)
{
	const uint32_t me = IP(10, 0, 0, 2), srv = IP(10, 0, 0, 1), m24 = IP(255, 255, 255, 0);
	struct dhcpc c;
	struct pkt p;
	struct frame r;

	(void)state;
	requesting(&c);
	assert_int_equal(feed_ack(&c, 43, machine_mac, me, srv, m24, srv), DHCPC_WAIT);
	assert_int_equal(feed_ack(&c, 42, other_mac, me, srv, m24, srv), DHCPC_WAIT);
	assert_int_equal(feed_ack(&c, 42, machine_mac, me, IP(10, 0, 0, 9), m24, srv), DHCPC_WAIT);
	assert_string_equal(c.last_why, "from another server");
	assert_int_equal(feed_ack(&c, 42, machine_mac, IP(10, 0, 0, 7), srv, m24, srv), DHCPC_WAIT);
	assert_string_equal(c.last_why, "ACK for another address");
	/* A second OFFER is not an answer to a REQUEST. */
	pkt_reply(&p, DHCPOFFER, 42, machine_mac, me);
	pkt_opt32(&p, DHO_SERVER_ID, srv);
	pkt_frame(&p, host_mac, &r);
	assert_int_equal(dhcpc_input(&c, r.b, r.len, MS(2)), DHCPC_WAIT);
	/* A NAK from another server does not end the transaction. */
	pkt_reply(&p, DHCPNAK, 42, machine_mac, 0);
	pkt_opt32(&p, DHO_SERVER_ID, IP(10, 0, 0, 9));
	pkt_frame(&p, host_mac, &r);
	assert_int_equal(dhcpc_input(&c, r.b, r.len, MS(2)), DHCPC_WAIT);
	/* Our own REQUEST, looped back, is not a reply. */
	assert_int_equal(dhcpc_input(&c, c.frame, c.framelen, MS(2)), DHCPC_WAIT);
	assert_int_equal(c.state, DHCPC_REQUESTING);
	/* And the right one still binds. */
	assert_int_equal(feed_ack(&c, 42, machine_mac, me, srv, m24, srv), DHCPC_DONE);
	assert_int_equal(c.lease.lease_time, 600);
	assert_int_equal(c.lease.t1, 300);
	assert_int_equal(c.lease.t2, 525);

	/* In SELECTING, an ACK or an OFFER without server id is ignored. */
	client_start(&c, 42, MS(0));
	assert_int_equal(feed_ack(&c, 42, machine_mac, me, srv, m24, srv), DHCPC_WAIT);
	pkt_reply(&p, DHCPOFFER, 42, machine_mac, me);
	pkt_frame(&p, host_mac, &r);
	assert_int_equal(dhcpc_input(&c, r.b, r.len, MS(2)), DHCPC_WAIT);
	pkt_reply(&p, DHCPOFFER, 42, machine_mac, IP(127, 0, 0, 1));
	pkt_opt32(&p, DHO_SERVER_ID, srv);
	pkt_frame(&p, host_mac, &r);
	assert_int_equal(dhcpc_input(&c, r.b, r.len, MS(2)), DHCPC_WAIT);
	assert_int_equal(c.state, DHCPC_SELECTING);
}

static void test_malformed_frames(void **state)
{
	struct dhcpd_config cfg = dhcpd_test_config();
	struct dhcpc c;
	struct frame good, bad;
	size_t n, i;

	(void)state;
	requesting(&c);
	assert_int_equal(serve(&cfg, &c, &good), 1);
	/* Every truncation of the ACK is ignored. */
	for (n = 0; n < good.len; n++)
		assert_int_equal(dhcpc_input(&c, good.b, n, MS(2)), DHCPC_WAIT);
	/* Every single-byte corruption past the Ethernet header is refused by
	 * a checksum or a check, or still a valid ACK: never a crash. */
	for (i = 14; i < good.len; i++) {
		bad = good;
		bad.b[i] ^= 0x5a;
		(void)dhcpc_input(&c, bad.b, bad.len, MS(2));
		if (c.state == DHCPC_BOUND)
			requesting(&c);
	}
	/* Garbage. */
	memset(bad.b, 0xff, sizeof bad.b);
	assert_int_equal(dhcpc_input(&c, bad.b, sizeof bad.b, MS(2)), DHCPC_WAIT);
	assert_int_equal(dhcpc_input(&c, bad.b, 0, MS(2)), DHCPC_WAIT);
	assert_int_equal(c.state, DHCPC_REQUESTING);
	assert_int_equal(dhcpc_input(&c, good.b, good.len, MS(3)), DHCPC_DONE);
}

static void test_lease_checks(void **state)
{
	const uint32_t me = IP(10, 0, 0, 2), srv = IP(10, 0, 0, 1);
	struct dhcpc c;

	(void)state;
	requesting(&c);
	/* Non-contiguous mask: not applied. */
	assert_int_equal(feed_ack(&c, 42, machine_mac, me, srv, IP(255, 0, 255, 0), srv), DHCPC_WAIT);
	assert_string_equal(c.last_why, "ACK's subnet mask is not contiguous");
	/* Router outside the subnet: lease taken, router dropped. */
	assert_int_equal(feed_ack(&c, 42, machine_mac, me, srv, IP(255, 255, 255, 0), IP(192, 0, 2, 1)),
			 DHCPC_DONE);
	assert_false(c.lease.has_router);
	assert_int_equal(c.lease.router, 0);
	/* No mask: classful (10/8). */
	requesting(&c);
	assert_int_equal(feed_ack(&c, 42, machine_mac, me, srv, 0, srv), DHCPC_DONE);
	assert_int_equal(c.lease.prefix, 8);
	assert_int_equal(c.lease.broadcast, IP(10, 255, 255, 255));
	assert_true(c.lease.has_router);
}

static void test_lease_from_ack(void **state)
{
	struct dhcp_msg m;
	struct net_lease l;
	const char *why = NULL;

	(void)state;
	memset(&m, 0, sizeof m);
	memset(&l, 0, sizeof l);
	m.yiaddr = IP(192, 168, 1, 0);
	m.has_subnet_mask = true;
	m.subnet_mask = IP(255, 255, 255, 0);
	assert_int_equal(dhcpc_lease_from_ack(&m, &l, &why), -1);
	m.yiaddr = IP(192, 168, 1, 255);
	assert_int_equal(dhcpc_lease_from_ack(&m, &l, &why), -1);
	m.yiaddr = 0;
	assert_int_equal(dhcpc_lease_from_ack(&m, &l, &why), -1);
	m.yiaddr = IP(224, 0, 0, 5);
	assert_int_equal(dhcpc_lease_from_ack(&m, &l, &why), -1);
	m.yiaddr = IP(192, 168, 1, 7);
	m.subnet_mask = 0;
	assert_int_equal(dhcpc_lease_from_ack(&m, &l, &why), -1);
	m.subnet_mask = 0xffffffffu;
	assert_int_equal(dhcpc_lease_from_ack(&m, &l, &why), 0);
	assert_int_equal(l.prefix, 32);

	/* DNS: unusable entries dropped; no lease time: infinite. */
	m.subnet_mask = IP(255, 255, 255, 0);
	m.ndns = 4;
	m.dns[0] = 0;
	m.dns[1] = IP(192, 168, 1, 1);
	m.dns[2] = 0xffffffffu;
	m.dns[3] = IP(8, 8, 8, 8);
	m.has_broadcast = true;
	m.broadcast = IP(10, 0, 0, 255);	/* another subnet's: ignored */
	assert_int_equal(dhcpc_lease_from_ack(&m, &l, &why), 0);
	assert_int_equal(l.ndns, 2);
	assert_int_equal(l.dns[0], IP(192, 168, 1, 1));
	assert_int_equal(l.dns[1], IP(8, 8, 8, 8));
	assert_int_equal(l.broadcast, IP(192, 168, 1, 255));
	assert_int_equal(l.lease_time, UINT32_MAX);
	assert_int_equal(l.t1, UINT32_MAX);
	/* T1/T2 beyond the lease: the defaults. */
	m.has_lease_time = m.has_t1 = m.has_t2 = true;
	m.lease_time = 1000;
	m.t1 = 2000;
	m.t2 = 100;
	assert_int_equal(dhcpc_lease_from_ack(&m, &l, &why), 0);
	assert_int_equal(l.t1, 500);
	assert_int_equal(l.t2, 875);
}

static void test_renew(void **state)
{
	struct dhcpd_config cfg = dhcpd_test_config();
	struct dhcpc c;
	const char *why = NULL;
	struct udp_frame f;
	struct dhcp_msg m;
	struct frame r;

	(void)state;
	bind_fully(&c, &cfg);
	assert_int_equal(dhcpc_renew(&c, 0x0badf00d, MS(50000), &why), DHCPC_SEND);
	client_sent(&c, &f, &m);
	assert_int_equal(m.type, DHCPREQUEST);
	assert_int_equal(m.ciaddr, IP(10, 0, 0, 2));
	assert_false(m.has_requested_ip);
	assert_false(m.has_server_id);
	assert_int_equal(f.src_ip, IP(10, 0, 0, 2));
	assert_int_equal(f.dst_ip, IP(10, 0, 0, 1));
	assert_memory_equal(f.dst_mac, host_mac, 6);
	assert_int_equal(serve(&cfg, &c, &r), 1);
	assert_int_equal(dhcpc_input(&c, r.b, r.len, MS(50001)), DHCPC_DONE);
	assert_int_equal(c.lease.addr, IP(10, 0, 0, 2));
	assert_int_equal(c.lease.lease_time, 86400);

	/* The server refuses: the renewal ends. */
	assert_int_equal(dhcpc_renew(&c, 0x0badf00e, MS(60000), &why), DHCPC_SEND);
	cfg.machine_ip = IP(10, 0, 0, 3);
	assert_int_equal(serve(&cfg, &c, &r), 1);
	assert_int_equal(dhcpc_input(&c, r.b, r.len, MS(60001)), DHCPC_RESTART);
}

static void test_describe_and_resolv(void **state)
{
	struct net_lease l;
	char buf[128], small[20];

	(void)state;
	memset(&l, 0, sizeof l);
	snprintf(l.ifname, sizeof l.ifname, "enp0s4");
	l.addr = IP(10, 0, 0, 2);
	l.prefix = 24;
	l.has_router = true;
	l.router = IP(10, 0, 0, 1);
	l.up_ns = MS(1000);
	l.bound_ns = MS(1012) + 400000;
	assert_string_equal(net_lease_describe(&l, buf, sizeof buf),
			    "enp0s4 10.0.0.2/24 via 10.0.0.1 (DHCP in 12 ms)");
	l.has_router = false;
	assert_string_equal(net_lease_describe(&l, buf, sizeof buf), "enp0s4 10.0.0.2/24 (DHCP in 12 ms)");

	assert_int_equal(net_resolv_text(&l, buf, sizeof buf), 0);
	assert_string_equal(buf, "");
	l.ndns = 2;
	l.dns[0] = IP(9, 9, 9, 9);
	l.dns[1] = IP(192, 168, 100, 200);
	assert_int_equal(net_resolv_text(&l, buf, sizeof buf), 46);
	assert_string_equal(buf, "nameserver 9.9.9.9\nnameserver 192.168.100.200\n");
	assert_int_equal(net_resolv_text(&l, small, sizeof small), -1);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_spec),
	cmocka_unit_test(test_exchange),
	cmocka_unit_test(test_retransmit),
	cmocka_unit_test(test_nak_restarts),
	cmocka_unit_test(test_ignores_what_is_not_ours),
	cmocka_unit_test(test_malformed_frames),
	cmocka_unit_test(test_lease_checks),
	cmocka_unit_test(test_lease_from_ack),
	cmocka_unit_test(test_renew),
	cmocka_unit_test(test_describe_and_resolv))

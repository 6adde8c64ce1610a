/* test_dhcp_pkt.c - DHCP parser, responder decisions, client builders and frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "src/net/dhcp_pkt.h"
#include "tests/unit/cases.h"
#include "tests/unit/dhcp_frames.h"
#include "tests/unit/frame_route.h"
#include "tests/unit/main.h"

/* A server ACK as a capture would show it: pads between options, two
 * routers, five DNS servers, then End and zero padding. */
static void captured_ack(struct pkt *p)
{
	uint8_t routers[8], dns[20];
	int i;

	pkt_header(p, BOOTREPLY, 0xdeadbeef, machine_mac);
	p->b[10] = 0x80;	/* broadcast flag */
	put_ip(p->b + 16, IP(10, 0, 0, 2));	/* yiaddr */
	memcpy(p->b + 44, "not-options", 11);	/* sname, not overloaded */
	pkt_type(p, DHCPACK);
	pkt_opt32(p, DHO_SERVER_ID, IP(10, 0, 0, 1));
	pkt_byte(p, DHO_PAD);
	pkt_byte(p, DHO_PAD);
	pkt_opt32(p, DHO_LEASE_TIME, 86400);
	pkt_opt32(p, DHO_RENEWAL_TIME, 43200);
	pkt_opt32(p, DHO_REBINDING_TIME, 75600);
	pkt_opt32(p, DHO_SUBNET_MASK, IP(255, 255, 255, 0));
	put_ip(routers, IP(10, 0, 0, 1));
	put_ip(routers + 4, IP(10, 0, 0, 254));
	pkt_opt(p, DHO_ROUTER, routers, 8);
	for (i = 0; i < 5; i++)
		put_ip(dns + 4 * i, IP(192, 0, 2, 10 + i));
	pkt_opt(p, DHO_DNS, dns, 20);
	pkt_opt32(p, DHO_BROADCAST, IP(10, 0, 0, 255));
	pkt_opt(p, DHO_HOST_NAME, "machine", 7);
	pkt_opt(p, 43, "\x01\x02\x03", 3);	/* vendor option: skipped */
	pkt_end(p);
}

static void parse_ok(const uint8_t *b, size_t len, struct dhcp_msg *m)
{
	const char *why = NULL;
	int r = dhcp_parse(b, len, m, &why);

	if (r != 0)
		fail_msg("dhcp_parse failed: %s", why);
}

/* Why b was refused, as a DHCP message or (as_frame) as a DHCP frame:
 * there is always a reason. */
static const char *refusal(const uint8_t *b, size_t len, bool as_frame)
{
	struct dhcp_msg m;
	struct udp_frame f;
	const char *why = NULL;

	assert_int_equal(as_frame ? dhcp_frame_parse(b, len, &f, &why) : dhcp_parse(b, len, &m, &why),
			 -1);
	assert_non_null(why);
	return why;
}

static const char *parse_fail(const uint8_t *b, size_t len)
{
	return refusal(b, len, false);
}

/* A message from the machine, xid 1, of this type (0: no option 53). */
static void pkt_start(struct pkt *p, uint8_t op, uint8_t type)
{
	pkt_header(p, op, 1, machine_mac);
	if (type)
		pkt_type(p, type);
}

/* The client's own DISCOVER, and its REQUEST for 10.0.0.2 from 10.0.0.1. */
static void client_discover(uint32_t xid, struct pkt *out)
{
	const char *why;

	assert_int_equal(dhcpc_discover(machine_mac, xid, out->b, sizeof out->b, &out->len, &why), 0);
}

static void client_request(uint32_t xid, struct pkt *out)
{
	const char *why;

	assert_int_equal(dhcpc_request(machine_mac, xid, IP(10, 0, 0, 2), IP(10, 0, 0, 1),
				       out->b, sizeof out->b, &out->len, &why), 0);
}

/* Option f was given, with value v. */
#define assert_opt(m, f, v) do { \
	assert_true((m).has_##f); \
	assert_int_equal((m).f, (v)); \
} while (0)

/* ---- parser ---- */

static void test_parse_captured_ack(void **state)
{
	struct pkt p;
	struct dhcp_msg m;

	(void)state;
	captured_ack(&p);
	parse_ok(p.b, p.len, &m);
	assert_int_equal(m.op, BOOTREPLY);
	assert_int_equal(m.htype, 1);
	assert_int_equal(m.hlen, 6);
	assert_int_equal(m.xid, 0xdeadbeef);
	assert_int_equal(m.flags, DHCP_BROADCAST_FLAG);
	assert_int_equal(m.yiaddr, IP(10, 0, 0, 2));
	assert_int_equal(m.ciaddr, 0);
	assert_memory_equal(m.chaddr, machine_mac, 6);
	assert_int_equal(m.type, DHCPACK);
	assert_opt(m, server_id, IP(10, 0, 0, 1));
	assert_opt(m, lease_time, 86400);
	assert_opt(m, t1, 43200);
	assert_opt(m, t2, 75600);
	assert_opt(m, subnet_mask, IP(255, 255, 255, 0));
	assert_opt(m, router, IP(10, 0, 0, 1));
	assert_int_equal(m.ndns, 4);
	assert_int_equal(m.dns[0], IP(192, 0, 2, 10));
	assert_int_equal(m.dns[3], IP(192, 0, 2, 13));
	assert_opt(m, broadcast, IP(10, 0, 0, 255));
	assert_true(m.has_hostname);
	assert_string_equal(m.hostname, "machine");
	assert_false(m.has_requested_ip);
	assert_null(m.client_id);
	assert_int_equal(m.overload, 0);
}

static void test_parse_client_discover(void **state)
{
	static const uint8_t want[] = { 1, 3, 6, 12, 15, 51, 54, 58, 59 };
	struct pkt p;
	struct dhcp_msg m;

	(void)state;
	client_discover(0x01020304, &p);
	assert_true(p.len >= DHCP_MIN_LEN);
	parse_ok(p.b, p.len, &m);
	assert_int_equal(m.op, BOOTREQUEST);
	assert_int_equal(m.type, DHCPDISCOVER);
	assert_int_equal(m.xid, 0x01020304);
	assert_int_equal(m.flags, DHCP_BROADCAST_FLAG);
	assert_memory_equal(m.chaddr, machine_mac, 6);
	assert_int_equal(m.client_id_len, 7);
	assert_int_equal(m.client_id[0], 1);
	assert_memory_equal(m.client_id + 1, machine_mac, 6);
	assert_false(m.has_requested_ip);
	assert_false(m.has_server_id);
	assert_true(m.has_param_req);
	for (unsigned c = 0; c < 256; c++) {
		bool wanted = memchr(want, (int)c, sizeof want) != NULL;

		assert_int_equal(dhcp_msg_requests(&m, (uint8_t)c), wanted);
	}
}

static void test_parse_client_request(void **state)
{
	struct dhcpc_params cp = { .xid = 78, .ciaddr = IP(10, 0, 0, 2) };
	struct pkt p;
	struct dhcp_msg m;
	const char *why;

	(void)state;
	client_request(77, &p);
	parse_ok(p.b, p.len, &m);
	assert_int_equal(m.type, DHCPREQUEST);
	assert_int_equal(m.xid, 77);
	assert_opt(m, requested_ip, IP(10, 0, 0, 2));
	assert_opt(m, server_id, IP(10, 0, 0, 1));
	assert_int_equal(m.ciaddr, 0);
	assert_true(dhcp_msg_requests(&m, DHO_DNS));

	/* a renewal: ciaddr, no 50/54, no broadcast flag */
	memcpy(cp.mac, machine_mac, 6);
	assert_int_equal(dhcpc_build(DHCPREQUEST, &cp, p.b, DHCP_PKT_MAX, &p.len, &why), 0);
	parse_ok(p.b, p.len, &m);
	assert_int_equal(m.ciaddr, IP(10, 0, 0, 2));
	assert_int_equal(m.flags, 0);
	assert_false(m.has_requested_ip);
	assert_false(m.has_server_id);

	/* the builder refuses server-only types and small buffers */
	assert_int_equal(dhcpc_build(DHCPOFFER, &cp, p.b, DHCP_PKT_MAX, &p.len, &why), -1);
	assert_int_equal(dhcpc_build(DHCPREQUEST, &cp, p.b, 100, &p.len, &why), -1);
}

/* Parse every prefix of pkt in a buffer of exactly that size (ASan sees any
 * read past it). A prefix either fails or yields a subset of the full
 * parse's fields with the same values. */
static void check_truncations(const uint8_t *full, size_t n)
{
	struct dhcp_msg whole, m;
	const char *why;
	size_t len;

	parse_ok(full, n, &whole);
	for (len = 0; len < n; len++) {
		uint8_t *b = malloc(len ? len : 1);

		assert_non_null(b);
		memcpy(b, full, len);
		why = NULL;
		if (dhcp_parse(b, len, &m, &why) == 0) {
			assert_true(len >= DHCP_HDR_LEN);
			assert_int_equal(m.xid, whole.xid);
			assert_int_equal(m.type, whole.type);
			assert_memory_equal(m.chaddr, whole.chaddr, 16);
			if (m.has_server_id)
				assert_int_equal(m.server_id, whole.server_id);
			if (m.has_requested_ip)
				assert_int_equal(m.requested_ip, whole.requested_ip);
			if (m.has_lease_time)
				assert_int_equal(m.lease_time, whole.lease_time);
			if (m.has_router)
				assert_int_equal(m.router, whole.router);
			if (m.has_subnet_mask)
				assert_int_equal(m.subnet_mask, whole.subnet_mask);
			assert_true(m.ndns == 0 || m.ndns == whole.ndns);
			if (m.has_hostname)
				assert_string_equal(m.hostname, whole.hostname);
		} else {
			assert_non_null(why);
		}
		free(b);
	}
	/* the header alone, without a cookie, is never DHCP */
	assert_string_equal(parse_fail(full, DHCP_FIXED_LEN), "no DHCP magic cookie");
	assert_string_equal(parse_fail(full, 100), "shorter than a BOOTP header");
}

static void test_parse_truncated(void **state)
{
	struct pkt p;

	(void)state;
	captured_ack(&p);
	check_truncations(p.b, p.len);
	client_discover(1, &p);
	check_truncations(p.b, p.len);
	client_request(2, &p);
	check_truncations(p.b, p.len);
}

static void test_parse_option_past_end(void **state)
{
	struct pkt p;
	struct dhcp_msg m;

	(void)state;
	/* an option ending exactly at the end, without End, is fine */
	pkt_start(&p, BOOTREQUEST, DHCPDISCOVER);
	parse_ok(p.b, p.len, &m);
	assert_int_equal(m.type, DHCPDISCOVER);

	/* one whose length runs past it, and a code with no length byte */
	pkt_byte(&p, DHO_HOST_NAME);
	pkt_byte(&p, 10);
	pkt_raw(&p, "abc", 3);
	assert_string_equal(parse_fail(p.b, p.len), "option runs past the end of its field");
	pkt_start(&p, BOOTREQUEST, DHCPDISCOVER);
	pkt_byte(&p, DHO_ROUTER);
	assert_string_equal(parse_fail(p.b, p.len), "option runs past the end of its field");
}

static void test_parse_cookie_and_type(void **state)
{
	struct pkt p;

	(void)state;
	pkt_start(&p, BOOTREQUEST, DHCPDISCOVER);
	pkt_byte(&p, DHO_END);
	p.b[239] = 100;
	assert_string_equal(parse_fail(p.b, p.len), "no DHCP magic cookie");

	/* plain BOOTP: cookie, but no option 53; and option 53 after End does not count */
	pkt_start(&p, BOOTREQUEST, 0);
	pkt_byte(&p, DHO_END);
	assert_string_equal(parse_fail(p.b, p.len), "no DHCP message type (plain BOOTP)");
	pkt_type(&p, DHCPDISCOVER);
	assert_string_equal(parse_fail(p.b, p.len), "no DHCP message type (plain BOOTP)");

	/* hlen over 16 */
	pkt_start(&p, BOOTREQUEST, DHCPDISCOVER);
	p.b[2] = 17;
	assert_string_equal(parse_fail(p.b, p.len), "hardware address longer than 16 bytes");
}

static void test_parse_bad_lengths(void **state)
{
	/* one option of a bad length or value, after the message type (if any) */
	static const struct {
		const char *what;
		uint8_t op, type, code;
		const char *value;
		uint8_t len;
	} cases[] = {
		{ "message type of 2 bytes", BOOTREQUEST, 0, DHO_MSG_TYPE, "\x01\x01", 2 },
		{ "requested address of 3 bytes", BOOTREQUEST, DHCPREQUEST, DHO_REQUESTED_IP,
		  "\x0a\x00\x00", 3 },
		{ "router of 6 bytes", BOOTREPLY, DHCPACK, DHO_ROUTER, "\x0a\x00\x00\x01\x0a\x00", 6 },
		{ "no DNS server", BOOTREPLY, DHCPACK, DHO_DNS, "", 0 },
		{ "client id of 1 byte", BOOTREQUEST, DHCPREQUEST, DHO_CLIENT_ID, "\x01", 1 },
		{ "message type 0", BOOTREQUEST, 0, DHO_MSG_TYPE, "\x00", 1 },
	};
	struct pkt p;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pkt_start(&p, cases[i].op, cases[i].type);
		pkt_opt(&p, cases[i].code, cases[i].value, cases[i].len);
		case_string_equal(cases[i].what, parse_fail(p.b, p.len),
				  "option with a bad length or value");
	}
}

static void test_parse_duplicates(void **state)
{
	struct pkt p;
	struct dhcp_msg m;

	(void)state;
	pkt_start(&p, BOOTREQUEST, DHCPDISCOVER);
	pkt_type(&p, DHCPREQUEST);
	assert_string_equal(parse_fail(p.b, p.len), "option given twice");

	pkt_start(&p, BOOTREQUEST, DHCPREQUEST);
	pkt_opt(&p, DHO_HOST_NAME, "abc", 3);
	pkt_opt(&p, DHO_HOST_NAME, "def", 3);
	assert_string_equal(parse_fail(p.b, p.len), "option given twice");

	/* an option we do not interpret may repeat */
	pkt_start(&p, BOOTREQUEST, DHCPREQUEST);
	pkt_opt(&p, 43, "ab", 2);
	pkt_opt(&p, 43, "cd", 2);
	pkt_byte(&p, DHO_END);
	parse_ok(p.b, p.len, &m);
	assert_int_equal(m.type, DHCPREQUEST);
}

static void test_parse_hostnames(void **state)
{
	struct pkt p;
	struct dhcp_msg m;
	uint8_t name[255];

	(void)state;
	memset(name, 'a', sizeof name);
	pkt_header(&p, BOOTREQUEST, 9, machine_mac);
	pkt_type(&p, DHCPREQUEST);
	pkt_opt(&p, DHO_HOST_NAME, name, 255);
	pkt_opt32(&p, DHO_REQUESTED_IP, IP(10, 0, 0, 2));
	pkt_byte(&p, DHO_END);
	parse_ok(p.b, p.len, &m);
	assert_false(m.has_hostname);
	assert_true(m.hostname_ignored);
	assert_int_equal(m.hostname[0], '\0');
	assert_true(m.has_requested_ip);	/* later options still read */
	assert_int_equal(m.requested_ip, IP(10, 0, 0, 2));

	/* 63 bytes: the longest copied */
	pkt_header(&p, BOOTREQUEST, 9, machine_mac);
	pkt_type(&p, DHCPREQUEST);
	pkt_opt(&p, DHO_HOST_NAME, name, 63);
	parse_ok(p.b, p.len, &m);
	assert_true(m.has_hostname);
	assert_int_equal(strlen(m.hostname), 63);

	/* 64 bytes: not copied */
	pkt_header(&p, BOOTREQUEST, 9, machine_mac);
	pkt_type(&p, DHCPREQUEST);
	pkt_opt(&p, DHO_HOST_NAME, name, 64);
	parse_ok(p.b, p.len, &m);
	assert_false(m.has_hostname);
	assert_true(m.hostname_ignored);

	/* an embedded NUL or shell character: not copied */
	pkt_header(&p, BOOTREQUEST, 9, machine_mac);
	pkt_type(&p, DHCPREQUEST);
	pkt_opt(&p, DHO_HOST_NAME, "ab\0cd", 5);
	parse_ok(p.b, p.len, &m);
	assert_false(m.has_hostname);
	pkt_header(&p, BOOTREQUEST, 9, machine_mac);
	pkt_type(&p, DHCPREQUEST);
	pkt_opt(&p, DHO_HOST_NAME, "a;reboot", 8);
	parse_ok(p.b, p.len, &m);
	assert_false(m.has_hostname);
	assert_true(m.hostname_ignored);
}

static void test_parse_overload(void **state)
{
	struct pkt p;
	struct dhcp_msg m;
	uint8_t *file, *sname;

	(void)state;
	/* 52 = 3: options continue in file, then in sname */
	pkt_header(&p, BOOTREPLY, 5, machine_mac);
	pkt_type(&p, DHCPOFFER);
	pkt_opt(&p, DHO_OVERLOAD, "\x03", 1);
	pkt_byte(&p, DHO_END);
	file = p.b + 108;
	sname = p.b + 44;
	file[0] = DHO_SERVER_ID; file[1] = 4;
	put_ip(file + 2, IP(10, 0, 0, 1));
	file[6] = DHO_LEASE_TIME; file[7] = 4;
	put_ip(file + 8, 3600);
	file[12] = DHO_END;
	sname[0] = DHO_HOST_NAME; sname[1] = 5;
	memcpy(sname + 2, "guest", 5);
	sname[7] = DHO_END;
	parse_ok(p.b, p.len, &m);
	assert_int_equal(m.overload, 3);
	assert_int_equal(m.type, DHCPOFFER);
	assert_true(m.has_server_id);
	assert_int_equal(m.server_id, IP(10, 0, 0, 1));
	assert_int_equal(m.lease_time, 3600);
	assert_true(m.has_hostname);
	assert_string_equal(m.hostname, "guest");

	/* 52 = 1: sname is a server name, not options */
	p.b[p.len - 2] = 1;	/* the overload value, just before End */
	parse_ok(p.b, p.len, &m);
	assert_int_equal(m.overload, 1);
	assert_true(m.has_server_id);
	assert_false(m.has_hostname);

	/* without 52, neither field is read */
	pkt_header(&p, BOOTREPLY, 5, machine_mac);
	pkt_type(&p, DHCPOFFER);
	pkt_byte(&p, DHO_END);
	p.b[108] = DHO_SERVER_ID; p.b[109] = 4;
	parse_ok(p.b, p.len, &m);
	assert_false(m.has_server_id);

	/* an option in file that runs past its 128 bytes */
	pkt_header(&p, BOOTREPLY, 5, machine_mac);
	pkt_type(&p, DHCPOFFER);
	pkt_opt(&p, DHO_OVERLOAD, "\x01", 1);
	pkt_byte(&p, DHO_END);
	memset(p.b + 108, DHO_PAD, 128);
	p.b[108 + 120] = 43;
	p.b[108 + 121] = 20;
	assert_string_equal(parse_fail(p.b, p.len), "option runs past the end of its field");

	/* overload inside file */
	pkt_header(&p, BOOTREPLY, 5, machine_mac);
	pkt_type(&p, DHCPOFFER);
	pkt_opt(&p, DHO_OVERLOAD, "\x01", 1);
	p.b[108] = DHO_OVERLOAD; p.b[109] = 1; p.b[110] = 2; p.b[111] = DHO_END;
	assert_string_equal(parse_fail(p.b, p.len), "option overload inside an overloaded field");

	/* the same option in the options field and in file */
	pkt_header(&p, BOOTREPLY, 5, machine_mac);
	pkt_type(&p, DHCPOFFER);
	pkt_opt(&p, DHO_OVERLOAD, "\x01", 1);
	p.b[108] = DHO_MSG_TYPE; p.b[109] = 1; p.b[110] = DHCPACK; p.b[111] = DHO_END;
	assert_string_equal(parse_fail(p.b, p.len), "option given twice");

	/* bad overload values */
	pkt_header(&p, BOOTREPLY, 5, machine_mac);
	pkt_type(&p, DHCPOFFER);
	pkt_opt(&p, DHO_OVERLOAD, "\x04", 1);
	assert_string_equal(parse_fail(p.b, p.len), "option with a bad length or value");
}

/* ---- responder ---- */

struct reply {
	int r;
	uint8_t buf[DHCP_PKT_MAX];
	size_t len;
	struct dhcp_reply_info info;
	struct dhcp_msg m;	/* the reply parsed back, when r == 1 */
};

static void respond(const struct pkt *req_pkt, struct reply *out)
{
	struct dhcpd_config cfg = dhcpd_test_config();
	struct dhcp_msg req;

	memset(out, 0, sizeof *out);
	parse_ok(req_pkt->b, req_pkt->len, &req);
	out->r = dhcpd_reply(&cfg, &req, out->buf, sizeof out->buf, &out->len, &out->info);
	if (out->r == 1) {
		parse_ok(out->buf, out->len, &out->m);
		assert_int_equal(out->m.op, BOOTREPLY);
		assert_int_equal(out->m.xid, req.xid);
		assert_memory_equal(out->m.chaddr, req.chaddr, 6);
		assert_true(out->m.has_server_id);
		assert_int_equal(out->m.server_id, IP(10, 0, 0, 1));
		assert_true(out->len >= DHCP_MIN_LEN);
	} else {
		assert_int_equal(out->len, 0);
	}
}

/* Respond to p: a reply (want 1) or silence (0), and what the responder did. */
static void respond_as(const struct pkt *p, struct reply *r, int want, enum dhcpd_action action)
{
	respond(p, r);
	assert_int_equal(r->r, want);
	assert_int_equal(r->info.action, action);
}

/* A message of this type from the machine at 10.0.0.2 (its ciaddr). */
static void pkt_from_machine(struct pkt *p, uint32_t xid, uint8_t type)
{
	pkt_header(p, BOOTREQUEST, xid, machine_mac);
	put_ip(p->b + 12, IP(10, 0, 0, 2));
	pkt_type(p, type);
}

static void assert_lease_options(const struct dhcp_msg *m, bool lease)
{
	assert_opt(*m, subnet_mask, IP(255, 255, 255, 0));
	assert_opt(*m, router, IP(10, 0, 0, 1));
	assert_int_equal(m->ndns, 2);
	assert_int_equal(m->dns[0], IP(9, 9, 9, 9));
	assert_int_equal(m->dns[1], IP(1, 1, 1, 1));
	assert_true(m->has_hostname);
	assert_string_equal(m->hostname, "machine");
	assert_opt(*m, broadcast, IP(10, 0, 0, 255));
	assert_int_equal(m->has_lease_time, lease);
	assert_int_equal(m->has_t1, lease);
	assert_int_equal(m->has_t2, lease);
	if (lease) {
		assert_int_equal(m->lease_time, 86400);
		assert_int_equal(m->t1, 43200);
		assert_int_equal(m->t2, 75600);
	}
}

static void assert_nak(const struct reply *r)
{
	assert_int_equal(r->r, 1);
	assert_int_equal(r->info.action, DHCPD_NAK);
	assert_non_null(r->info.why);
	assert_true(r->info.broadcast);
	assert_int_equal(r->m.type, DHCPNAK);
	assert_int_equal(r->m.yiaddr, 0);
	assert_false(r->m.has_lease_time);
	assert_false(r->m.has_subnet_mask);
	assert_false(r->m.has_hostname);
}

static void test_reply_discover(void **state)
{
	struct pkt p;
	struct reply r;

	(void)state;
	pkt_header(&p, BOOTREQUEST, 0x1234, machine_mac);
	pkt_type(&p, DHCPDISCOVER);
	pkt_opt32(&p, DHO_REQUESTED_IP, IP(10, 0, 0, 99));	/* a wish we ignore */
	pkt_byte(&p, DHO_END);
	respond_as(&p, &r, 1, DHCPD_OFFER);
	assert_int_equal(r.info.req_type, DHCPDISCOVER);
	assert_int_equal(r.info.addr, IP(10, 0, 0, 2));
	assert_true(r.info.broadcast);
	assert_int_equal(r.m.type, DHCPOFFER);
	assert_int_equal(r.m.yiaddr, IP(10, 0, 0, 2));
	assert_int_equal(r.m.ciaddr, 0);
	assert_lease_options(&r.m, true);
}

static void test_reply_not_ours(void **state)
{
	/* why is NULL where the test does not ask for one */
	static const struct {
		const char *what;
		const uint8_t *mac;
		uint8_t op, htype, type;
		const char *why;
	} cases[] = {
		{ "another MAC", other_mac, BOOTREQUEST, 1, DHCPDISCOVER, "not this machine's MAC" },
		{ "a BOOTREPLY", machine_mac, BOOTREPLY, 1, DHCPDISCOVER, "not a BOOTREQUEST" },
		{ "IEEE 802", machine_mac, BOOTREQUEST, 6, DHCPDISCOVER, "not an Ethernet client" },
		/* server message types from a client */
		{ "an OFFER", machine_mac, BOOTREQUEST, 1, DHCPOFFER, NULL },
		{ "type 42", machine_mac, BOOTREQUEST, 1, 42, NULL },
	};
	struct pkt p;
	struct reply r;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pkt_header(&p, cases[i].op, 1, cases[i].mac);
		p.b[1] = cases[i].htype;
		pkt_type(&p, cases[i].type);
		respond(&p, &r);
		case_int_equal(cases[i].what, r.r, 0);
		case_int_equal(cases[i].what, r.info.action, DHCPD_SILENT);
		if (cases[i].why)
			case_string_equal(cases[i].what, r.info.why, cases[i].why);
	}
}

static void request(struct pkt *p, uint32_t ciaddr, uint32_t requested, uint32_t server_id)
{
	pkt_header(p, BOOTREQUEST, 0x5555, machine_mac);
	put_ip(p->b + 12, ciaddr);
	pkt_type(p, DHCPREQUEST);
	if (requested)
		pkt_opt32(p, DHO_REQUESTED_IP, requested);
	if (server_id)
		pkt_opt32(p, DHO_SERVER_ID, server_id);
	pkt_byte(p, DHO_END);
}

static void test_reply_request_selecting(void **state)
{
	struct pkt p;
	struct reply r;

	(void)state;
	request(&p, 0, IP(10, 0, 0, 2), IP(10, 0, 0, 1));
	respond_as(&p, &r, 1, DHCPD_ACK);
	assert_int_equal(r.info.state, DHCPD_STATE_SELECTING);
	assert_int_equal(r.m.type, DHCPACK);
	assert_int_equal(r.m.yiaddr, IP(10, 0, 0, 2));
	assert_true(r.info.broadcast);
	assert_lease_options(&r.m, true);

	/* ours, but the wrong address */
	request(&p, 0, IP(10, 0, 0, 3), IP(10, 0, 0, 1));
	respond(&p, &r);
	assert_nak(&r);
	assert_int_equal(r.info.state, DHCPD_STATE_SELECTING);

	/* another server's offer was chosen: say nothing */
	request(&p, 0, IP(10, 0, 0, 2), IP(10, 0, 0, 254));
	respond_as(&p, &r, 0, DHCPD_SILENT);
	assert_int_equal(r.info.state, DHCPD_STATE_SELECTING);
	assert_string_equal(r.info.why, "client selected another server");
}

static void test_reply_request_init_reboot(void **state)
{
	struct pkt p;
	struct reply r;

	(void)state;
	request(&p, 0, IP(10, 0, 0, 2), 0);
	respond_as(&p, &r, 1, DHCPD_ACK);
	assert_int_equal(r.info.state, DHCPD_STATE_INIT_REBOOT);
	assert_int_equal(r.m.yiaddr, IP(10, 0, 0, 2));
	assert_lease_options(&r.m, true);

	/* it remembers an address from another network */
	request(&p, 0, IP(192, 168, 1, 20), 0);
	respond(&p, &r);
	assert_nak(&r);
	assert_int_equal(r.info.state, DHCPD_STATE_INIT_REBOOT);
	assert_int_equal(r.info.addr, IP(192, 168, 1, 20));
}

static void test_reply_request_renewing(void **state)
{
	struct pkt p;
	struct reply r;
	struct udp_frame f;
	struct dhcp_msg req;
	struct dhcpd_config cfg = dhcpd_test_config();

	(void)state;
	request(&p, IP(10, 0, 0, 2), 0, 0);
	respond_as(&p, &r, 1, DHCPD_ACK);
	assert_int_equal(r.info.state, DHCPD_STATE_RENEWING);
	assert_int_equal(r.m.ciaddr, IP(10, 0, 0, 2));
	assert_int_equal(r.m.yiaddr, IP(10, 0, 0, 2));
	assert_lease_options(&r.m, true);
	/* no broadcast flag and an address: unicast to it */
	assert_false(r.info.broadcast);
	parse_ok(p.b, p.len, &req);
	dhcpd_reply_frame(&cfg, &req, &r.info, &f);
	assert_frame_route(f, host_mac, IP(10, 0, 0, 1), 67, machine_mac, IP(10, 0, 0, 2), 68);

	/* the same with the broadcast flag: broadcast */
	p.b[10] = 0x80;
	respond(&p, &r);
	assert_int_equal(r.info.action, DHCPD_ACK);
	assert_true(r.info.broadcast);
	assert_int_equal(r.m.flags, DHCP_BROADCAST_FLAG);
	parse_ok(p.b, p.len, &req);
	dhcpd_reply_frame(&cfg, &req, &r.info, &f);
	assert_memory_equal(f.dst_mac, bcast, 6);
	assert_int_equal(f.dst_ip, 0xffffffff);

	/* renewing an address that is not the machine's */
	request(&p, IP(10, 0, 0, 7), 0, 0);
	respond(&p, &r);
	assert_nak(&r);
	assert_int_equal(r.info.state, DHCPD_STATE_RENEWING);
	parse_ok(p.b, p.len, &req);
	dhcpd_reply_frame(&cfg, &req, &r.info, &f);
	assert_memory_equal(f.dst_mac, bcast, 6);

	/* a REQUEST that names no address at all */
	request(&p, 0, 0, 0);
	respond(&p, &r);
	assert_int_equal(r.r, 0);
	assert_string_equal(r.info.why, "REQUEST names no address");
}

static void test_reply_inform(void **state)
{
	struct pkt p;
	struct reply r;

	(void)state;
	pkt_from_machine(&p, 0x77, DHCPINFORM);
	pkt_byte(&p, DHO_END);
	respond_as(&p, &r, 1, DHCPD_ACK);
	assert_int_equal(r.m.type, DHCPACK);
	assert_int_equal(r.m.yiaddr, 0);
	assert_int_equal(r.m.ciaddr, IP(10, 0, 0, 2));
	assert_false(r.info.broadcast);
	assert_lease_options(&r.m, false);
}

static void test_reply_release_decline(void **state)
{
	struct pkt p;
	struct reply r;

	(void)state;
	pkt_from_machine(&p, 0x88, DHCPRELEASE);
	pkt_opt32(&p, DHO_SERVER_ID, IP(10, 0, 0, 1));
	pkt_byte(&p, DHO_END);
	respond_as(&p, &r, 0, DHCPD_SILENT);
	assert_int_equal(r.info.req_type, DHCPRELEASE);
	assert_int_equal(r.info.addr, IP(10, 0, 0, 2));
	assert_string_equal(r.info.why, "client released its lease");

	pkt_header(&p, BOOTREQUEST, 0x89, machine_mac);
	pkt_type(&p, DHCPDECLINE);
	pkt_opt32(&p, DHO_REQUESTED_IP, IP(10, 0, 0, 2));
	pkt_opt32(&p, DHO_SERVER_ID, IP(10, 0, 0, 1));
	pkt_byte(&p, DHO_END);
	respond(&p, &r);
	assert_int_equal(r.r, 0);
	assert_int_equal(r.info.req_type, DHCPDECLINE);
	assert_int_equal(r.info.addr, IP(10, 0, 0, 2));
	assert_string_equal(r.info.why, "client declined the address");

	/* the names the responder logs */
	assert_string_equal(dhcp_type_name(r.info.req_type), "DECLINE");
	assert_string_equal(dhcp_type_name(DHCPINFORM), "INFORM");
	assert_string_equal(dhcp_type_name(0), "unknown");
	assert_string_equal(dhcp_type_name(9), "unknown");
}

static void test_reply_limits(void **state)
{
	struct pkt p;
	struct dhcp_msg req;
	struct dhcpd_config cfg = dhcpd_test_config();
	struct dhcp_reply_info info;
	uint8_t buf[DHCP_PKT_MAX];
	size_t len;
	char longname[80];

	(void)state;
	pkt_header(&p, BOOTREQUEST, 1, machine_mac);
	pkt_type(&p, DHCPDISCOVER);
	parse_ok(p.b, p.len, &req);
	assert_int_equal(dhcpd_reply(&cfg, &req, buf, DHCP_MIN_LEN - 1, &len, &info), -1);
	assert_string_equal(info.why, "reply buffer too small");

	cfg.prefix = 0;
	assert_int_equal(dhcpd_reply(&cfg, &req, buf, sizeof buf, &len, &info), -1);
	cfg = dhcpd_test_config();
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	cfg.hostname = longname;
	assert_int_equal(dhcpd_reply(&cfg, &req, buf, sizeof buf, &len, &info), -1);

	/* no hostname, no DNS: neither option is sent */
	cfg = dhcpd_test_config();
	cfg.hostname = NULL;
	cfg.ndns = 0;
	cfg.prefix = 16;
	assert_int_equal(dhcpd_reply(&cfg, &req, buf, sizeof buf, &len, &info), 1);
	struct dhcp_msg m;
	parse_ok(buf, len, &m);
	assert_false(m.has_hostname);
	assert_int_equal(m.ndns, 0);
	assert_int_equal(m.subnet_mask, IP(255, 255, 0, 0));
	assert_int_equal(m.broadcast, IP(10, 0, 255, 255));
}

/* ---- frames ---- */

/* RFC 1071, written out again here so the test does not trust the code. */
static uint16_t ref_csum(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < alen; i += 2)
		sum += (uint32_t)(a[i] << 8 | a[i + 1]);
	for (i = 0; i + 1 < blen; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (blen % 2)
		sum += (uint32_t)b[blen - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Recompute both checksums from scratch and compare with the frame's. */
static void assert_checksums(const uint8_t *fr, size_t len)
{
	uint8_t ip[20], pseudo[12], *udp;
	size_t ulen;
	uint16_t want;

	assert_true(len >= 42);
	memcpy(ip, fr + 14, 20);
	ip[10] = ip[11] = 0;
	assert_int_equal(get16(fr + 14 + 10), ref_csum(NULL, 0, ip, 20));

	ulen = get16(fr + 34 + 4);
	assert_int_equal(ulen, len - 34);
	udp = malloc(ulen);
	assert_non_null(udp);
	memcpy(udp, fr + 34, ulen);
	udp[6] = udp[7] = 0;
	memcpy(pseudo, fr + 14 + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 17;
	pseudo[10] = (uint8_t)(ulen >> 8);
	pseudo[11] = (uint8_t)ulen;
	want = ref_csum(pseudo, 12, udp, ulen);
	if (want == 0)
		want = 0xffff;
	assert_int_equal(get16(fr + 34 + 6), want);
	free(udp);
}

static void fix_ip_csum(uint8_t *fr)
{
	uint16_t c;

	fr[24] = fr[25] = 0;
	c = ref_csum(NULL, 0, fr + 14, (size_t)(fr[14] & 15) * 4);
	fr[24] = (uint8_t)(c >> 8);
	fr[25] = (uint8_t)c;
}

static void client_frame(uint8_t *fr, size_t cap, size_t *len, const uint8_t *payload, size_t plen)
{
	struct udp_frame f = { .src_port = 68, .dst_port = 67, .src_ip = 0, .dst_ip = 0xffffffff };
	const char *why;

	memcpy(f.dst_mac, bcast, 6);
	memcpy(f.src_mac, machine_mac, 6);
	assert_int_equal(udp_frame_build(&f, payload, plen, fr, cap, len, &why), 0);
}

static const char *frame_fail(const uint8_t *fr, size_t len)
{
	return refusal(fr, len, true);
}

static void test_frame_roundtrip(void **state)
{
	uint8_t payload[DHCP_PKT_MAX], fr[DHCP_FRAME_MAX + 64];
	size_t plen, len, i;
	const char *why;
	struct udp_frame f;

	(void)state;
	memset(payload, 0, sizeof payload);
	assert_int_equal(dhcpc_discover(machine_mac, 42, payload, sizeof payload, &plen, &why), 0);
	client_frame(fr, sizeof fr, &len, payload, plen);
	assert_int_equal(len, 42 + plen);
	assert_checksums(fr, len);
	assert_int_equal(dhcp_frame_parse(fr, len, &f, &why), 0);
	assert_frame_route(f, machine_mac, 0, 68, bcast, 0xffffffff, 67);
	assert_int_equal(f.payload_len, plen);
	assert_memory_equal(f.payload, payload, plen);

	/* an odd-length payload still gets a correct UDP checksum */
	client_frame(fr, sizeof fr, &len, payload, 301);
	assert_checksums(fr, len);
	assert_int_equal(dhcp_frame_parse(fr, len, &f, &why), 0);
	assert_int_equal(f.payload_len, 301);

	/* Ethernet padding after the datagram is not payload */
	client_frame(fr, sizeof fr, &len, payload, plen);
	memset(fr + len, 0, 30);
	assert_int_equal(dhcp_frame_parse(fr, len + 30, &f, &why), 0);
	assert_int_equal(f.payload_len, plen);

	/* every truncation fails, read from an exact-size buffer */
	for (i = 0; i < len; i++) {
		uint8_t *b = malloc(i ? i : 1);

		assert_non_null(b);
		memcpy(b, fr, i);
		frame_fail(b, i);
		free(b);
	}

	/* too small a buffer for the build */
	assert_int_equal(udp_frame_build(&f, payload, plen, fr, 42 + plen - 1, &len, &why), -1);
}

/* A renewal sent from a guest's UDP socket through virtio-net arrives on
 * the TAP with the checksum offloaded: only the pseudo-header sum is in
 * the field (packet socket: TP_STATUS_CSUMNOTREADY). */
static void test_frame_offloaded_csum(void **state)
{
	uint8_t payload[DHCP_PKT_MAX], fr[DHCP_FRAME_MAX], arp[60];
	struct udp_frame f = { .src_port = 68, .dst_port = 67,
				.src_ip = 0x0a000002, .dst_ip = 0x0a000001 };
	struct dhcpc_params cp = { .xid = 7, .ciaddr = 0x0a000002 };
	size_t plen, len, i;
	uint32_t sum;
	const char *why;

	(void)state;
	memcpy(cp.mac, machine_mac, 6);
	assert_int_equal(dhcpc_build(DHCPREQUEST, &cp, payload, sizeof payload, &plen, &why), 0);
	memcpy(f.dst_mac, "\x02\x00\x0a\x00\x00\x01", 6);
	memcpy(f.src_mac, machine_mac, 6);
	assert_int_equal(udp_frame_build(&f, payload, plen, fr, sizeof fr, &len, &why), 0);
	/* what the kernel leaves there: the folded pseudo-header sum */
	sum = 0x0a00 + 0x0002 + 0x0a00 + 0x0001 + 17 + (uint32_t)(8 + plen);
	sum = (sum & 0xffff) + (sum >> 16);
	fr[14 + 20 + 6] = (uint8_t)(sum >> 8);
	fr[14 + 20 + 7] = (uint8_t)sum;
	assert_string_equal(frame_fail(fr, len), "bad UDP checksum");

	udp_frame_forget_csum(fr, len);
	assert_int_equal(fr[14 + 20 + 6], 0);
	assert_int_equal(fr[14 + 20 + 7], 0);
	assert_int_equal(dhcp_frame_parse(fr, len, &f, &why), 0);
	assert_int_equal(f.src_ip, 0x0a000002);
	assert_int_equal(f.payload_len, plen);
	assert_memory_equal(f.payload, payload, plen);

	/* not IPv4/UDP, or too short for a UDP header: untouched, and nothing
	 * read past the end (exact-size buffers, under the sanitizers) */
	memset(arp, 0xab, sizeof arp);
	arp[12] = 0x08;
	arp[13] = 0x06;
	udp_frame_forget_csum(arp, sizeof arp);
	for (i = 0; i < sizeof arp; i++)
		assert_int_equal(arp[i], i == 12 ? 0x08 : i == 13 ? 0x06 : 0xab);
	for (i = 0; i < 14 + 20 + 8; i++) {
		uint8_t *b = malloc(i ? i : 1);

		assert_non_null(b);
		memcpy(b, fr, i);
		memset(b + (i > 40 ? 40 : i), 0xee, i > 40 ? i - 40 : 0);
		udp_frame_forget_csum(b, i);
		if (i > 40)
			assert_int_equal(b[40], 0xee);
		free(b);
	}
	/* an IHL pointing past the frame: untouched */
	fr[14] = 0x4f;
	fr[14 + 60 + 6] = 0x55;
	udp_frame_forget_csum(fr, 14 + 60 + 7);
	assert_int_equal(fr[14 + 60 + 6], 0x55);
}

static void test_frame_rejects(void **state)
{
	uint8_t payload[DHCP_PKT_MAX], fr[DHCP_FRAME_MAX], bad[DHCP_FRAME_MAX + 4];
	size_t plen, len;
	const char *why;
	struct udp_frame f;

	(void)state;
	assert_int_equal(dhcpc_discover(machine_mac, 42, payload, sizeof payload, &plen, &why), 0);
	client_frame(fr, sizeof fr, &len, payload, plen);

	memcpy(bad, fr, len);
	bad[12] = 0x86; bad[13] = 0xdd;
	assert_string_equal(frame_fail(bad, len), "not an IPv4 frame");

	memcpy(bad, fr, len);
	bad[14 + 8] = 1;	/* TTL changed, checksum not */
	assert_string_equal(frame_fail(bad, len), "bad IP header checksum");

	memcpy(bad, fr, len);
	bad[14 + 6] = 0x20;	/* more fragments */
	fix_ip_csum(bad);
	assert_string_equal(frame_fail(bad, len), "IP fragment");
	memcpy(bad, fr, len);
	bad[14 + 7] = 0x10;	/* fragment offset */
	fix_ip_csum(bad);
	assert_string_equal(frame_fail(bad, len), "IP fragment");
	memcpy(bad, fr, len);
	bad[14 + 6] = 0x40;	/* don't fragment: fine */
	fix_ip_csum(bad);
	assert_int_equal(dhcp_frame_parse(bad, len, &f, &why), 0);

	memcpy(bad, fr, len);
	bad[14 + 9] = 6;	/* TCP */
	fix_ip_csum(bad);
	assert_string_equal(frame_fail(bad, len), "not UDP");

	memcpy(bad, fr, len);
	bad[14] = 0x44;
	fix_ip_csum(bad);
	assert_string_equal(frame_fail(bad, len), "IP header length below 20");

	memcpy(bad, fr, len);
	bad[14] = 0x65;
	assert_string_equal(frame_fail(bad, len), "not IP version 4");

	/* IP total length beyond the frame */
	memcpy(bad, fr, len);
	bad[16] = (uint8_t)((len - 14 + 1) >> 8);
	bad[17] = (uint8_t)(len - 14 + 1);
	fix_ip_csum(bad);
	assert_string_equal(frame_fail(bad, len), "frame truncated");

	/* UDP length disagreeing with IP */
	memcpy(bad, fr, len);
	bad[34 + 5] ^= 1;
	assert_string_equal(frame_fail(bad, len), "UDP length does not match the IP length");

	/* payload changed: the UDP checksum catches it */
	memcpy(bad, fr, len);
	bad[len - 1] ^= 0x5a;
	assert_string_equal(frame_fail(bad, len), "bad UDP checksum");
	/* ... unless the sender sent no checksum */
	bad[34 + 6] = bad[34 + 7] = 0;
	assert_int_equal(dhcp_frame_parse(bad, len, &f, &why), 0);

	/* other ports */
	memcpy(bad, fr, len);
	bad[34 + 6] = bad[34 + 7] = 0;
	bad[34 + 3] = 53;
	assert_string_equal(frame_fail(bad, len), "not DHCP ports");

	/* IP options (IHL 6) are skipped */
	memcpy(bad, fr, 34);
	bad[14] = 0x46;
	bad[16] = (uint8_t)((len - 14 + 4) >> 8);
	bad[17] = (uint8_t)(len - 14 + 4);
	memset(bad + 34, 0x01, 4);	/* NOP options */
	fix_ip_csum(bad);
	memcpy(bad + 38, fr + 34, len - 34);
	assert_int_equal(dhcp_frame_parse(bad, len + 4, &f, &why), 0);
	assert_int_equal(f.payload_len, plen);
	assert_memory_equal(f.payload, payload, plen);
}

/* The whole exchange as the machine and its supervisor would run it. */
static void server_turn(const uint8_t *fr, size_t len, uint8_t *out, size_t cap, size_t *outlen,
			struct dhcp_reply_info *info)
{
	struct dhcpd_config cfg = dhcpd_test_config();
	struct udp_frame f, rf;
	struct dhcp_msg req;
	uint8_t payload[DHCP_PKT_MAX];
	size_t plen;
	const char *why;

	assert_int_equal(dhcp_frame_parse(fr, len, &f, &why), 0);
	assert_int_equal(f.dst_port, 67);
	parse_ok(f.payload, f.payload_len, &req);
	assert_int_equal(dhcpd_reply(&cfg, &req, payload, sizeof payload, &plen, info), 1);
	dhcpd_reply_frame(&cfg, &req, info, &rf);
	assert_int_equal(udp_frame_build(&rf, payload, plen, out, cap, outlen, &why), 0);
	assert_checksums(out, *outlen);
}

static void test_exchange(void **state)
{
	uint8_t payload[DHCP_PKT_MAX], fr[DHCP_FRAME_MAX], reply[DHCP_FRAME_MAX];
	size_t plen, len, rlen;
	const char *why;
	struct udp_frame f;
	struct dhcp_msg offer, ack;
	struct dhcp_reply_info info;

	(void)state;
	assert_int_equal(dhcpc_discover(machine_mac, 0xabcdef01, payload, sizeof payload, &plen, &why), 0);
	client_frame(fr, sizeof fr, &len, payload, plen);
	server_turn(fr, len, reply, sizeof reply, &rlen, &info);
	assert_int_equal(info.action, DHCPD_OFFER);

	assert_int_equal(dhcp_frame_parse(reply, rlen, &f, &why), 0);
	assert_frame_route(f, host_mac, IP(10, 0, 0, 1), 67, bcast, 0xffffffff, 68);
	parse_ok(f.payload, f.payload_len, &offer);
	assert_true(dhcpc_reply_is_ours(&offer, machine_mac, 0xabcdef01));
	assert_false(dhcpc_reply_is_ours(&offer, machine_mac, 0xabcdef02));
	assert_false(dhcpc_reply_is_ours(&offer, other_mac, 0xabcdef01));
	assert_int_equal(offer.type, DHCPOFFER);
	assert_int_equal(offer.yiaddr, IP(10, 0, 0, 2));
	assert_lease_options(&offer, true);

	assert_int_equal(dhcpc_request(machine_mac, 0xabcdef01, offer.yiaddr, offer.server_id,
				       payload, sizeof payload, &plen, &why), 0);
	client_frame(fr, sizeof fr, &len, payload, plen);
	server_turn(fr, len, reply, sizeof reply, &rlen, &info);
	assert_int_equal(info.action, DHCPD_ACK);
	assert_int_equal(dhcp_frame_parse(reply, rlen, &f, &why), 0);
	parse_ok(f.payload, f.payload_len, &ack);
	assert_true(dhcpc_reply_is_ours(&ack, machine_mac, 0xabcdef01));
	assert_int_equal(ack.type, DHCPACK);
	assert_int_equal(ack.yiaddr, IP(10, 0, 0, 2));
	assert_lease_options(&ack, true);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_parse_captured_ack),
	cmocka_unit_test(test_parse_client_discover),
	cmocka_unit_test(test_parse_client_request),
	cmocka_unit_test(test_parse_truncated),
	cmocka_unit_test(test_parse_option_past_end),
	cmocka_unit_test(test_parse_cookie_and_type),
	cmocka_unit_test(test_parse_bad_lengths),
	cmocka_unit_test(test_parse_duplicates),
	cmocka_unit_test(test_parse_hostnames),
	cmocka_unit_test(test_parse_overload),
	cmocka_unit_test(test_reply_discover),
	cmocka_unit_test(test_reply_not_ours),
	cmocka_unit_test(test_reply_request_selecting),
	cmocka_unit_test(test_reply_request_init_reboot),
	cmocka_unit_test(test_reply_request_renewing),
	cmocka_unit_test(test_reply_inform),
	cmocka_unit_test(test_reply_release_decline),
	cmocka_unit_test(test_reply_limits),
	cmocka_unit_test(test_frame_roundtrip),
	cmocka_unit_test(test_frame_rejects),
	cmocka_unit_test(test_frame_offloaded_csum),
	cmocka_unit_test(test_exchange))

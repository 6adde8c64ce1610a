/* dhcp_frames.h - what the DHCP tests build alike: the MACs, the responder's
 * configuration, and a packet writer independent of the code under test.
 * Include after cmocka.h. */
#ifndef POOL_TESTS_DHCP_FRAMES_H
#define POOL_TESTS_DHCP_FRAMES_H

#include <stdint.h>
#include <string.h>

#include "src/net/dhcp_pkt.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static const uint8_t machine_mac[6] = { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x02 };
static const uint8_t other_mac[6] = { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x03 };
static const uint8_t host_mac[6] = { 0x02, 0x50, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* The responder of machine 10.0.0.2/24 behind the host's 10.0.0.1. */
static inline struct dhcpd_config dhcpd_test_config(void)
{
	struct dhcpd_config c = {
		.machine_ip = IP(10, 0, 0, 2),
		.prefix = 24,
		.router = IP(10, 0, 0, 1),
		.server_ip = IP(10, 0, 0, 1),
		.dns = { IP(9, 9, 9, 9), IP(1, 1, 1, 1) },
		.ndns = 2,
		.hostname = "machine",
		.lease_time = 86400,
	};

	memcpy(c.machine_mac, machine_mac, 6);
	memcpy(c.server_mac, host_mac, 6);
	return c;
}

/* ---- the packet writer ---- */

struct pkt {
	uint8_t b[1024];
	size_t len;
};

static inline void put_ip(uint8_t *at, uint32_t v)
{
	at[0] = (uint8_t)(v >> 24);
	at[1] = (uint8_t)(v >> 16);
	at[2] = (uint8_t)(v >> 8);
	at[3] = (uint8_t)v;
}

/* The fixed header (htype Ethernet, hlen 6) and the magic cookie. */
static inline void pkt_header(struct pkt *p, uint8_t op, uint32_t xid, const uint8_t mac[6])
{
	memset(p, 0, sizeof *p);
	p->b[0] = op;
	p->b[1] = 1;
	p->b[2] = 6;
	put_ip(p->b + 4, xid);
	memcpy(p->b + 28, mac, 6);
	put_ip(p->b + 236, 0x63825363);
	p->len = 240;
}

static inline void pkt_raw(struct pkt *p, const void *v, size_t n)
{
	assert_true(p->len + n <= sizeof p->b);
	memcpy(p->b + p->len, v, n);
	p->len += n;
}

static inline void pkt_byte(struct pkt *p, uint8_t v)
{
	pkt_raw(p, &v, 1);
}

static inline void pkt_opt(struct pkt *p, uint8_t code, const void *v, uint8_t n)
{
	pkt_byte(p, code);
	pkt_byte(p, n);
	pkt_raw(p, v, n);
}

static inline void pkt_opt32(struct pkt *p, uint8_t code, uint32_t v)
{
	uint8_t b[4];

	put_ip(b, v);
	pkt_opt(p, code, b, 4);
}

static inline void pkt_type(struct pkt *p, uint8_t type)
{
	pkt_opt(p, DHO_MSG_TYPE, &type, 1);
}

/* End, then zeros up to the BOOTP minimum. */
static inline void pkt_end(struct pkt *p)
{
	pkt_byte(p, DHO_END);
	while (p->len < DHCP_MIN_LEN)
		pkt_byte(p, 0);
}

#endif

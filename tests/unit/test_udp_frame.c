/* test_udp_frame.c - Ethernet/IPv4/UDP frames on any port (the DHCP-specific rules are in test_dhcp_pkt.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "src/net/dhcp_pkt.h"
#include "src/net/udp_frame.h"
#include "tests/unit/frame_route.h"
#include "tests/unit/main.h"

static const uint8_t machine_mac[6] = { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x02 };
static const uint8_t host_mac[6] = { 0x02, 0x50, 0x00, 0x00, 0x00, 0x01 };

/* A DNS query for example.test from 10.0.0.2:40000 to 10.0.0.1:53. */
static const uint8_t query[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x04, 't', 'e', 's', 't', 0x00,
	0x00, 0x01, 0x00, 0x01,
};

static struct udp_frame machine_frame(void)
{
	struct udp_frame f = {
		.src_ip = 0x0a000002, .dst_ip = 0x0a000001, .src_port = 40000, .dst_port = 53,
	};

	memcpy(f.src_mac, machine_mac, 6);
	memcpy(f.dst_mac, host_mac, 6);
	return f;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void test_any_port(void **state)
{
	struct udp_frame f = machine_frame(), p;
	struct udp_frame d;
	uint8_t fr[128];
	size_t len;
	const char *why;

	(void)state;
	assert_int_equal(udp_frame_build(&f, query, sizeof query, fr, sizeof fr, &len, &why), 0);
	assert_int_equal(len, UDP_FRAME_HDR_LEN + sizeof query);
	assert_int_equal(get16(fr + 12), 0x0800);
	assert_int_equal(fr[14], 0x45);
	assert_int_equal(fr[14 + 8], 64);
	assert_int_equal(get16(fr + 14 + 6), 0);	/* no fragment bits */

	assert_int_equal(udp_frame_parse(fr, len, &p, &why), 0);
	assert_frame_route(p, machine_mac, 0x0a000002, 40000, host_mac, 0x0a000001, 53);
	assert_ptr_equal(p.payload, fr + UDP_FRAME_HDR_LEN);
	assert_int_equal(p.payload_len, sizeof query);

	/* the same frame through the DHCP wrapper: not its ports */
	assert_int_equal(dhcp_frame_parse(fr, len, &d, &why), -1);
	assert_string_equal(why, "not DHCP ports");
	/* and port 0, 65535 */
	f.src_port = 0;
	f.dst_port = 65535;
	assert_int_equal(udp_frame_build(&f, query, sizeof query, fr, sizeof fr, &len, &why), 0);
	assert_int_equal(udp_frame_parse(fr, len, &p, &why), 0);
	assert_int_equal(p.src_port, 0);
	assert_int_equal(p.dst_port, 65535);
}

static void test_rules(void **state)
{
	struct udp_frame f = machine_frame(), p;
	uint8_t fr[128];
	size_t len, i;
	const char *why;

	(void)state;
	assert_int_equal(udp_frame_build(&f, query, sizeof query, fr, sizeof fr, &len, &why), 0);

	/* Ethernet padding: not payload */
	memset(fr + len, 0, 20);
	assert_int_equal(udp_frame_parse(fr, len + 20, &p, &why), 0);
	assert_int_equal(p.payload_len, sizeof query);

	/* every prefix fails, read from an exact-size copy */
	for (i = 0; i < len; i++) {
		uint8_t *b = malloc(i ? i : 1);

		assert_non_null(b);
		memcpy(b, fr, i);
		assert_int_equal(udp_frame_parse(b, i, &p, &why), -1);
		free(b);
	}

	/* a changed payload byte: caught by the UDP checksum, unless the
	 * sender left it to offload and the kernel said so */
	fr[len - 1] ^= 1;
	assert_int_equal(udp_frame_parse(fr, len, &p, &why), -1);
	assert_string_equal(why, "bad UDP checksum");
	udp_frame_forget_csum(fr, len);
	assert_int_equal(get16(fr + 34 + 6), 0);
	assert_int_equal(udp_frame_parse(fr, len, &p, &why), 0);

	/* a fragment */
	assert_int_equal(udp_frame_build(&f, query, sizeof query, fr, sizeof fr, &len, &why), 0);
	fr[14 + 6] = 0x20;
	fr[14 + 10] = fr[14 + 11] = 0;
	{
		uint32_t s = 0;

		for (i = 0; i < 20; i += 2)
			s += get16(fr + 14 + i);
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		fr[14 + 10] = (uint8_t)(~s >> 8);
		fr[14 + 11] = (uint8_t)~s;
	}
	assert_int_equal(udp_frame_parse(fr, len, &p, &why), -1);
	assert_string_equal(why, "IP fragment");

	/* payload size: an MTU's worth, not one byte more */
	{
		static uint8_t big[UDP_FRAME_PAYLOAD_MAX + 1], out[1600];

		assert_int_equal(udp_frame_build(&f, big, UDP_FRAME_PAYLOAD_MAX, out, sizeof out,
						 &len, &why), 0);
		assert_int_equal(len, 14 + 1500);
		assert_int_equal(udp_frame_parse(out, len, &p, &why), 0);
		assert_int_equal(udp_frame_build(&f, big, sizeof big, out, sizeof out, &len, &why), -1);
		assert_string_equal(why, "payload larger than an Ethernet frame");
		assert_int_equal(udp_frame_build(&f, big, 10, out, UDP_FRAME_HDR_LEN + 9, &len, &why), -1);
		assert_string_equal(why, "frame buffer too small");
	}
}

/* A reply can be written where its frame's payload goes, or anywhere else
 * in the same buffer, and framed without a second buffer. */
static void test_build_in_place(void **state)
{
	struct udp_frame f = machine_frame(), p;
	uint8_t fr[128];
	size_t len;
	const char *why;

	(void)state;
	memcpy(fr + UDP_FRAME_HDR_LEN, query, sizeof query);
	assert_int_equal(udp_frame_build(&f, fr + UDP_FRAME_HDR_LEN, sizeof query, fr, sizeof fr,
					 &len, &why), 0);
	assert_int_equal(udp_frame_parse(fr, len, &p, &why), 0);
	assert_memory_equal(p.payload, query, sizeof query);

	/* at the start, where the headers go */
	memcpy(fr, query, sizeof query);
	assert_int_equal(udp_frame_build(&f, fr, sizeof query, fr, sizeof fr, &len, &why), 0);
	assert_int_equal(udp_frame_parse(fr, len, &p, &why), 0);
	assert_memory_equal(p.payload, query, sizeof query);
}

static void test_reply_addresses(void **state)
{
	struct udp_frame f = machine_frame(), in, rep, back;
	uint8_t fr[128], out[128];
	size_t len;
	const char *why;

	(void)state;
	assert_int_equal(udp_frame_build(&f, query, sizeof query, fr, sizeof fr, &len, &why), 0);
	assert_int_equal(udp_frame_parse(fr, len, &in, &why), 0);
	memset(&rep, 0xaa, sizeof rep);
	udp_frame_reply(&in, &rep);
	assert_frame_route(rep, host_mac, 0x0a000001, 53, machine_mac, 0x0a000002, 40000);
	assert_null(rep.payload);
	assert_int_equal(rep.payload_len, 0);
	assert_int_equal(udp_frame_build(&rep, query, sizeof query, out, sizeof out, &len, &why), 0);
	assert_int_equal(udp_frame_parse(out, len, &back, &why), 0);
	assert_int_equal(back.src_port, 53);
	assert_int_equal(back.dst_ip, 0x0a000002);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_any_port),
	cmocka_unit_test(test_rules),
	cmocka_unit_test(test_build_in_place),
	cmocka_unit_test(test_reply_addresses))
